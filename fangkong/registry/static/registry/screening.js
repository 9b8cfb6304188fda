/* Knock rounds (摸排) on a phone held in one hand.
 *
 * Every tap goes through the field outbox (fangkong/outbox.js): a client id and the phone's time
 * are given when the door is tapped, the tap waits in IndexedDB until the server has answered it
 * for good, and the server records a client id once. So a tap made on the stairs without a
 * network, or after the sign-in has ended, is sent later, once. The row says the tap is waiting;
 * the server's answer (the row again, with the building's counts) replaces it when it comes.
 * No inline script: the page only carries data-* attributes (strict CSP).
 */
(function () {
  "use strict";

  function page() { return document.getElementById("fk-knock"); }

  function text(name) {
    var el = page();
    return (el && el.getAttribute("data-" + name + "-text")) || "";
  }

  function note(row, message, kind) {
    if (!row) return;
    var old = row.querySelector(".fk-tap-note");
    if (old) old.remove();
    var div = document.createElement("div");
    div.className = "fk-tap-note alert py-1 px-2 my-1 small alert-" + kind;
    div.setAttribute("role", "status");
    div.textContent = message;
    row.insertBefore(div, row.children[1] || null);
  }

  function swap(rowId, html) {
    var target = document.getElementById(rowId);
    if (!target || !html) return false;
    if (window.htmx) window.htmx.swap(target, html, { swapStyle: "outerHTML" });
    else target.outerHTML = html;
    return true;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.matches || !form.matches("form[data-fk-tap]") || !window.Fangkong || !window.Fangkong.outbox) return;
    event.preventDefault();
    var submitter = event.submitter || null;
    var question = form.getAttribute("data-fk-confirm");
    if (question && !window.confirm(question)) return;
    var body = {};
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string" && key !== "csrfmiddlewaretoken" && key !== "client_id") body[key] = value;
    });
    if (submitter && submitter.name) body[submitter.name] = submitter.value;
    var row = form.closest(".fk-knock-row");
    var room = row ? (row.querySelector(".fs-5") || {}).textContent || "" : "";
    if (row) row.classList.add("opacity-75");
    note(row, text("queued"), "warning");
    window.Fangkong.outbox.add({
      kind: "knock", url: form.getAttribute("action"), body: body,
      label: room + " " + ((submitter && submitter.textContent) || "").trim(), meta: { row: row ? row.id : "" }
    });
  });

  if (window.Fangkong && window.Fangkong.outbox) {
    window.Fangkong.outbox.on("knock", function (write, answer) {
      var rowId = write.meta && write.meta.row;
      if (answer.ok) return swap(rowId, typeof answer.data === "string" ? answer.data : "");
      var html = answer.data && answer.data.html;
      if (html) swap(rowId, html);
      else note(document.getElementById(rowId), answer.message || text("error"), "danger");
      return !!document.getElementById(rowId);
    });
  }
})();
