/* The shared-cost form: add and remove condition and value rows, the tag key input only for a tag condition, the
   value input hidden for «exists», the metric only for the metric method, the percent inputs and their live sum
   («Итого: 100 %») only for fixed shares, and the dimension's known values as suggestions. */
(function () {
  "use strict";

  var form = document.querySelector("[data-split-form]");
  if (!form) return;
  var format = window.InfraZenFormat;

  function method() {
    var checked = form.querySelector("[data-split-method]:checked");
    return checked ? checked.value : "";
  }

  function parsePercent(text) {
    var value = String(text || "").trim().replace(/\s/g, "").replace(",", ".");
    if (!value) return null;
    var number = Number(value);
    return isFinite(number) ? number : NaN;
  }

  function formatPercent(value) {
    if (format && format.percent) return format.percent(value, 2).replace(/,00(?=\s|\u00a0|%)/, "");
    return String(Math.round(value * 100) / 100).replace(".", ",") + "\u00a0%";
  }

  function updateSum() {
    var box = form.querySelector("[data-split-sum]");
    var out = form.querySelector("[data-split-sum-value]");
    if (!box || !out) return;
    var fixed = method() === "fixed";
    box.hidden = !fixed;
    if (!fixed) return;
    var cents = 0;
    var bad = false;
    form.querySelectorAll("[data-split-target-percent]").forEach(function (input) {
      var value = parsePercent(input.value);
      if (value === null) return;
      if (isNaN(value)) { bad = true; return; }
      cents += Math.round(value * 100);
    });
    var total = cents / 100;
    out.textContent = bad ? "—" : formatPercent(total);
    var ok = !bad && cents === 10000;
    box.classList.toggle("split-sum-ok", ok);
    box.classList.toggle("split-sum-bad", !ok);
    box.setAttribute("data-split-sum-ok", ok ? "1" : "0");
    var need = box.querySelector("[data-split-sum-need]");
    if (!need) {
      need = document.createElement("span");
      need.setAttribute("data-split-sum-need", "");
      need.className = "muted small";
      box.appendChild(need);
    }
    need.textContent = ok ? "" : " (" + box.getAttribute("data-need") + ")";
  }

  function updateMethod() {
    var current = method();
    form.querySelectorAll("[data-split-percent-box]").forEach(function (box) { box.hidden = current !== "fixed"; });
    var metric = form.querySelector("[data-split-metric-field]");
    if (metric) metric.hidden = current !== "metric";
    updateSum();
  }

  function updateCondition(row) {
    var field = row.querySelector("[data-split-cond-field]");
    var op = row.querySelector("[data-split-cond-op]");
    row.querySelector("[data-split-cond-tag]").hidden = field.value !== "tag:";
    row.querySelector("[data-split-cond-value]").hidden = op.value === "exists";
  }

  function updateDimension() {
    var select = form.querySelector("[data-split-dimension]");
    if (!select) return;
    form.querySelectorAll("[data-split-target-value]").forEach(function (input) {
      input.setAttribute("list", "split-values-" + select.value);
    });
  }

  function addRow(containerSelector, templateSelector) {
    var template = form.querySelector(templateSelector);
    var container = form.querySelector(containerSelector);
    if (!template || !container) return null;
    var fragment = template.content.cloneNode(true);
    var row = fragment.firstElementChild;
    container.appendChild(fragment);
    return row;
  }

  form.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) return;
    if (target.hasAttribute("data-split-add-condition")) {
      var row = addRow("[data-split-conditions]", "[data-split-condition-template]");
      if (row) updateCondition(row);
    } else if (target.hasAttribute("data-split-add-target")) {
      addRow("[data-split-targets]", "[data-split-target-template]");
      updateDimension();
      updateMethod();
    } else if (target.hasAttribute("data-split-remove")) {
      var item = target.closest(".split-row");
      if (item) item.remove();
      updateSum();
    }
  });

  form.addEventListener("input", function (event) {
    if (event.target.matches("[data-split-target-percent]")) updateSum();
  });

  form.addEventListener("change", function (event) {
    if (event.target.matches("[data-split-method]")) updateMethod();
    if (event.target.matches("[data-split-dimension]")) updateDimension();
    var row = event.target.closest("[data-split-condition]");
    if (row) updateCondition(row);
  });

  form.querySelectorAll("[data-split-condition]").forEach(updateCondition);
  updateDimension();
  updateMethod();
})();
