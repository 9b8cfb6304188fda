/* Supplies' field forms (meals handed over, medical trips done) go through the one outbox
 * (fangkong/outbox.js): marked data-fk-outbox="meals" or "trip", answered on the form, the page
 * shown again once nothing of it is waiting. */
(function () {
  "use strict";
  var F = window.Fangkong;
  if (!F || !F.outbox) return;
  ["meals", "trip"].forEach(function (kind) { F.outbox.on(kind, F.outbox.formAnswered); });
})();
