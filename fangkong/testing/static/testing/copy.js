// Copy a text box (a building's notice, a person's link), ready to paste into a chat.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const box = document.getElementById(button.dataset.copy);
  const done = () => {
    const label = button.textContent;
    button.textContent = button.dataset.copied;
    setTimeout(() => { button.textContent = label; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(box.value).then(done);
  } else {  // plain http on a command post's own network: the older way still works
    box.select();
    document.execCommand("copy");
    done();
  }
});
