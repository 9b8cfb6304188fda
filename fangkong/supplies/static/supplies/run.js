/* The volunteer's run page: one tap per door records the hand-over (delivered at the door, nobody
 * answered, wrong door, refused).
 *
 * Every tap goes through the field outbox (fangkong/outbox.js), like the knock and scan pages: a
 * client id and the phone's time are given at the tap, the hand-over waits in IndexedDB until the
 * server has answered it for good (a network error, a 5xx or an ended sign-in keep it), and the
 * server records a client id once. So a door tapped on the stairs without a network, or after
 * the sign-in has ended, is sent later, exactly once, even after the page was left or reloaded.
 * No inline script (strict CSP): the page carries data-* attributes only.
 */
(function () {
  "use strict";

  var root = document.getElementById("fk-run");
  if (!root || !window.Fangkong || !window.Fangkong.outbox) return;
  var outbox = window.Fangkong.outbox;
  var url = root.getAttribute("data-url");

  function door(household) { return root.querySelector(".fk-door[data-household='" + household + "']"); }

  function status(el, message, state) {
    if (!el) return;
    var box = el.querySelector(".fk-door-status");
    box.textContent = message;
    el.setAttribute("data-state", state);
  }

  function label(outcome) {
    var button = root.querySelector("button[data-outcome='" + outcome + "']");
    return button ? button.textContent.trim() : outcome;
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-outcome]");
    if (!button) return;
    var el = button.closest("[data-household]");
    var outcome = button.getAttribute("data-outcome");
    var question = button.getAttribute("data-fk-confirm");
    if (question && !window.confirm(question)) return;
    var room = (el.querySelector(".fw-bold") || {}).textContent || "";
    status(el, root.getAttribute("data-sending") + " " + label(outcome), "waiting");
    outbox.add({
      kind: "handover", url: url, json: true,
      body: { household: el.getAttribute("data-household"), outcome: outcome },
      label: room.trim() + " " + label(outcome), meta: { household: el.getAttribute("data-household") }
    });
  });

  outbox.on("handover", function (write, answer) {
    if (write.url !== url) return false;
    var el = door(write.body.household);
    if (!el) return false;
    if (answer.ok) {
      el.setAttribute("data-outcome", answer.data && answer.data.outcome || write.body.outcome);
      status(el, (answer.data && answer.data.label) || label(write.body.outcome), "sent");
    } else {
      status(el, answer.message || answer.code, "refused");
    }
    return true;
  });

  // A page reloaded (or served from the offline copy) shows what still waits at each door.
  outbox.waiting().then(function (writes) {
    writes.forEach(function (w) {
      if (w.kind === "handover" && w.url === url) {
        status(door(w.body.household), root.getAttribute("data-sending") + " " + label(w.body.outcome), "waiting");
      }
    });
  });
})();
