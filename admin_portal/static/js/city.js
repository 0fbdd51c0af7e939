/* The city supervisor dashboard's charts (CSP: no inline script): the chosen KPI by category or
   department, orders by district, and the daily trend, from the page's own JSON (#city-charts). */
(function () {
  "use strict";
  var data = document.getElementById("city-charts");
  if (!data || !window.echarts) { return; }
  var d = JSON.parse(data.textContent);
  var charts = [];

  function fmt(v) {
    if (v === null || v === undefined) { return "–"; }
    return d.rate ? (v * 100).toFixed(1) + "%" : v.toFixed(2);
  }

  function draw(id, option, count) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el);
    chart.setOption(option);
    el.dataset.points = String(count);
    el.dataset.ready = "1";
    charts.push(chart);
  }

  var axisPct = { type: "value", axisLabel: { formatter: fmt } };
  draw("group-chart", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: ["受理量", d.label] },
    grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: d.groups.map(function (g) { return g.name; }),
             axisLabel: { rotate: 40, fontSize: 10 } },
    yAxis: [{ type: "value" }, axisPct],
    series: [
      { name: "受理量", type: "bar", barMaxWidth: 36, itemStyle: { color: "#93c5fd" }, data: d.groups.map(function (g) { return g.received; }) },
      { name: d.label, type: "line", yAxisIndex: 1, data: d.groups.map(function (g) { return g.value; }) }
    ]
  }, d.groups.length);

  draw("district-chart", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: ["受理量", "超期"] },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value" },
    yAxis: { type: "category", inverse: true, data: d.districts.map(function (x) { return x.name; }) },
    series: [
      { name: "受理量", type: "bar", barMaxWidth: 36, itemStyle: { color: "#60a5fa" }, data: d.districts.map(function (x) { return x.received; }) },
      { name: "超期", type: "bar", barMaxWidth: 36, itemStyle: { color: "#dc2626" }, data: d.districts.map(function (x) { return x.overdue; }) }
    ]
  }, d.districts.length);

  draw("city-trend-chart", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [d.label, "受理量"] },
    grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: d.trend.map(function (p) { return p.x.slice(5); }) },
    yAxis: [axisPct, { type: "value", splitLine: { show: false } }],
    series: [
      { name: d.label, type: "line", smooth: true, data: d.trend.map(function (p) { return p.value; }) },
      { name: "受理量", type: "bar", yAxisIndex: 1, itemStyle: { opacity: 0.35 }, data: d.trend.map(function (p) { return p.received; }) }
    ]
  }, d.trend.length);

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
