/* The «Аномалии» page: a small chart per anomaly (Chart.js, vendored) of the scope's daily spend around it, with the
   expected spend on the anomalous days; the status filter submits on change. */
(function () {
  "use strict";

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  var source = document.getElementById("anomaly-charts-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var charts;
  try { charts = JSON.parse(source.textContent); } catch (e) { return; }
  var format = window.InfraZenFormat;
  document.querySelectorAll("canvas[data-anomaly-chart]").forEach(function (canvas) {
    var chart = charts[canvas.getAttribute("data-anomaly-chart")];
    if (!chart) { return; }
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: chart.labels,
        datasets: [
          { label: canvas.getAttribute("aria-label"), data: chart.actual, borderColor: "#1E40AF",
            backgroundColor: "#1E40AF1A", fill: true, borderWidth: 1.6, pointRadius: 0, tension: 0.2 },
          { data: chart.expected, borderColor: "#DC2626", borderDash: [4, 3], borderWidth: 1.4, pointRadius: 2,
            fill: false, spanGaps: false }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) {
            return format ? format.number(ctx.parsed.y, 2) : String(ctx.parsed.y);
          } } }
        },
        scales: {
          x: { ticks: { maxTicksLimit: 6, maxRotation: 0, color: "#6B7280", font: { size: 11 } },
               grid: { display: false } },
          y: { beginAtZero: true, ticks: { maxTicksLimit: 4, color: "#6B7280", font: { size: 11 } },
               grid: { color: "#F1F5F9" } }
        }
      }
    });
  });
})();
