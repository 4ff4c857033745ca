"""Costs pages: billing imports (upload form with history, one import's progress and report) and the cost
explorer (/costs/: the API's selectors and validation, rendered server-side)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRefresh

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError
from apps.currency.selectors import cbr_rates_stale_since

from .forms import BillingImportForm, explorer_params
from .models import BillingImport, ImportStatus
from .selectors.explorer import ALLOCATION, DIMENSIONS, cost_explorer_view, cost_filter_options
from .selectors.imports import billing_import_get, billing_import_list
from .services.imports import billing_import_create


def _connections():
    from apps.providers.selectors import connection_list

    return list(connection_list())


@require_permission("costs.view")
def billing_imports(request: HttpRequest) -> HttpResponse:
    can_manage = request.access.can("costs.manage")
    form = BillingImportForm(connections=_connections() if can_manage else ())
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = BillingImportForm(request.POST, request.FILES, connections=_connections())
        if form.is_valid():
            try:
                billing_import = billing_import_create(
                    uploaded_file=form.cleaned_data["file"], user=request.user,
                    connection=form.cleaned_data["connection"], skip_invalid=form.cleaned_data["skip_invalid"])
            except ApplicationError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("billing_import_detail", pk=billing_import.pk)
    imports = billing_import_list()[:50]
    return render(request, "costs/imports.html", {"form": form, "imports": imports, "can_manage": can_manage})


@require_permission("costs.view")
def billing_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        billing_import = billing_import_get(import_id=pk)
    except BillingImport.DoesNotExist as exc:
        raise Http404 from exc
    if request.htmx:  # the progress card polls itself while the import runs
        if billing_import.is_finished:  # the finished page adds the summary, the report and the explorer link
            return HttpResponseClientRefresh()
        return render(request, "costs/_import_progress.html", {"bi": billing_import})
    return render(request, "costs/import_detail.html",
                  {"bi": billing_import, "explorer_url": _explorer_url(billing_import)})


def _explorer_url(billing_import: BillingImport) -> str | None:
    """The explorer over the imported period, by service, in the file's own currencies (exactly what it holds,
    whether or not exchange rates for those days are known yet)."""
    if billing_import.status != ImportStatus.SUCCESS or not billing_import.period_start:
        return None
    query = urlencode({"start": billing_import.period_start.isoformat(),
                       "end": (billing_import.period_end or billing_import.period_start).isoformat(),
                       "group_by": "service", "currency": "billing"})
    return f"{reverse('cost_explorer')}?{query}"


# --- the cost explorer ------------------------------------------------------------------------------

PAGE_SIZE = 25
SORTS = {"total": "total", "key": "label", "previous": "previous", "delta": "delta", "delta_pct": "delta_pct"}


def _group_by_choices(*, available: dict | None = None, current: str = "") -> list[tuple[str, str]]:
    """Every grouping; with ``available`` (the filter options), the allocation ones only when the data has
    them or the view already uses one."""
    choices = [("provider", _("Provider")), ("connection", _("Connection")),
               ("billing_account", _("Billing account")), ("sub_account", _("Sub account")), ("service", _("Service")),
               ("service_category", _("Service category")), ("region", _("Region")),
               ("resource_type", _("Resource type")), ("resource", _("Resource")),
               ("charge_category", _("Charge category")), ("allocation_method", _("Allocation method")),
               ("allocated_resource", _("Allocated resource"))]
    if available is None:
        return choices
    return [(value, label) for value, label in choices
            if value not in ALLOCATION or value in available or value == current]


def _sorted(groups: list[dict], sort: str) -> list[dict]:
    descending = sort.startswith("-")
    field = SORTS.get(sort.lstrip("-"), "total")

    def key(group):
        value = group.get(field)
        if field == "label":
            return str(value or "").lower()
        return value if value is not None else Decimal("-1e30")

    return sorted(groups, key=key, reverse=descending)


def _chart_data(view: dict) -> dict:
    return {
        "periods": [p.isoformat() for p in view["periods"]],
        "series": [{"label": str(s["label"]), "currency": s["currency"], "values": [float(v) for v in s["values"]]}
                   for s in view["series"]],
        "currency": view["currency"],
        "granularity": view["granularity"],
    }


def _filters(query, options: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str, list, list[str]]]:
    labels = dict(_group_by_choices())
    chosen = {name: [v.strip() for item in query.getlist(name) for v in item.split(",")] for name in DIMENSIONS}
    return [(name, labels[name], values, chosen[name]) for name, values in options.items()]


def _group_label(params: dict | None) -> str:
    """The table's first column is named after the grouping (Service, Region, Tag: env...)."""
    group_by = params["group_by"] if params else "service"
    if group_by.startswith("tag:"):
        return f"{_('Tag')}: {group_by[4:]}"
    return str(dict(_group_by_choices()).get(group_by, _("Group")))


def _active_filters(query) -> int:
    """How many dimension, resource and tag filters are set (the collapsed filter panel shows it)."""
    names = [*DIMENSIONS, "tag"]
    return sum(1 for name in names for item in query.getlist(name) for v in item.split(",") if v.strip())


@require_permission("costs.view")
def cost_explorer(request):
    query = request.GET.copy()
    error = None
    view = None
    try:
        params = explorer_params(query)
        view = cost_explorer_view(params=params)
    except ApplicationError as exc:
        params = None
        error = {"code": exc.code.value, "message": exc.message, "details": exc.extra}
    sort = request.GET.get("sort", "-total")
    page = None
    if view is not None:
        page = Paginator(_sorted(view["groups"], sort), PAGE_SIZE).get_page(request.GET.get("page"))
    export_query = query.copy()
    for name in ("page", "sort", "chart"):
        export_query.pop(name, None)
    sort_query = query.copy()
    sort_query.pop("page", None)
    sort_query.pop("sort", None)
    page_query = query.copy()
    page_query.pop("page", None)
    billing_query = page_query.copy()
    billing_query["currency"] = "billing"
    options = cost_filter_options()
    context = {
        "view": view,
        "params": params,
        "error": error,
        "page": page,
        "sort": sort,
        "sort_base": sort_query.urlencode(),
        "page_base": page_query.urlencode(),
        "billing_currency_url": f"{reverse('cost_explorer')}?{billing_query.urlencode()}",
        "chart": request.GET.get("chart", "line"),
        # Amounts are converted at stored rates: say so when the daily fetch has not refreshed them.
        "rates_stale_since": None if (params or {}).get("currency") == "billing" else cbr_rates_stale_since(),
        "chart_data": _chart_data(view) if view else None,
        "group_by_choices": _group_by_choices(available=options, current=(params or {}).get("group_by", "")),
        "group_label": _group_label(params),
        # Ids are worth showing beside a resource's name; a category's code beside its label is not.
        "show_group_keys": (params or {}).get("group_by") in ("resource", "allocated_resource"),
        "active_filters": _active_filters(query),
        "filters": _filters(query, options),
        "tags": query.getlist("tag"),
        "period": query.get("period") or ("custom" if query.get("start") or query.get("end") else "30d"),
        "export_csv": f"{reverse('api_costs_export', args=['csv'])}?{export_query.urlencode()}",
        "export_xlsx": f"{reverse('api_costs_export', args=['xlsx'])}?{export_query.urlencode()}",
        "page_title_key": "cost_explorer",
    }
    return render(request, "costs/explorer.html", context)
