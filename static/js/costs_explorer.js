// Cost explorer: period presets toggle the custom range; Chart.js line / stacked bar / pie of the view.
(function () {
  "use strict";
  var form = document.getElementById("cx-filters");
  if (form) {
    var period = form.querySelector("[data-cx-period]");
    var sync = function () {
      var custom = period.value === "";
      form.querySelectorAll(".cx-custom").forEach(function (box) {
        box.hidden = !custom;
        box.querySelectorAll("input").forEach(function (input) { input.disabled = !custom; });
      });
    };
    period.addEventListener("change", sync);
    form.addEventListener("submit", function () {
      // Empty selects and inputs stay out of the URL (and of the export links built from it).
      form.querySelectorAll("select, input").forEach(function (el) { if (!el.value) { el.disabled = true; } });
    });
  }

  var dataNode = document.getElementById("cx-chart-data");
  var canvas = document.getElementById("cx-chart");
  if (!dataNode || !canvas || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(dataNode.textContent);
  var palette = ["#1E40AF", "#0EA5E9", "#10B981", "#F59E0B", "#EF4444", "#8B5CF6", "#EC4899", "#14B8A6",
                 "#F97316", "#64748B", "#94A3B8"];
  var lang = document.documentElement.lang || "ru";
  var format = window.InfraZenFormat;  // static/js/format.js: the pages' number rules
  var money = function (value, currency) { return format.money(value, currency); };
  // Period labels: "01.05" for days and weeks, "май 2026" for months (ISO dates stay in the data).
  var tick = function (iso) {
    var parts = String(iso).split("-");
    if (parts.length !== 3) { return iso; }
    var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
    var options = data.granularity === "month" ? { month: "short", year: "numeric", timeZone: "UTC" }
      : { day: "2-digit", month: "2-digit", timeZone: "UTC" };
    try { return new Intl.DateTimeFormat(lang, options).format(day); } catch (e) { return iso; }
  };
  // The value axis names a currency only when every series is in it (amounts without an exchange rate stay
  // in their billing currency): otherwise plain numbers, each series' currency in its label and tooltip.
  var currencies = data.series.map(function (s) { return s.currency; }).filter(function (c, i, all) { return all.indexOf(c) === i; });
  var axisCurrency = currencies.length <= 1 ? (currencies[0] || data.currency) : null;
  var axis = function (value) { return format.axis(value, axisCurrency); };
  var chart = null;
  var draw = function (type) {
    if (chart) { chart.destroy(); }
    var pie = type === "pie";
    var datasets = data.series.map(function (s, i) {
      var color = palette[i % palette.length];
      return {
        label: s.label + (s.currency && s.currency !== data.currency ? " (" + s.currency + ")" : ""),
        data: pie ? undefined : s.values,
        borderColor: color, backgroundColor: type === "line" ? color + "22" : color,
        fill: false, tension: 0.25, pointRadius: data.periods.length > 60 ? 0 : 2, currency: s.currency
      };
    });
    var config;
    if (pie) {
      config = {
        type: "pie",
        data: {
          labels: data.series.map(function (s) { return s.label; }),
          datasets: [{ data: data.series.map(function (s) { return s.values.reduce(function (a, b) { return a + b; }, 0); }),
                       backgroundColor: data.series.map(function (_s, i) { return palette[i % palette.length]; }) }]
        },
        options: { plugins: { tooltip: { callbacks: { label: function (ctx) {
          return ctx.label + ": " + money(ctx.parsed, data.series[ctx.dataIndex].currency); } } } } }
      };
    } else {
      config = {
        type: type,
        data: { labels: data.periods, datasets: datasets },
        options: {
          responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
          scales: { x: { stacked: type === "bar", ticks: { callback: function (v) { return tick(this.getLabelForValue(v)); } } }, y: { stacked: type === "bar", ticks: { callback: function (v) { return axis(v); } } } },
          plugins: { tooltip: { callbacks: { label: function (ctx) {
            return ctx.dataset.label + ": " + money(ctx.parsed.y, ctx.dataset.currency); } } } }
        }
      };
    }
    chart = new window.Chart(canvas, config);
  };
  var buttons = document.querySelectorAll("[data-chart-type]");
  var current = (form && form.querySelector("input[name=chart]")) ? form.querySelector("input[name=chart]").value : "line";
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      current = button.getAttribute("data-chart-type");
      buttons.forEach(function (b) {
        b.classList.toggle("btn-primary", b === button);
        b.classList.toggle("btn-secondary", b !== button);
      });
      if (form) { form.querySelector("input[name=chart]").value = current; }
      draw(current);
    });
  });
  draw(current || "line");
})();
