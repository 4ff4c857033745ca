"""Cloud connections page: provider cards, add/edit/delete, credentials test and manual sync.

Thin: each view parses a form, calls one service or selector and renders. Secrets never reach a
template: forms render password inputs empty and account info is what the provider reported.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError, ErrorCode, error_json_response, json_errors
from apps.common.pages import page_of
from apps.inventory.selectors import resource_totals

from . import registry, selectors, services, sync
from .forms import ConnectionForm, CredentialsTestForm
from .models import ProviderConnection, SyncStatus, SyncTrigger
from .plugins.base import ProviderSpec
from .serializers import ConnectionTestOutputSerializer, SyncRunOutputSerializer


def _connection_or_404(pk: Any) -> ProviderConnection:
    try:
        return selectors.connection_get(connection_id=pk)
    except ProviderConnection.DoesNotExist as exc:
        raise Http404 from exc


def _spec_or_404(provider: str):
    try:
        return registry.get_spec(provider)
    except registry.UnknownProvider as exc:
        raise Http404 from exc


def _specs() -> list:
    return [registry.get_spec(key) for key in registry.provider_keys()]


def _cost_estimates(connections: list[ProviderConnection]) -> dict[int, dict[str, Any]]:
    """Connections whose ledger costs are estimates from a price list (``settings.PROVIDER_COST_ESTIMATES``, the
    costs app's selector: read now, tests override it); one call for the page."""
    path = getattr(settings, "PROVIDER_COST_ESTIMATES", "")
    if not path or not connections:
        return {}
    return import_string(path)([c.pk for c in connections])


def _card(connection: ProviderConnection, *, latest_run=None, edit_form: ConnectionForm | None = None,
          estimate: dict[str, Any] | None = None) -> dict:
    spec = registry.get_spec(connection.provider)
    return {
        "connection": connection,
        "spec": spec,
        "latest_run": latest_run,
        "estimate": estimate,
        "account": account_info_display(connection.account_info, spec=spec,
                                        totals=resource_totals(connection_id=connection.pk)),
        "edit_form": edit_form or ConnectionForm(spec=spec, connection=connection,
                                                 prefix=f"edit-{connection.pk}"),
    }


def _page(request: HttpRequest, *, add_forms: dict[str, ConnectionForm] | None = None, open_dialog: str = "",
          edit_forms: dict[int, ConnectionForm] | None = None, status: int = 200) -> HttpResponse:
    connections = list(selectors.connection_list())
    latest = _latest_runs(connections)
    estimates = _cost_estimates(connections)
    specs = _specs()
    add_forms = add_forms or {}
    edit_forms = edit_forms or {}
    context = {
        "cards": [_card(c, latest_run=latest.get(c.pk), edit_form=edit_forms.get(c.pk), estimate=estimates.get(c.pk))
                  for c in connections],
        "providers": [
            {"spec": spec, "form": add_forms.get(spec.key) or ConnectionForm(spec=spec, prefix=f"add-{spec.key}")}
            for spec in specs
        ],
        "open_dialog": open_dialog,
        "sync_labels": _sync_labels(),
    }
    return render(request, "providers/connections.html", context, status=status)


@require_GET
@require_permission("connections.view")
def connections(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@require_permission("connections.manage")
def connection_create(request: HttpRequest, provider: str) -> HttpResponse:
    spec = _spec_or_404(provider)
    form = ConnectionForm(request.POST, spec=spec, prefix=f"add-{spec.key}")
    if form.is_valid():
        try:
            conn = services.connection_create(provider=spec.key, actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, _("Connection «%(name)s» added. Run a sync to load its resources.")
                             % {"name": conn.name})
            return redirect(f"{_connections_url()}#connection-{conn.pk}")
    return _page(request, add_forms={spec.key: form}, open_dialog=f"add-{spec.key}", status=400)


@require_POST
@require_permission("connections.manage")
def connection_update(request: HttpRequest, pk: int) -> HttpResponse:
    conn = _connection_or_404(pk)
    spec = registry.get_spec(conn.provider)
    form = ConnectionForm(request.POST, spec=spec, connection=conn, prefix=f"edit-{conn.pk}")
    if form.is_valid():
        try:
            services.connection_update(connection=conn, actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, _("Connection «%(name)s» saved.") % {"name": conn.name})
            return redirect(f"{_connections_url()}#connection-{conn.pk}")
    conn.refresh_from_db()
    return _page(request, edit_forms={conn.pk: form}, open_dialog=f"edit-{conn.pk}", status=400)


@require_POST
@require_permission("connections.manage")
def connection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    conn = _connection_or_404(pk)
    name = conn.name
    services.connection_delete(connection=conn, actor=request.user)
    messages.success(request, _("Connection «%(name)s» deleted.") % {"name": name})
    return redirect("connections")


@json_errors
@require_POST
@require_permission("connections.manage")
def connection_credentials_test(request: HttpRequest, provider: str) -> JsonResponse:
    """«Test connection» in the dialog: check what was typed (plus the saved secrets when editing).

    Nothing is stored. Answers like the API's credentials test (``{"ok": true, "account_info": {...}}``) plus
    ``message`` and ``html`` (the account summary) for the dialog; a failure is the API's error shape.
    """
    spec = _spec_or_404(provider)
    conn = None
    prefix = f"add-{spec.key}"
    if request.POST.get("connection"):
        conn = _connection_or_404(request.POST["connection"])
        if conn.provider != spec.key:
            raise Http404
        prefix = f"edit-{conn.pk}"
    form = CredentialsTestForm(request.POST, spec=spec, connection=conn, prefix=prefix)
    if not form.is_valid():
        return error_json_response(ApplicationError(
            _("Fill in the required fields."), ErrorCode.INVALID,
            {name: [str(e) for e in errors] for name, errors in form.errors.items()}))
    credentials = form.credentials()
    endpoint = form.cleaned_data.get("endpoint") or ""
    try:
        if conn is not None:
            credentials = services.credentials_clean(provider=spec.key, credentials=credentials,
                                                     existing=dict(conn.credentials or {}))
        info = services.credentials_test(provider=spec.key, credentials=credentials, endpoint=endpoint)
    except ApplicationError as exc:
        return error_json_response(exc)
    html = render_to_string("providers/_account_info.html",
                            {"account": account_info_display(info.as_json(), spec=spec), "compact": True},
                            request=request)
    body = ConnectionTestOutputSerializer({"ok": True, "account_info": info}).data
    return JsonResponse({**body, "message": _("Connection works."), "html": html})


@json_errors
@require_POST
@require_permission("connections.manage")
def connection_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """«Sync»: queue a run. htmx gets the card back with the run's progress (which then polls the card);
    scripts (``Accept: application/json``) get the run as the API shows it (202); a plain form post is
    redirected."""
    conn = _connection_or_404(pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        run = sync.sync_run_start(connection=conn, actor=request.user, trigger="manual")
    except ApplicationError as exc:
        if request.htmx:  # e.g. already running: show that run's progress, and why nothing new started
            return _card_response(request, conn, sync_error=exc.message)
        if wants_json:
            return error_json_response(exc)
        messages.warning(request, exc.message)
        return redirect("connections")
    if request.htmx:
        return _card_response(request, conn)
    if wants_json:
        return JsonResponse(SyncRunOutputSerializer(run).data, status=202)
    messages.info(request, _("Sync of «%(name)s» started.") % {"name": conn.name})
    return redirect(f"{_connections_url()}#connection-{conn.pk}")


@require_GET
@require_permission("connections.view")
def connection_card(request: HttpRequest, pk: int) -> HttpResponse:
    """One card. While its sync runs, the progress box polls here (htmx) and gets just the progress back;
    once the run is over it gets the whole card, re-rendered as a page reload would show it, in its place."""
    conn = _connection_or_404(pk)
    if request.htmx and request.htmx.target == _progress_id(conn):
        run = selectors.sync_run_latest(connection=conn)
        if run is not None and run.is_active:
            return render(request, "providers/_sync_progress.html", {"connection": conn, "run": run})
        response = _card_response(request, conn, fresh=True)
        return reswap(retarget(response, f"#connection-{conn.pk}"), "outerHTML")
    return _card_response(request, conn)


def _card_response(request: HttpRequest, connection: ProviderConnection, **extra: Any) -> HttpResponse:
    latest = _latest_runs([connection])
    return render(request, "providers/_connection_card.html",
                  {**_card(connection, latest_run=latest.get(connection.pk),
                           estimate=_cost_estimates([connection]).get(connection.pk)), **extra})


def _progress_id(connection: ProviderConnection) -> str:
    return f"sync-progress-{connection.pk}"


DAYS_TO_BLOCK_WARNING = 30


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


DEFAULT_RATE_LABELS = {"daily_rate": gettext_lazy("Per day"), "monthly_rate": gettext_lazy("Per month")}


def account_info_display(info: dict[str, Any] | None, *, spec: ProviderSpec,
                         totals: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """``ProviderConnection.account_info`` (JSON, money as strings) shaped for the card; limits and rates are
    labelled by the provider's spec (each rate says what it is). ``totals``: the daily and monthly cost of the
    connection's live resources (``resource_totals``), the account's total, shown apart from its rates."""
    if not info:
        return None
    rates = [{"name": name, "label": str(label), "amount": _decimal(info.get(name))}
             for name, label in (spec.rate_labels or DEFAULT_RATE_LABELS).items()
             if _decimal(info.get(name)) is not None]
    limits = []
    for name, item in (info.get("limits") or {}).items():
        item = item or {}
        used, limit = _decimal(item.get("used")), _decimal(item.get("limit"))
        percent = None
        if used is not None and limit:
            percent = min(100, int(used * 100 / limit))
        limits.append({"name": name, "label": spec.limit_label(name),
                       "used": used, "limit": limit, "unit": item.get("unit") or "", "percent": percent,
                       "level": "high" if percent is not None and percent >= 90 else
                                "medium" if percent is not None and percent >= 70 else "low"})
    days = info.get("days_to_block")
    try:
        days = int(days) if days not in (None, "") else None
    except (TypeError, ValueError):
        days = None
    return {
        "account_id": info.get("account_id") or "",
        "status": info.get("status") or "",
        "plan_name": info.get("plan_name") or "",
        "currency": info.get("currency") or "RUB",
        "balance": _decimal(info.get("balance")),
        "daily_rate": _decimal(info.get("daily_rate")),
        "monthly_rate": _decimal(info.get("monthly_rate")),
        "yearly_rate": _decimal(info.get("yearly_rate")),
        "is_yearly_plan": info.get("is_yearly_plan"),
        "rates": rates,
        "resources_daily": totals["daily_cost"] if totals and totals["by_status"] else None,
        "resources_monthly": totals["monthly_cost"] if totals and totals["by_status"] else None,
        "days_to_block": days,
        "days_warning": days is not None and days < DAYS_TO_BLOCK_WARNING,
        "limits": limits,
        "server_name": (info.get("server") or {}).get("name") or "",
        "software": sorted((info.get("software") or {}).items()),
    }


def _sync_labels() -> dict[str, Any]:
    """Texts the page script shows, translated here so the script carries none."""
    return {
        "testing": _("Checking the credentials…"),
        "failed": _("Something went wrong. Try again."),
    }


def _connections_url() -> str:
    return reverse("connections")


def _latest_runs(connections: list[ProviderConnection]) -> dict[int, Any]:
    """The latest sync run of each card (a handful of connections per organization)."""
    return {c.pk: selectors.sync_run_latest(connection=c) for c in connections}


HISTORY_PAGE_SIZE = 20


@require_GET
@require_permission("connections.view")
def connection_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The sync runs of one connection, newest first, narrowed by status and trigger."""
    conn = _connection_or_404(pk)
    filters = {key: request.GET.get(key, "") for key in ("status", "trigger")}
    status = 200
    error = ""
    try:
        runs = selectors.sync_run_list(filters={**{k: v for k, v in filters.items() if v}, "connection": conn.pk})
    except ApplicationError as exc:
        runs, error, status = selectors.sync_run_list().none(), exc.message, 400
    page, page_query = page_of(request, runs, per_page=HISTORY_PAGE_SIZE)
    context = {
        "connection": conn,
        "page": page,
        "filters": filters,
        "has_filters": any(filters.values()),
        "filter_error": error,
        "page_query": page_query,
        "status_choices": SyncStatus.choices,
        "trigger_choices": SyncTrigger.choices,
    }
    return render(request, "providers/connection_history.html", context, status=status)


@require_GET
def provider_brands_css(request: HttpRequest) -> HttpResponse:
    """Every provider's brand colours as CSS custom properties on its tiles (``[data-provider-logo=key]``): a
    stylesheet of this site, because the Content-Security-Policy allows no inline ``style`` attributes."""
    rules = []
    for key in registry.provider_keys():
        variables = registry.get_spec(key).display_brand.css_variables()
        if variables:
            rules.append(f'[data-provider-logo="{key}"] {{ {variables}; }}')
    response = HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
    patch_cache_control(response, max_age=3600)
    return response
