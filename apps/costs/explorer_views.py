"""The cost explorer page (/costs/): the same selectors as the API, rendered server-side."""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError

from .explorer import ALLOCATION, DIMENSIONS, cost_filter_options
from .explorer_api import explorer_params, explorer_view

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
        view = explorer_view(params)
    except ValidationError as exc:
        params = None
        error = {"code": "invalid", "message": _("Check the filters."), "details": exc.detail}
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
        "chart_data": _chart_data(view) if view else None,
        "group_by_choices": _group_by_choices(available=options, current=(params or {}).get("group_by", "")),
        "group_label": _group_label(params),
        "active_filters": _active_filters(query),
        "filters": _filters(query, options),
        "tags": query.getlist("tag"),
        "period": query.get("period") or ("custom" if query.get("start") or query.get("end") else "30d"),
        "export_csv": f"{reverse('api_costs_export', args=['csv'])}?{export_query.urlencode()}",
        "export_xlsx": f"{reverse('api_costs_export', args=['xlsx'])}?{export_query.urlencode()}",
        "page_title_key": "cost_explorer",
    }
    return render(request, "costs/explorer.html", context)
