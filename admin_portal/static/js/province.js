/* The province dashboard's charts (CSP: no inline script): the Hebei map coloured by the
   chosen KPI and the trend by day or week, both from /province/dashboard.json. */
(function () {
  "use strict";
  var mapEl = document.getElementById("hebei-map");
  var trendEl = document.getElementById("trend-chart");
  if (!mapEl || !window.echarts) { return; }
  var src = mapEl.dataset.src;

  function fmt(rate, v) {
    if (v === null || v === undefined) { return "–"; }
    return rate ? (v * 100).toFixed(1) + "%" : v.toFixed(2);
  }

  function load(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); });
  }

  var trendChart = echarts.init(trendEl);
  function drawTrend(by) {
    load(src + "&by=" + by).then(function (d) {
      trendChart.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: [d.label, "受理量"] },
        grid: { left: 56, right: 48, top: 40, bottom: 32, containLabel: true },
        xAxis: { type: "category", data: d.trend.map(function (p) { return p.x; }) },
        yAxis: [
          { type: "value", axisLabel: { formatter: function (v) { return fmt(d.rate, v); } } },
          { type: "value", splitLine: { show: false } }
        ],
        series: [
          { name: d.label, type: "line", smooth: true, data: d.trend.map(function (p) { return p.value; }) },
          { name: "受理量", type: "bar", yAxisIndex: 1, itemStyle: { opacity: 0.35 },
            data: d.trend.map(function (p) { return p.received; }) }
        ]
      }, true);
      trendEl.dataset.ready = "1";
    });
  }

  Promise.all([load(mapEl.dataset.geo), load(src + "&by=day")]).then(function (res) {
    echarts.registerMap("hebei", res[0]);
    var d = res[1];
    var vals = d.map.map(function (c) { return c.value; }).filter(function (v) { return v !== null; });
    var chart = echarts.init(mapEl);
    chart.setOption({
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>" + d.label + ": " + fmt(d.rate, p.value); } },
      visualMap: {
        min: vals.length ? Math.min.apply(null, vals) : 0,
        max: vals.length ? Math.max.apply(null, vals) : 1,
        text: [d.label, ""], calculable: true, left: 8, bottom: 8,
        inRange: { color: ["#fde0c5", "#f59e4c", "#b91c1c"] },
        formatter: function (v) { return fmt(d.rate, v); }
      },
      series: [{
        type: "map", map: "hebei", roam: false,
        label: { show: true, fontSize: 10 },
        itemStyle: { areaColor: "#e5e7eb", borderColor: "#fff" },
        data: d.map.map(function (c) { return { name: c.name, value: c.value }; })
      }]
    });
    mapEl.dataset.cities = String(d.map.length);
    mapEl.dataset.ready = "1";
  });
  drawTrend("day");

  document.querySelectorAll("[data-trend-by]").forEach(function (b) {
    b.addEventListener("click", function () {
      document.querySelectorAll("[data-trend-by]").forEach(function (o) { o.classList.remove("active"); });
      b.classList.add("active");
      drawTrend(b.dataset.trendBy);
    });
  });
  window.addEventListener("resize", function () { trendChart.resize(); });
})();
