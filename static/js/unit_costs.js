// Unit costs: Chart.js line of the cost per unit by period, one line per series (gaps where there is no metric).
(function () {
  "use strict";
  var dataNode = document.getElementById("uc-chart-data");
  var canvas = document.getElementById("uc-chart");
  if (!dataNode || !canvas || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(dataNode.textContent);
  if (!data || !data.series) { return; }
  var palette = ["#1E40AF", "#0EA5E9", "#10B981", "#F59E0B", "#EF4444", "#8B5CF6", "#EC4899", "#14B8A6",
                 "#F97316", "#64748B"];
  var lang = document.documentElement.lang || "ru";
  var format = window.InfraZenFormat;  // static/js/format.js: the pages' number rules
  var tick = function (iso) {
    var parts = String(iso).split("-");
    if (parts.length !== 3) { return iso; }
    var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
    var options = data.granularity === "month" ? { month: "short", year: "numeric", timeZone: "UTC" }
      : { day: "2-digit", month: "2-digit", timeZone: "UTC" };
    try { return new Intl.DateTimeFormat(lang, options).format(day); } catch (e) { return iso; }
  };
  var perUnit = function (value) {
    return format.money(value, data.currency) + " / " + data.unit;
  };
  var datasets = data.series.map(function (s, i) {
    var color = palette[i % palette.length];
    return {
      label: s.label,
      data: s.values.map(function (v) { return v === null ? null : Number(v); }),
      borderColor: color, backgroundColor: color + "22", fill: false, tension: 0.25, spanGaps: false,
      pointRadius: data.periods.length > 60 ? 0 : 2
    };
  });
  new window.Chart(canvas, {
    type: "line",
    data: { labels: data.periods, datasets: datasets },
    options: {
      responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
      scales: {
        x: { ticks: { callback: function (v) { return tick(this.getLabelForValue(v)); } } },
        y: { beginAtZero: true, ticks: { callback: function (v) { return format.axis(v, data.currency); } } }
      },
      plugins: { tooltip: { callbacks: { label: function (ctx) {
        return ctx.dataset.label + ": " + (ctx.parsed.y === null ? "—" : perUnit(ctx.parsed.y)); } } } }
    }
  });
})();
