// Wall mode: a button puts the page full screen (browsers allow it only on a tap), and the
// screen is kept awake where the browser can (the figures refresh themselves: dashboard.js).
(function () {
  "use strict";
  var wall = document.getElementById("fk-wall");
  var button = document.getElementById("fk-wall-full");
  if (!wall || !button) { return; }
  var enter = button.textContent;
  var lock = null;

  function awake() {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").then(function (l) { lock = l; }).catch(function () { lock = null; });
    }
  }

  button.addEventListener("click", function () {
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {});
    }
  });
  document.addEventListener("fullscreenchange", function () {
    button.textContent = document.fullscreenElement ? button.dataset.exit : enter;
    wall.classList.toggle("fk-wall-full", Boolean(document.fullscreenElement));
  });
  document.addEventListener("visibilitychange", function () { if (!lock) { awake(); } });
  awake();
})();
