/* Allocation pages: the rule form's rows (a tag key input for «tag», one more row on demand, the value list of the
   chosen dimension) and the recalculation's progress, refreshed while it runs. Everything works without it. */
(function () {
  "use strict";

  function syncRow(row) {
    var field = row.querySelector("[data-cond-field]");
    var tag = row.querySelector("[data-cond-tag]");
    var op = row.querySelector("[data-cond-op]");
    var value = row.querySelector("[data-cond-value]");
    if (field && tag) tag.hidden = field.value !== "tag";
    if (op && value) value.hidden = op.value === "exists";
    var key = row.querySelector("[data-act-key]");
    var actValue = row.querySelector("[data-act-value]");
    if (key && actValue) actValue.setAttribute("list", "values-" + (key.value || "none"));
  }

  document.querySelectorAll("[data-rows] [data-row]").forEach(function (row) {
    syncRow(row);
    row.addEventListener("change", function () { syncRow(row); });
  });

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var box = document.querySelector('[data-rows="' + button.getAttribute("data-add-row") + '"]');
    if (!box) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = box.querySelectorAll("[data-row]");
      var last = rows[rows.length - 1];
      var copy = last.cloneNode(true);
      var index = rows.length;
      copy.querySelectorAll("[name]").forEach(function (input) {
        input.name = input.name.replace(/_\d+$/, "_" + index);
        if (input.tagName === "INPUT") input.value = "";
        if (input.tagName === "SELECT" && input.hasAttribute("data-cond-field")) input.value = "";
        if (input.tagName === "SELECT" && input.hasAttribute("data-act-key")) input.value = "";
      });
      box.appendChild(copy);
      syncRow(copy);
      copy.addEventListener("change", function () { syncRow(copy); });
    });
  });

  var state = document.querySelector("[data-apply-state][data-running]");
  if (state && window.fetch) {
    var url = state.getAttribute("data-state-url");
    var poll = function () {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) return;
          var bar = state.querySelector("[data-apply-bar]");
          if (bar && s.days_total) {
            var pct = Math.max(0, Math.min(100, Math.floor(s.days_done * 100 / s.days_total)));
            bar.className = bar.className.replace(/pct-\d+/, "pct-" + pct);
          }
          if (s.status === "queued" || s.status === "running") {
            window.setTimeout(poll, 3000);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { window.setTimeout(poll, 10000); });
    };
    window.setTimeout(poll, 3000);
  }
})();
