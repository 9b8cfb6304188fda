/* The status map (战疫地图): the site plan as an image under Leaflet's simple CRS (no tile server,
   no internet), the buildings drawn on it in the chosen layer's colours with their door number,
   count and the landlord's masked phone; a door searched for is centred; the command post draws a
   building by clicking its corners. Plan pixels (x right, y down) are LatLng(-y, x). */
(function () {
  "use strict";
  var box = document.getElementById("fk-map");
  var source = document.getElementById("fk-map-data");
  if (!box || !source || !window.L) { return; }
  var data = JSON.parse(source.textContent);
  var width = Number(box.dataset.width), height = Number(box.dataset.height);
  var message = document.getElementById("fk-map-msg");
  var legendBox = document.getElementById("fk-map-legend");
  var layerSelect = document.getElementById("fk-map-layer");
  var bounds = [[-height, 0], [0, width]];
  var map = L.map(box, {crs: L.CRS.Simple, minZoom: -6, maxZoom: 4, zoomSnap: 0.25, attributionControl: false,
                        maxBounds: L.latLngBounds(bounds).pad(0.25)});
  L.imageOverlay(box.dataset.plan, bounds).addTo(map);
  map.fitBounds(bounds);
  var fitZoom = map.getZoom();
  var shapes = L.featureGroup().addTo(map);
  var byId = {}, drawing = null;

  function toLatLng(p) { return L.latLng(-p[1], p[0]); }
  function toPoint(latlng) {
    var x = Math.min(width, Math.max(0, latlng.lng)), y = Math.min(height, Math.max(0, -latlng.lat));
    return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
  }
  function say(text, bad) {
    message.textContent = text;
    message.classList.toggle("text-danger", !!bad);
  }
  function fill(template, door) { return template.replace("{door}", door); }
  function centre(b) {
    var pts = b.points, x = 0, y = 0;
    pts.forEach(function (p) { x += p[0]; y += p[1]; });
    return toLatLng([x / pts.length, y / pts.length]);
  }

  function label(b) {
    var el = document.createElement("span");
    var door = document.createElement("b");
    door.textContent = b.door;
    el.appendChild(door);
    if (b.n) {
      var n = document.createElement("span");
      n.className = "fk-map-n";
      n.textContent = String(b.n);
      el.appendChild(n);
    }
    if (b.phone) {
      var phone = document.createElement("span");
      phone.className = "fk-map-phone";
      phone.textContent = b.phone;
      el.appendChild(phone);
    }
    return el;
  }

  function colours() {
    var found = {};
    data.legend.forEach(function (row) { found[row.cls] = row.colour; });
    return found;
  }

  function draw() {
    shapes.clearLayers();
    byId = {};
    var fills = colours();
    data.buildings.forEach(function (b) {
      if (!b.points) { return; }
      var colour = fills[b.cls] || "#adb5bd";
      var style = {color: colour, weight: 1.5, fillColor: colour, fillOpacity: 0.55, className: "fk-map-b"};
      var shape = b.kind === "point" ? L.circleMarker(toLatLng(b.points[0]), L.extend({radius: 8}, style))
                                     : L.polygon(b.points.map(toLatLng), style);
      shape.bindTooltip(label(b), {permanent: true, direction: "center", className: "fk-map-label", opacity: 1});
      shape.on("click", function () {
        if (!drawing) { window.location.href = b.url; }
      });
      shape.addTo(shapes);
      var el = shape.getElement();
      if (el) {
        el.setAttribute("data-building", String(b.id));
        el.setAttribute("data-door", b.door);
        el.setAttribute("data-cls", b.cls);
        el.setAttribute("data-n", String(b.n));
      }
      byId[b.id] = {building: b, shape: shape};
    });
    legend();
    sizes();
    labels();
  }

  function legend() {
    legendBox.textContent = "";
    legendBox.setAttribute("data-layer", data.layer);
    data.legend.forEach(function (row) {
      var item = document.createElement("span");
      item.className = "fk-map-legend-item";
      item.setAttribute("data-cls", row.cls);
      var swatch = document.createElement("span");
      swatch.className = "fk-map-swatch";
      swatch.style.backgroundColor = row.colour;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(row.label + " (" + row.buildings + ")"));
      legendBox.appendChild(item);
    });
    var what = document.getElementById("fk-map-count-label");
    if (what) { what.textContent = data.count_label ? what.dataset.text.replace("{what}", data.count_label) : ""; }
    document.querySelectorAll(".fk-map-pdf").forEach(function (a) {
      a.href = box.dataset.pdf + "?layer=" + encodeURIComponent(data.layer) + "&size=" + a.dataset.size;
    });
    var hidden = document.getElementById("fk-draw-layer");
    if (hidden) { hidden.value = data.layer; }
  }

  // Labels once the buildings are drawn large enough to carry them (a typical building 28 px
  // wide on the screen), the phones from 64 px: a door found is shown at that size.
  var labelZoom = fitZoom, phoneZoom = fitZoom + 1;
  function sizes() {
    var widths = data.buildings.filter(function (b) { return b.points && b.points.length > 2; }).map(function (b) {
      var xs = b.points.map(function (p) { return p[0]; });
      return Math.max.apply(null, xs) - Math.min.apply(null, xs);
    }).sort(function (a, b) { return a - b; });
    var typical = widths.length ? Math.max(widths[Math.floor(widths.length / 2)], 4) : 20;
    labelZoom = Math.log2(28 / typical);
    phoneZoom = Math.min(map.getMaxZoom(), Math.max(Math.log2(64 / typical), fitZoom + 1));
  }
  function labels() {
    var zoom = map.getZoom();
    box.classList.toggle("fk-map-nolabels", zoom < labelZoom - 0.01);
    box.classList.toggle("fk-map-nophones", zoom < phoneZoom - 0.01);
  }
  map.on("zoomend", labels);

  function loadLayer(key) {
    var url = box.dataset.layerUrl + "?layer=" + encodeURIComponent(key);
    box.setAttribute("aria-busy", "true");
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (fresh) {
        data = fresh;
        draw();
        box.setAttribute("data-layer", data.layer);
        var query = new URLSearchParams(window.location.search);
        query.set("layer", data.layer);
        window.history.replaceState(null, "", window.location.pathname + "?" + query.toString());
      })
      .catch(function () { say(message.dataset.failed, true); })
      .finally(function () { box.removeAttribute("aria-busy"); });
  }
  if (layerSelect) {
    layerSelect.addEventListener("change", function () { loadLayer(layerSelect.value); });
  }

  // --- finding a door -----------------------------------------------------------------------
  var highlighted = null;
  function normal(text) {
    // Full-width digits and letters (５６４) as typed on some phones; spaces; case.
    return String(text).replace(/[\uFF01-\uFF5E]/g, function (ch) {
      return String.fromCharCode(ch.charCodeAt(0) - 0xFEE0);
    }).replace(/\s+/g, "").replace(/号$/, "").toLowerCase();
  }
  function focus(b) {
    if (highlighted) {
      highlighted.shape.getElement() && highlighted.shape.getElement().classList.remove("fk-map-found");
      highlighted.shape.getTooltip() && highlighted.shape.getTooltip().getElement() &&
        highlighted.shape.getTooltip().getElement().classList.remove("fk-map-label-on");
    }
    var entry = byId[b.id];
    if (!entry) { say(fill(message.dataset.undrawn, b.door), true); return; }
    map.setView(centre(b), Math.max(map.getZoom(), Math.ceil(phoneZoom * 4) / 4));
    var el = entry.shape.getElement();
    if (el) { el.classList.add("fk-map-found"); }
    var tip = entry.shape.getTooltip() && entry.shape.getTooltip().getElement();
    if (tip) { tip.classList.add("fk-map-label-on"); }
    highlighted = entry;
    box.setAttribute("data-found", String(b.id));
    say(fill(message.dataset.found, b.door) + (b.phone ? " · " + b.phone : ""), false);
  }
  function find(text) {
    var wanted = normal(text);
    if (!wanted) { return; }
    var exact = data.buildings.filter(function (b) { return normal(b.door) === wanted; });
    var found = exact.length ? exact : data.buildings.filter(function (b) { return normal(b.door).indexOf(wanted) === 0; });
    if (!found.length) { say(fill(message.dataset.none, text.trim()), true); return; }
    focus(found[0]);
  }
  var search = document.getElementById("fk-map-search");
  if (search) {
    search.addEventListener("submit", function (event) {
      event.preventDefault();
      find(document.getElementById("fk-map-door").value);
    });
  }

  // --- drawing a building (the command post) --------------------------------------------------
  var form = document.getElementById("fk-map-draw");
  if (form) {
    var start = document.getElementById("fk-draw-start"), undo = document.getElementById("fk-draw-undo");
    var save = document.getElementById("fk-draw-save"), kind = document.getElementById("fk-draw-kind");
    var points = document.getElementById("fk-draw-points"), count = document.getElementById("fk-draw-count");
    var sketch = L.layerGroup().addTo(map);
    var corners = [];
    var refresh = function () {
      sketch.clearLayers();
      var latlngs = corners.map(toLatLng);
      if (latlngs.length > 1) {
        L.polygon(latlngs, {color: "#0d6efd", weight: 2, dashArray: "4 4", fillOpacity: 0.15, interactive: false,
                            className: "fk-map-sketch"}).addTo(sketch);
      }
      latlngs.forEach(function (ll) {
        L.circleMarker(ll, {radius: 4, color: "#0d6efd", fillOpacity: 1, interactive: false,
                            className: "fk-map-corner"}).addTo(sketch);
      });
      points.value = JSON.stringify(corners);
      var enough = kind.value === "point" ? corners.length === 1 : corners.length >= 3;
      save.disabled = !enough;
      undo.disabled = !corners.length;
      count.textContent = drawing ? count.dataset.text.replace("{n}", String(corners.length)) : "";
    };
    start.addEventListener("click", function () {
      drawing = true;
      corners = [];
      box.classList.add("fk-map-drawing");
      box.scrollIntoView({block: "nearest"});
      refresh();
    });
    undo.addEventListener("click", function () { corners.pop(); refresh(); });
    kind.addEventListener("change", function () { corners = []; refresh(); });
    map.on("click", function (event) {
      if (!drawing) { return; }
      var point = toPoint(event.latlng);
      if (kind.value === "point") { corners = [point]; } else { corners.push(point); }
      refresh();
    });
    var choose = document.getElementById("fk-draw-building");
    choose.addEventListener("change", function () {
      var option = choose.options[choose.selectedIndex];
      document.getElementById("fk-draw-replace").checked = !!(option && option.dataset.drawn);
      var b = byId[choose.value];
      if (b) { focus(b.building); }
    });
  }

  draw();
  var focusId = box.dataset.focus;
  if (focusId && byId[focusId]) { focus(byId[focusId].building); }
  box.setAttribute("data-ready", "1");
})();
