/* Cloud connections page: dialogs, provider pick, credentials test. The sync progress is htmx. */
(function () {
  "use strict";

  var labels = readJSON("sync-labels");

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return {};
    try { return JSON.parse(el.textContent); } catch (e) { return {}; }
  }

  function csrfToken(form) {
    var input = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // ---------- dialogs ----------
  function openDialog(dialog, provider) {
    if (!dialog) return;
    if (dialog.id === "add-dialog") showPicker(dialog, provider);
    if (typeof dialog.showModal === "function") {
      if (!dialog.open) dialog.showModal();
    } else {
      dialog.setAttribute("open", "");
    }
  }

  function closeDialog(dialog) {
    if (!dialog) return;
    if (typeof dialog.close === "function") dialog.close(); else dialog.removeAttribute("open");
  }

  function showPicker(dialog, provider) {
    var picker = dialog.querySelector("[data-step=pick]");
    var hint = dialog.querySelector("[data-step-hint]");
    dialog.querySelectorAll("[data-provider-panel]").forEach(function (panel) {
      panel.hidden = panel.getAttribute("data-provider-panel") !== provider;
    });
    if (picker) picker.hidden = !!provider;
    if (hint) hint.hidden = !!provider;
    if (provider) {
      var first = dialog.querySelector("[data-provider-panel='" + provider + "'] input:not([type=hidden])");
      if (first) window.setTimeout(function () { first.focus(); }, 0);
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var opener = target.closest("[data-dialog-open]");
    if (opener) {
      openDialog(document.getElementById(opener.getAttribute("data-dialog-open")));
      return;
    }
    var closer = target.closest("[data-dialog-close]");
    if (closer) {
      closeDialog(closer.closest("dialog"));
      return;
    }
    var pick = target.closest("[data-provider-pick]");
    if (pick) {
      showPicker(pick.closest("dialog"), pick.getAttribute("data-provider-pick"));
      return;
    }
    if (target.closest("[data-provider-back]")) {
      showPicker(target.closest("dialog"), "");
      return;
    }
    var test = target.closest("[data-test-credentials]");
    if (test) {
      testCredentials(test.closest("form"), test);
      return;
    }
    // A click on the backdrop of a modal dialog closes it.
    if (target instanceof HTMLDialogElement && target.open) {
      var rect = target.getBoundingClientRect();
      var inside = event.clientX >= rect.left && event.clientX <= rect.right &&
        event.clientY >= rect.top && event.clientY <= rect.bottom;
      if (!inside) closeDialog(target);
    }
  });

  document.querySelectorAll("dialog[data-open-on-load]").forEach(function (dialog) {
    openDialog(dialog, dialog.getAttribute("data-open-provider") || "");
  });

  // ---------- credentials test ----------
  function testCredentials(form, button) {
    var box = form.querySelector("[data-test-result]");
    box.hidden = false;
    box.className = "conn-test-result is-loading";
    box.textContent = labels.testing || "…";
    button.disabled = true;
    fetch(form.getAttribute("data-test-url"), {
      method: "POST",
      body: new FormData(form),
      headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return { error: { message: labels.failed } }; });
    }).then(function (data) {
      if (data.ok) {
        box.className = "conn-test-result is-ok";
        box.innerHTML = data.html;
      } else {
        // The API's error shape: {"error": {"code", "message", "details"}}; form errors list their reasons.
        var error = data.error || {};
        box.className = "conn-test-result is-error";
        box.textContent = "";
        var strong = document.createElement("strong");
        strong.textContent = error.message || labels.failed;
        box.appendChild(strong);
        if (error.code === "invalid" && error.details) {
          Object.keys(error.details).forEach(function (field) {
            [].concat(error.details[field]).forEach(function (message) {
              var p = document.createElement("div");
              p.className = "small";
              p.textContent = message;
              box.appendChild(p);
            });
          });
        }
      }
    }).catch(function () {
      box.className = "conn-test-result is-error";
      box.textContent = labels.failed || "";
    }).finally(function () {
      button.disabled = false;
    });
  }

  // The sync button and its progress are htmx (server-rendered fragments, see _sync_progress.html).
})();
