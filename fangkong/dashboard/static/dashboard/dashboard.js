// The command post's screen refreshes itself: every minute it reads the same figures as JSON and
// puts each value in its tile (no framework; CSP forbids inline scripts, so this file).
(function () {
  "use strict";
  var root = document.getElementById("fk-dash");
  if (!root) { return; }
  var every = (parseInt(root.dataset.every, 10) || 60) * 1000;

  function put(col, tiles) {
    tiles.forEach(function (tile) {
      var cell = root.querySelector('[data-fk-col="' + col + '"][data-fk-key="' + tile.key + '"] .fk-tile-value, ' +
        '[data-fk-col="' + col + '"] [data-fk-key="' + tile.key + '"] .fk-tile-value');
      if (cell) { cell.textContent = String(tile.value); }
      if (tile.percent !== undefined) {
        var pct = root.querySelector('[data-fk-col="' + col + '"] [data-fk-key="' + tile.key + '"] .fk-tile-percent');
        if (pct) { pct.textContent = tile.percent + "%"; }
      }
    });
  }

  function refresh() {
    var url = root.dataset.json, extra = window.location.search.replace(/^\?/, "");
    if (extra) { url += (url.indexOf("?") < 0 ? "?" : "&") + extra; }  // the wall's ?wall=1 and a ?day=
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) {
        data.total.groups.forEach(function (group) { put("total", group.tiles); });
        data.columns.forEach(function (column, i) {
          column.groups.forEach(function (group) { put(String(i), group.tiles); });
        });
        document.getElementById("fk-dash-updated").textContent = data.updated;
        document.getElementById("fk-dash-stale").classList.add("d-none");
        root.dataset.refreshed = data.updated;
      })
      .catch(function () { document.getElementById("fk-dash-stale").classList.remove("d-none"); });
  }

  window.setInterval(refresh, every);
  root.addEventListener("fk-refresh", refresh);  // tests (and a wall screen's remote) ask for it now
})();
