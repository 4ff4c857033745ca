/* Resources page: CPU and memory line charts (Chart.js, vendored) drawn when their section is visible. */
(function () {
  "use strict";

  var COLORS = { cpu: "#1E40AF", memory: "#10B981" };

  function draw(canvas) {
    if (canvas.getAttribute("data-drawn") || typeof window.Chart === "undefined") return;
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    if (!source) return;
    var data;
    try { data = JSON.parse(source.textContent); } catch (e) { return; }
    var color = COLORS[canvas.getAttribute("data-chart")] || "#3B82F6";
    canvas.setAttribute("data-drawn", "1");
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [{
          data: data.values, borderColor: color, backgroundColor: color + "1A", fill: true,
          borderWidth: 1.6, pointRadius: 0, pointHoverRadius: 3, tension: 0.3
        }]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: false } },
        scales: {
          // Axis ticks show the day only (the tooltip keeps day and time): narrow cards have no room for more.
          x: { ticks: { maxTicksLimit: 4, maxRotation: 0, autoSkipPadding: 8, color: "#6B7280", font: { size: 11 },
                        callback: function (value) { return String(this.getLabelForValue(value)).split(" ")[0]; } },
               grid: { display: false } },
          y: { beginAtZero: true, ticks: { maxTicksLimit: 4, color: "#6B7280", font: { size: 11 } }, grid: { color: "#F1F5F9" } }
        }
      }
    });
  }

  function drawVisible(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.offsetParent !== null) draw(canvas);
    });
  }

  // Charts inside a closed <details> are drawn when it opens (a hidden canvas has no size).
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details instanceof HTMLDetailsElement && details.open) drawVisible(details);
  }, true);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawVisible(); });
  } else {
    drawVisible();
  }
})();
