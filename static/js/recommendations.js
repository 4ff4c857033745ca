/* Recommendations pages: the «Пересчитать» progress (polls the latest evaluation, reloads when it finishes) and
   the evidence charts of a finding (Chart.js, vendored): an hour-of-week profile as bars, other series as lines. */
(function () {
  "use strict";

  // --- evaluation progress -------------------------------------------------------------------------------------
  var run = document.querySelector("[data-reco-run]");
  if (run && !run.hidden) {
    var bar = run.querySelector("[data-reco-run-bar]");
    var status = run.querySelector("[data-reco-run-status]");
    var rules = run.querySelector("[data-reco-run-rules]");
    var template = rules ? rules.getAttribute("data-template") || "" : "";
    var poll = function () {
      fetch(run.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || !data.run) { return; }
          var r = data.run;
          if (bar) { bar.className = "pct-" + Math.max(0, Math.min(100, r.progress_percent | 0)); }
          if (status) { status.textContent = r.status_label; }
          if (rules) { rules.textContent = template.replace("{done}", r.rules_done).replace("{total}", r.rules_total); }
          run.setAttribute("data-status", r.status);
          if (r.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 2000);
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 1500);
  }

  // --- evidence charts -----------------------------------------------------------------------------------------
  var source = document.getElementById("reco-charts-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var charts;
  try { charts = JSON.parse(source.textContent); } catch (e) { return; }
  var format = window.InfraZenFormat;
  document.querySelectorAll("canvas[data-reco-chart]").forEach(function (canvas) {
    var chart = charts[Number(canvas.getAttribute("data-reco-chart"))];
    if (!chart) { return; }
    var hours = chart.hours;
    new window.Chart(canvas, {
      type: hours ? "bar" : "line",
      data: {
        labels: chart.labels,
        datasets: [{
          data: chart.values, borderColor: "#1E40AF", backgroundColor: hours ? "#3B82F6" : "#1E40AF1A",
          fill: !hours, borderWidth: hours ? 0 : 1.6, pointRadius: 0, pointHoverRadius: 3, tension: 0.3,
          spanGaps: false
        }]
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
          x: { ticks: { maxTicksLimit: hours ? 7 : 6, maxRotation: 0, autoSkipPadding: 8, color: "#6B7280",
                        font: { size: 11 } }, grid: { display: false } },
          y: { beginAtZero: true, ticks: { maxTicksLimit: 4, color: "#6B7280", font: { size: 11 } },
               grid: { color: "#F1F5F9" } }
        }
      }
    });
  });
})();
