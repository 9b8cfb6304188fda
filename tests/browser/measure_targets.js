() => {
  const bad = [];
  const seen = new Set();
  const sel = "a[href], button, input:not([type=hidden]), select, summary, textarea";
  for (const el of document.querySelectorAll(sel)) {
    let target = el;
    if (el.matches("input[type=checkbox], input[type=radio]")) {
      target = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el;
    }
    if (seen.has(target)) continue;
    seen.add(target);
    const r = target.getBoundingClientRect();
    const style = getComputedStyle(target);
    if (!r.width || !r.height || style.visibility === "hidden") continue;
    if (target.closest(".d-none, [hidden], details:not([open]) > :not(summary)")) continue;
    if (r.height < 43.5 || r.width < 43.5) {
      bad.push(`${target.tagName.toLowerCase()}${target.id ? "#" + target.id : ""}.${(target.className || "").toString().split(" ").slice(0, 2).join(".")} "${(target.innerText || target.value || "").trim().slice(0, 20)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return {overflow: document.documentElement.scrollWidth, bad};
}
