/* A budget's page: budget vs actual (Chart.js), cumulative actual spend, the forecast with its 80 % band and the
   budget line, from the JSON the page embeds. */
(function () {
  "use strict";

  var source = document.getElementById("budget-chart-data");
  var canvas = document.getElementById("budget-chart");
  if (!source || !canvas || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  var format = window.InfraZenFormat;

  function numbers(values) {
    return values.map(function (v) { return v === "" || v === null ? null : Number(v); });
  }
  var budget = Number(data.budget);

  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.names.band, data: numbers(data.upper), borderWidth: 0, pointRadius: 0,
          backgroundColor: "rgba(59, 130, 246, 0.15)", fill: "+1", spanGaps: false },
        { label: data.names.band, data: numbers(data.lower), borderWidth: 0, pointRadius: 0,
          backgroundColor: "rgba(59, 130, 246, 0.15)", fill: false, spanGaps: false },
        { label: data.names.forecast, data: numbers(data.forecast), borderColor: "#3B82F6", borderDash: [6, 4],
          borderWidth: 2, pointRadius: 0, fill: false },
        { label: data.names.actual, data: numbers(data.actual), borderColor: "#1E40AF", borderWidth: 2.5,
          pointRadius: 0, fill: false },
        { label: data.names.budget, data: data.labels.map(function () { return budget; }), borderColor: "#DC2626",
          borderWidth: 1.5, pointRadius: 0, fill: false },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: {
          position: "bottom",
          labels: {
            usePointStyle: true, boxWidth: 8, padding: 16,
            filter: function (item, chart) { return item.datasetIndex !== 1; },
          },
        },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              if (ctx.parsed.y === null) return null;
              return " " + ctx.dataset.label + ": " + format.money(ctx.parsed.y, data.currency);
            },
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: { beginAtZero: true, grid: { color: "#EEF2F7" },
             ticks: { callback: function (value) { return format.axis(value, data.currency); } } },
      },
    },
  });
})();
