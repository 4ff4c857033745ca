"""The «Бизнес-контекст» overview page: allocation coverage of a period, per dimension, and the largest costs left
unallocated, with the way to allocate them (manual override, suggestions, rules)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError
from apps.costs.selectors.explorer import period_resolve

from .api_coverage import coverage_period, organization_today
from .coverage import allocation_coverage_cached, largest_unallocated_cached

PERIODS = ("30d", "90d", "this_month", "last_month")
UNALLOCATED_ROWS = 20


def _url(name: str) -> str | None:
    """A page another part of the business context provides, when it is there."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _period_context(request: HttpRequest) -> dict[str, Any]:
    selected = request.GET.get("period") or ("custom" if request.GET.get("start") or request.GET.get("end")
                                             else "30d")
    try:
        start, end = coverage_period(request, request.GET)
        error = None
    except ApplicationError as exc:
        start, end = period_resolve(preset="30d", today=organization_today(request))
        selected, error = "30d", exc.message
    return {"start": start, "end": end, "selected_period": selected, "period_error": error, "periods": PERIODS}


@require_permission("business.view")
def business_overview(request: HttpRequest) -> HttpResponse:
    context = _period_context(request)
    coverage = allocation_coverage_cached(start=context["start"], end=context["end"])
    items = largest_unallocated_cached(start=context["start"], end=context["end"], limit=UNALLOCATED_ROWS)
    override_url = _url("business_override_edit") if request.access.can("business.manage") else None
    rows = []
    for item in items:
        link = None
        if override_url and item.resource_id:
            query = {"resource": item.resource_id}
            if item.connection_id is not None:
                query = {"connection": item.connection_id, **query}
            link = f"{override_url}?{urlencode(query)}"
        rows.append({"item": item, "override_url": link})
    dimensions = [{"d": d, "cost_percent": d.cost_share * 100, "resource_percent": d.resource_share * 100}
                  for d in coverage.dimensions]
    names = {d.key: d.name for d in coverage.dimensions}
    context.update(
        page_title_key="business_overview", coverage=coverage, dimensions=dimensions, rows=rows,
        overall_cost_percent=coverage.overall_cost_share * 100,
        overall_resource_percent=coverage.overall_resource_share * 100,
        required_names=[names.get(key, key) for key in coverage.required],
        is_empty=not coverage.total_cost and not coverage.resources,
        suggestions_url=_url("business_suggestions"), rules_url=_url("business_rules"),
        explorer_url=_url("cost_explorer"), imports_url=_url("billing_imports"), connections_url=_url("connections"),
    )
    return render(request, "business/overview.html", context)


urlpatterns = [
    path("business/", business_overview, name="business_overview"),
]
