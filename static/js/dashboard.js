/* Dashboard: the expense dynamics chart (Chart.js), from the JSON the page embeds. */
(function () {
  "use strict";

  var source = document.getElementById("dash-chart-data");
  var canvas = document.getElementById("dash-chart");
  if (!source || !canvas || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  var format = window.InfraZenFormat;  // static/js/format.js: the pages' number rules
  // Brand colours by provider name, from the plugins' specs (the page embeds them).
  var colorSource = document.getElementById("dash-provider-colors");
  var colors = colorSource ? JSON.parse(colorSource.textContent) : {};
  var palette = ["#1E40AF", "#3B82F6", "#10B981", "#8B5CF6", "#14B8A6", "#F59E0B", "#64748B"];

  function numbers(values) {
    return values.map(function (v) { return v === "" || v === null ? null : Number(v); });
  }

  var datasets = data.providers.map(function (provider, i) {
    var color = colors[provider.name] || palette[i % palette.length];
    return {
      type: "bar", label: provider.name, data: numbers(provider.values), backgroundColor: color,
      borderRadius: 3, stack: "spend", maxBarThickness: 36, order: 2,
    };
  });
  var previous = numbers(data.previous);
  if (previous.some(function (v) { return v !== null; })) datasets.push({
    type: "line", label: data.previousLabel, data: previous, borderColor: "#94A3B8",
    borderDash: [5, 4], borderWidth: 2, pointRadius: 0, pointHoverRadius: 3, tension: 0.3, spanGaps: true, order: 1,
  });

  new window.Chart(canvas, {
    data: { labels: data.labels, datasets: datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom", labels: { usePointStyle: true, boxWidth: 8, padding: 16 } },
        tooltip: {
          callbacks: {
            label: function (ctx) { return " " + ctx.dataset.label + ": " + format.money(ctx.parsed.y || 0, data.currency); },
            footer: function (items) {
              var total = items.filter(function (it) { return it.dataset.type === "bar"; })
                .reduce(function (sum, it) { return sum + (it.parsed.y || 0); }, 0);
              return format.money(total, data.currency);
            },
          },
        },
      },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: {
          stacked: true, beginAtZero: true, grid: { color: "#EEF2F7" },
          ticks: { callback: function (value) { return format.axis(value, data.currency); } },
        },
      },
    },
  });
})();
