/* InfraZen UI behaviour: sidebar toggle, confirm dialogs, alerts, small form helpers. No framework. */
(function () {
  "use strict";

  var root = document.documentElement;

  function setNav(open) {
    document.body.classList.toggle("nav-open", open);
    var toggle = document.querySelector("[data-nav-toggle]");
    if (toggle) toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;

    if (target.closest("[data-nav-toggle]")) {
      setNav(!document.body.classList.contains("nav-open"));
      return;
    }
    if (target.closest("[data-nav-close]")) {
      setNav(false);
      return;
    }
    var close = target.closest("[data-dismiss]");
    if (close) {
      hideAlert(close.closest(".alert"));
      return;
    }
    // Close an open <details> dropdown when clicking outside of it.
    document.querySelectorAll("details[data-dropdown][open]").forEach(function (details) {
      if (!details.contains(target)) details.removeAttribute("open");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    setNav(false);
    document.querySelectorAll("details[data-dropdown][open]").forEach(function (details) {
      details.removeAttribute("open");
    });
  });

  // Forms (or their submit buttons) with data-confirm ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);

  // Selects with data-autosubmit submit their form on change (date range, etc.).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });

  function hideAlert(alert) {
    if (!alert) return;
    alert.classList.add("is-hiding");
    window.setTimeout(function () { alert.remove(); }, 300);
  }

  // Success and info messages fade away; warnings and errors stay until dismissed.
  document.querySelectorAll(".alert[data-autodismiss]").forEach(function (alert) {
    window.setTimeout(function () { hideAlert(alert); }, 6000);
  });

  root.classList.add("js");
})();
