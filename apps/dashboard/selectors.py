"""Dashboard reads (product description 7.1.3): KPIs, spend dynamics, providers, utilization, resources.

Each card comes from the app that owns it: money and trends from costs (``apps.costs.selectors.spend``),
connections from providers, utilization and the resource table from inventory. This module composes them
and adds what only the dashboard shows (the range switch, the CSV export, the chart's data). Provider tiles
are drawn by the template from each provider's spec (``providers_ui``).

What is computed from the ledger and the inventory (money, series, utilization, the resource table) is cached
per organization and data version (``apps.common.cache``): a finished sync or import replaces it, so the page
costs the same few queries whatever the amount of data. Connections (a handful of rows whose status changes
while a sync runs) are always read live.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.budgets.selectors import budget_top
from apps.business.coverage import allocation_coverage_cached
from apps.common.cache import organization_cached
from apps.costs.selectors.ledger import organization_currency
from apps.costs.selectors.spend import (
    Period,
    change_percent,
    spend_by_connection,
    spend_exists,
    spend_history,
    spend_series,
    spend_top_services,
    spend_total,
)
from apps.inventory.selectors import resource_cost_table, resource_counts, utilization_overview
from apps.providers.registry import UnknownProvider, get_spec
from apps.providers.selectors import connection_counts, connection_list, connection_list_with_resource_counts
from apps.recommendations.selectors import findings_summary, findings_top
from apps.recommendations.vocabulary import Status

RANGES = (7, 30, 90, 365)
DEFAULT_RANGE = 30
RESOURCE_ROWS = 25
RECOMMENDATION_ROWS = 5
BUDGET_CARDS = 3
ZERO = Decimal(0)
CENT = Decimal("0.01")

def dashboard_period(*, raw_range: Any = None, today: date | None = None) -> Period:
    """``?range=7|30|90|365``; anything else means 30 days."""
    try:
        days = int(str(raw_range or DEFAULT_RANGE).strip())
    except ValueError:
        days = DEFAULT_RANGE
    if days not in RANGES:
        days = DEFAULT_RANGE
    end = today or timezone.now().date()
    return Period(days=days, start=end - timedelta(days=days - 1), end=end)


def _period_params(period: Period) -> tuple[int, str, str]:
    return period.days, period.start.isoformat(), period.end.isoformat()


def _kpi_figures(period: Period) -> dict[str, Any]:
    total, has_rows, unconverted = spend_total(period=period)
    previous, _previous_rows, previous_unconverted = spend_total(period=period.previous)
    history = spend_history(period=period)
    comparable = history.comparable
    resources = resource_counts()
    return {
        "currency": organization_currency(),
        "total": total,
        "has_costs": has_rows,
        "previous_total": previous,
        "has_previous": comparable,
        "history": history,
        "change_percent": change_percent(total, previous) if has_rows and comparable else None,
        "rates_missing": unconverted or previous_unconverted,
        **_savings_figures(),
        "active_resources": resources["active"],
        "resources_total": resources["total"],
        "has_spend": has_rows or spend_exists(),
    }


def _savings_figures() -> dict[str, Any]:
    """The «Потенциальная экономия» card: the open and accepted backlog's monthly savings and how many findings
    are open."""
    summary = findings_summary()
    return {
        "potential_savings": summary["potential_monthly_savings"],
        "savings_currency": summary["currency"],
        "findings_open": summary["by_status"].get(Status.OPEN, 0),
        "findings_accepted": summary["by_status"].get(Status.ACCEPTED, 0),
        "realized_savings": summary["realized_monthly_savings"],
        "savings_available": True,
    }


def _top_findings(limit: int) -> list[dict[str, Any]]:
    return [{"pk": f.pk, "title": f.title, "category": f.get_category_display(), "savings": f.estimated_monthly_savings,
             "currency": f.currency, "resource": (f.resource.resource_name or f.resource.resource_id)
             if f.resource is not None else ""}
            for f in findings_top(limit=limit)]


def dashboard_recommendations(*, limit: int = RECOMMENDATION_ROWS) -> list[dict[str, Any]]:
    """The recommendations panel: the open findings with the largest savings."""
    return organization_cached("dashboard.recommendations", (limit,), lambda: _top_findings(limit))


def dashboard_budgets(*, limit: int = BUDGET_CARDS) -> list[Any]:
    """The budget cards: the budgets nearest to (or past) their amount, actual or forecast, live (not cached: a
    budget edited a second ago shows at once)."""
    return budget_top(limit=limit)


def dashboard_kpis(*, period: Period) -> dict[str, Any]:
    kpis = dict(organization_cached("dashboard.kpis", _period_params(period), lambda: _kpi_figures(period)))
    connections = connection_counts()
    kpis.update(providers=connections["providers"], connections=connections["total"],
                connections_failing=connections["failing"])
    return kpis


def _spend_figures(period: Period, comparable: bool) -> dict[str, Any]:
    return {
        "series": spend_series(period=period, comparable=comparable),
        "top_services": spend_top_services(period=period, comparable=comparable),
        "by_connection": spend_by_connection(period=period),
        "live_resources": {c.pk: c.live_resources for c in connection_list_with_resource_counts().defer("credentials")},
        "utilization": utilization_overview(),
    }


def _spend(period: Period, comparable: bool) -> dict[str, Any]:
    return organization_cached("dashboard.spend", (*_period_params(period), comparable),
                               lambda: _spend_figures(period, comparable))


def dashboard_providers(*, period: Period, figures: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One card per connection: label, status, added date and its spend in the period (the template draws
    the provider's tile from its spec)."""
    figures = figures or _spend(period, dashboard_kpis(period=period)["has_previous"])
    spend, live = figures["by_connection"], figures["live_resources"]
    cards = []
    for connection in connection_list().defer("credentials").order_by("created_at", "id"):
        try:
            label = str(get_spec(connection.provider).label)
        except UnknownProvider:
            label = connection.provider
        cards.append({
            "connection": connection,
            "provider": connection.provider,
            "label": label,
            "spend": spend.get(connection.pk),
            "resources": live.get(connection.pk, 0),
        })
    return cards


def dashboard_resources(*, query: str = "", limit: int = RESOURCE_ROWS) -> dict[str, Any]:
    """The resource table: live resources matching ``query``, most expensive first, with their CPU average."""
    return organization_cached("dashboard.resources", (query, limit),
                               lambda: resource_cost_table(query=query, limit=limit))


def dashboard_allocation(*, today: date) -> dict[str, Any]:
    """The «Распределение затрат» card: the overall allocation coverage of the last 30 days, the required
    dimension covered least and the unallocated cost (cached with the organization's data version)."""
    coverage = allocation_coverage_cached(start=today - timedelta(days=29), end=today)
    required = [d for d in coverage.dimensions if d.required]
    lowest = min(required, key=lambda d: (d.cost_share, d.key)) if required else None
    return {"coverage": coverage, "has_costs": bool(coverage.total_cost),
            "cost_percent": coverage.overall_cost_share * 100, "lowest": lowest,
            "lowest_percent": lowest.cost_share * 100 if lowest else None}


def dashboard_overview(*, period: Period, query: str = "") -> dict[str, Any]:
    """Everything the dashboard page shows, in one call."""
    kpis = dashboard_kpis(period=period)
    is_empty = not (kpis["connections"] or kpis["resources_total"] or kpis["has_spend"])
    overview: dict[str, Any] = {"period": period, "kpis": kpis, "is_empty": is_empty, "ranges": RANGES}
    if is_empty:
        return overview
    figures = _spend(period, kpis["has_previous"])
    overview.update(
        series=figures["series"],
        top_services=figures["top_services"],
        providers=dashboard_providers(period=period, figures=figures),
        utilization=figures["utilization"],
        resources=dashboard_resources(query=query),
        recommendations=dashboard_recommendations(),
        budgets=dashboard_budgets(),
        allocation=dashboard_allocation(today=period.end),
    )
    return overview


def _plain(amount: Decimal | None) -> str:
    return "" if amount is None else str(amount.quantize(CENT, ROUND_HALF_UP))


def dashboard_export_rows(*, period: Period) -> list[list[Any]]:
    """The CSV export: the KPIs, then the spend series per bucket and provider (amounts as Decimals: the file's
    dialect formats them)."""
    kpis = dashboard_kpis(period=period)
    series = _spend(period, kpis["has_previous"])["series"]
    change = kpis["change_percent"]
    rows: list[list[Any]] = [
        [_("Metric"), _("Value")],
        [_("Period start"), period.start.isoformat()],
        [_("Period end"), period.end.isoformat()],
        [_("Currency"), kpis["currency"]],
        [_("Total expenses"), kpis["total"]],
        [_("Previous period"), kpis["previous_total"] if kpis["has_previous"] else None],
        [_("Change, %"), change],
        [_("Potential savings"), kpis["potential_savings"]],
        [_("Active resources"), kpis["active_resources"]],
        [_("Connected providers"), kpis["providers"]],
        [],
        [_("Period"), *[p["name"] for p in series["providers"]], _("Total"), _("Previous period")],
    ]
    for i, bucket in enumerate(series["buckets"]):
        rows.append([bucket.isoformat(), *[p["values"][i] for p in series["providers"]],
                     series["totals"][i], series["previous"][i]])
    return rows


def dashboard_chart_data(*, series: dict[str, Any], currency: str) -> dict[str, Any]:
    """What dashboard.js draws (decimal strings; the browser only formats them)."""
    return {
        "currency": currency,
        "labels": series["labels"],
        "providers": [{"name": p["name"], "values": [_plain(v) for v in p["values"]]} for p in series["providers"]],
        "previous": [_plain(v) for v in series["previous"]],
        "previousLabel": _("Previous period"),
    }
