/* The one number formatter of the charts: the same rules as the pages (apps/common/numbers.py).
   Money always with two decimals ("117 150,00 ₽"), thousands grouped with a no-break space even for four digits,
   the minus sign U+2212, percentages grouped too ("9 322,7 %"). Axis ticks use a compact form ("120 тыс. ₽").
   Exposed as window.InfraZenFormat; load it before the page's own script. */
(function () {
  "use strict";
  var NBSP = "\u00a0";
  var MINUS = "\u2212";
  var SYMBOLS = { RUB: "₽", RUR: "₽", USD: "$", EUR: "€", KZT: "₸", CNY: "¥" };
  var lang = document.documentElement.lang || "ru";

  // The locale's separators, as Django's formats give them: "," and a no-break space in Russian.
  var separators = (function () {
    var out = { decimal: ",", group: NBSP };
    try {
      new Intl.NumberFormat(lang, { useGrouping: true }).formatToParts(1234567.5).forEach(function (part) {
        if (part.type === "decimal") out.decimal = part.value;
        if (part.type === "group") out.group = part.value;
      });
    } catch (e) { /* keep the Russian ones */ }
    if (/\s/.test(out.group)) out.group = NBSP; // U+202F or a plain space: one separator everywhere
    return out;
  })();

  function toNumber(value) {
    if (value === null || value === undefined || value === "") return NaN;
    return Number(value);
  }

  function symbol(currency) {
    var code = String(currency || "RUB").toUpperCase();
    if (SYMBOLS[code]) return SYMBOLS[code];
    return /^[A-Z]{3}$/.test(code) ? code : "";
  }

  function number(value, places, signed) {
    var n = toNumber(value);
    if (!isFinite(n)) return "—";
    places = places === undefined || places === null ? 0 : places;
    var fixed = Math.abs(n).toFixed(places);
    var parts = fixed.split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, separators.group);
    var text = parts.length > 1 ? whole + separators.decimal + parts[1] : whole;
    var zero = Number(fixed) === 0;
    if (n < 0 && !zero) return MINUS + text;
    if (signed && n > 0 && !zero) return "+" + text;
    return text;
  }

  function money(value, currency, signed) {
    var text = number(value, 2, signed);
    if (text === "—") return text;
    var sign = symbol(currency);
    return sign ? text + NBSP + sign : text;
  }

  function percent(value, places, signed) {
    var text = number(value, places === undefined ? 1 : places, signed);
    return text === "—" ? text : text + NBSP + "%";
  }

  // Axis ticks: short ("120 тыс. ₽"), with the same minus sign and space.
  function axis(value, currency) {
    var n = toNumber(value);
    if (!isFinite(n)) return "";
    var text;
    try {
      text = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 }).format(Math.abs(n));
    } catch (e) { text = number(Math.abs(n), 0); }
    text = text.replace(/[\u202f ]/g, NBSP);
    if (n < 0) text = MINUS + text;
    var sign = currency ? symbol(currency) : "";
    return sign ? text + NBSP + sign : text;
  }

  window.InfraZenFormat = { number: number, money: money, percent: percent, axis: axis, symbol: symbol };
})();
