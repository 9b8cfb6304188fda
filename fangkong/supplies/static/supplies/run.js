// The volunteer's run page: one tap per door sends the hand-over through fkSend (handover.js).
// Each tap carries its own client id, so a send repeated after a lost answer changes nothing.
(function () {
  function clientId() {
    return "h-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-outcome]");
    if (!button) return;
    var door = button.closest("[data-household]");
    var page = document.getElementById("fk-run");
    var status = door.querySelector(".fk-door-status");
    var outcome = button.dataset.outcome;
    // A retry of the same tap (no answer came) keeps its client id; another outcome is a new one.
    var reuse = door.dataset.pending && door.dataset.pendingOutcome === outcome;
    var payload = {household: door.dataset.household, outcome: outcome,
                   client_id: reuse ? door.dataset.pending : clientId()};
    door.dataset.pending = payload.client_id;
    door.dataset.pendingOutcome = outcome;
    status.textContent = page.dataset.sending;
    window.fkSend(page.dataset.url, payload).then(function (answer) {
      if (answer.ok) {
        delete door.dataset.pending;
        door.dataset.outcome = answer.outcome;
        status.textContent = answer.label;
      } else {
        delete door.dataset.pending;
        status.textContent = answer.message || answer.code;
      }
    }, function () {
      status.textContent = page.dataset.offline;
    });
  });
})();
