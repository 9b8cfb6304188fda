/* A building's temperatures on one phone screen.
 *
 * Enter (the keypad's "next") moves to the next person instead of sending the form, so a
 * building is typed in one go; the last Enter sends it. A temperature of 37.3 °C or more
 * (typed 373 or 37.3) turns red at once. No inline script: the page has data-* hooks only.
 */
(function () {
  "use strict";

  function value(text) {
    var v = parseFloat(String(text).replace(",", "."));
    if (isNaN(v)) return null;
    return v >= 100 ? v / 10 : v;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("report-form");
    if (!form) return;
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input.fk-temp"));
    inputs.forEach(function (input, index) {
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") return;
        event.preventDefault();
        if (index + 1 < inputs.length) {
          inputs[index + 1].focus();
        } else {
          form.requestSubmit ? form.requestSubmit() : form.submit();
        }
      });
      input.addEventListener("input", function () {
        var v = value(input.value);
        input.classList.toggle("is-invalid", v !== null && v >= 37.3);
      });
    });
  });
})();
