// A figure over the days of the issued briefings (frozen figures, so the line never rewrites the
// past), drawn with the vendored ECharts.
(function () {
  "use strict";
  var box = document.getElementById("fk-trend");
  var select = document.getElementById("fk-trend-figure");
  if (!box || !select || !window.echarts) { return; }
  var chart = window.echarts.init(box);

  function draw() {
    fetch(box.dataset.url + "?figure=" + encodeURIComponent(select.value), {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        box.dataset.points = String(data.values.length);
        chart.setOption({
          title: data.values.length ? undefined : {text: box.dataset.empty, left: "center", top: "middle",
                                                   textStyle: {fontSize: 14, color: "#6c757d"}},
          grid: {left: 40, right: 16, top: 24, bottom: 28},
          tooltip: {trigger: "axis"},
          xAxis: {type: "category", data: data.days},
          yAxis: {type: "value", minInterval: 1},
          series: [{name: data.label, type: "line", data: data.values, color: "#b71c1c"}]
        }, true);
      });
  }

  select.addEventListener("change", draw);
  window.addEventListener("resize", function () { chart.resize(); });
  draw();
})();
