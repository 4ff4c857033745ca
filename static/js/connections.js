/* Cloud connections page: dialogs, provider pick, credentials test, sync with live progress. No framework. */
(function () {
  "use strict";

  var POLL_MS = 1500;
  var labels = readJSON("sync-labels");
  var page = document.querySelector("[data-connections-page]");
  var runsUrl = page ? page.getAttribute("data-runs-url") : "/api/v1/sync/runs/";

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
      return response.json().catch(function () { return { ok: false, message: labels.failed }; });
    }).then(function (data) {
      if (data.ok) {
        box.className = "conn-test-result is-ok";
        box.innerHTML = data.html;
      } else {
        box.className = "conn-test-result is-error";
        box.textContent = "";
        var strong = document.createElement("strong");
        strong.textContent = data.message || labels.failed;
        box.appendChild(strong);
        (data.errors || []).forEach(function (message) {
          var p = document.createElement("div");
          p.className = "small";
          p.textContent = message;
          box.appendChild(p);
        });
      }
    }).catch(function () {
      box.className = "conn-test-result is-error";
      box.textContent = labels.failed || "";
    }).finally(function () {
      button.disabled = false;
    });
  }

  // ---------- sync with progress ----------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-sync-form")) return;
    event.preventDefault();
    var card = form.closest("[data-connection-card]");
    setSyncing(card, true);
    showProgress(card, { status: "queued", phase: "queued" });
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      if (result.status === 202 && result.data.id) {
        poll(card, result.data.id);
      } else {
        setSyncing(card, false);
        showProgressError(card, result.data.message || labels.failed);
      }
    }).catch(function () {
      setSyncing(card, false);
      showProgressError(card, labels.failed);
    });
  });

  function setSyncing(card, busy) {
    var button = card && card.querySelector("[data-sync-button]");
    if (button) {
      button.disabled = busy;
      button.classList.toggle("is-busy", busy);
    }
    if (card) card.classList.toggle("is-syncing", busy);
  }

  function showProgress(card, run) {
    var box = card.querySelector("[data-sync-progress]");
    if (!box) return;
    box.hidden = false;
    box.classList.remove("is-error");
    box.setAttribute("data-status", run.status || "");
    var phase = (labels.phases || {})[run.phase] || run.phase || "";
    box.querySelector("[data-progress-phase]").textContent = phase;
    box.querySelector("[data-progress-endpoint]").textContent = run.current_endpoint || "";
    var counts = [];
    var c = labels.counts || {};
    if (run.resources_found) counts.push(c.found + ": " + run.resources_found);
    if (run.resources_created) counts.push(c.created + ": " + run.resources_created);
    if (run.resources_updated) counts.push(c.updated + ": " + run.resources_updated);
    if (run.resources_deleted) counts.push(c.deleted + ": " + run.resources_deleted);
    if (run.endpoints_ok || run.endpoints_failed) {
      counts.push(c.endpoints + ": " + (run.endpoints_ok || 0) + "/" + ((run.endpoints_ok || 0) + (run.endpoints_failed || 0)));
    }
    box.querySelector("[data-progress-counts]").textContent = counts.join(" · ");
  }

  function showProgressError(card, message) {
    var box = card.querySelector("[data-sync-progress]");
    if (!box) return;
    box.hidden = false;
    box.classList.add("is-error");
    box.querySelector("[data-progress-phase]").textContent = message;
    box.querySelector("[data-progress-endpoint]").textContent = "";
    box.querySelector("[data-progress-counts]").textContent = "";
  }

  function poll(card, runId) {
    setSyncing(card, true);
    fetch(runsUrl + runId + "/", { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (run) {
        showProgress(card, run);
        if (run.status === "queued" || run.status === "running") {
          window.setTimeout(function () { poll(card, runId); }, POLL_MS);
        } else {
          refreshCard(card);
        }
      })
      .catch(function () {
        window.setTimeout(function () { poll(card, runId); }, POLL_MS * 2);
      });
  }

  function refreshCard(card) {
    fetch(card.getAttribute("data-card-url"), { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        if (fresh) {
          card.replaceWith(fresh);
          var done = document.getElementById(fresh.id);
          if (done) done.classList.add("is-fresh");
        }
      });
  }

  document.querySelectorAll("[data-connection-card][data-active-run]").forEach(function (card) {
    showProgress(card, { status: "queued", phase: "queued" });
    poll(card, card.getAttribute("data-active-run"));
  });
})();
