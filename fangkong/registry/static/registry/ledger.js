// Ledger upload: say the file is being read while a large upload goes up, and stop a second click.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.classList || !form.classList.contains("fk-ledger-upload")) { return; }
  var button = form.querySelector("[data-fk-busy]");
  if (!button) { return; }
  if (button.disabled) { event.preventDefault(); return; }
  window.setTimeout(function () {
    button.disabled = true;
    button.textContent = button.getAttribute("data-fk-busy");
  }, 0);
});
