"""The figures of the CFO brief for one calendar month (issue 14, point 6), gathered from the lower apps' selectors.

- The month is a calendar month in the organization's time zone; the current month is month to date (up to today).
  A past month is compared with the whole month before it; the current month with the same days of the month
  before (1..today's day), so a month to date is not "−60 %" against a whole month.
- Spend is the explorer's billed cost in the organization's currency (``cost_timeseries`` / ``cost_summary``), so
  the brief's totals are the explorer's totals for the same dates.
- Budget: the sum of the monthly organization-wide budgets (empty scope); without one, the sum of the monthly
  budgets that exist (scoped, may overlap: ``budget["basis"] == "scoped"``); without any, none (said in words).
- Forecast: the budgets' month-end forecast of the whole organization for the current month; a past month's
  "forecast" is its actual.
- Savings (the state today, the findings have no month): potential = the open and accepted findings' monthly
  savings (as on the dashboard); realized = the implemented findings (applied: estimated monthly savings;
  verified: the measured monthly savings).
- Allocation coverage: the share of the month's cost with every required dimension set.
- Unit costs: each business metric's cost per unit this month and last month.
- Runways: each connection whose provider reports a balance, days left today.

Every missing piece is a sentence in ``notes`` (and ``None``/empty figures), never an error.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.common.errors import ApplicationError, ErrorCode

DEFAULT_TIMEZONE = "Europe/Moscow"
MOVERS = 5
ZERO = Decimal(0)
CENT = Decimal("0.01")
BUSINESS_UNIT = "business_unit"


# --- the month ------------------------------------------------------------------------------------------------------

def organization_today() -> date:
    """Today in the active organization's time zone (Moscow unless it chose another)."""
    name = getattr(getattr(connection, "tenant", None), "timezone", "") or DEFAULT_TIMEZONE
    try:
        zone = ZoneInfo(name)
    except (ValueError, KeyError):
        zone = ZoneInfo(DEFAULT_TIMEZONE)
    return timezone.localdate(timezone=zone)


def month_last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def default_month(today: date | None = None) -> date:
    """The last full month."""
    return previous_month((today or organization_today()).replace(day=1))


def month_parse(text: Any, *, today: date | None = None) -> date:
    """``YYYY-MM`` (empty: the last full month) as the month's first day; ``ApplicationError`` (field ``month``) for
    anything else or a month after the current one."""
    today = today or organization_today()
    raw = str(text or "").strip()
    if not raw:
        return default_month(today)
    try:
        year, number = raw.split("-")
        if len(year) != 4 or len(number) != 2:
            raise ValueError
        month = date(int(year), int(number), 1)
    except ValueError:
        message = _("Enter the month as YYYY-MM, e.g. 2026-11.")
        raise ApplicationError(message, ErrorCode.INVALID, extra={"month": [message]}) from None
    if month > today.replace(day=1):
        message = _("This month has not begun yet.")
        raise ApplicationError(message, ErrorCode.INVALID, extra={"month": [message]})
    if month.year < 2000:
        message = _("Choose a month from 2000 on.")
        raise ApplicationError(message, ErrorCode.INVALID, extra={"month": [message]})
    return month


def month_label(month: date) -> str:
    """«ноябрь 2026 г.» in Russian, "November 2026" in English."""
    name = str(MONTHS[month.month])
    if (get_language() or "").startswith("ru"):
        name = name.lower()
    return _("%(month)s %(year)s") % {"month": name, "year": month.year}


# --- helpers --------------------------------------------------------------------------------------------------------

def _pct(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    if current is None or not previous:
        return None
    return ((current - previous) * 100 / previous).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT, ROUND_HALF_UP)


def _movers(current: list[dict[str, Any]], previous: list[dict[str, Any]], currency: str,
            labels: dict[str, str]) -> list[dict[str, Any]]:
    """The groups with the largest absolute change (organization currency only), largest first."""
    now = {g["key"]: g["total"] for g in current if g["currency"] == currency}
    before = {g["key"]: g["total"] for g in previous if g["currency"] == currency}
    rows = []
    for key in set(now) | set(before):
        amount, prior = now.get(key, ZERO), before.get(key, ZERO)
        delta = amount - prior
        if not delta:
            continue
        rows.append({"key": key, "label": labels.get(key) or key or _("Unallocated"), "current": _money(amount),
                     "previous": _money(prior), "delta": _money(delta), "delta_pct": _pct(amount, prior)})
    rows.sort(key=lambda r: (-abs(r["delta"]), r["label"]))
    return rows[:MOVERS]


# --- the parts ------------------------------------------------------------------------------------------------------

def _spend(start: date, end: date, prev_start: date, prev_end: date) -> dict[str, Any]:
    from apps.costs.selectors.explorer import cost_query, cost_timeseries, group_labels

    q = cost_query(start=start, end=end, group_by="service")
    view = cost_timeseries(q=q, granularity="day", compare=False, series_limit=10 ** 6)
    pq = cost_query(start=prev_start, end=prev_end, group_by="service")
    prev = cost_timeseries(q=pq, granularity="day", compare=False, series_limit=10 ** 6)
    currency = view["currency"]
    daily = [sum((g["values"][i] for g in view["groups"] if g["currency"] == currency), ZERO)
             for i in range(len(view["periods"]))]
    prev_daily = [sum((g["values"][i] for g in prev["groups"] if g["currency"] == currency), ZERO)
                  for i in range(len(prev["periods"]))]
    keys = sorted({g["key"] for g in view["groups"]} | {g["key"] for g in prev["groups"]})
    labels = group_labels(group_by="service", keys=keys)
    other = [t for t in view["totals"] if t["currency"] != currency]
    return {"total": view["total"], "previous_total": prev["total"], "currency": currency,
            "has_data": bool(view["groups"]), "has_previous": bool(prev["groups"]),
            "daily": daily, "previous_daily": prev_daily,
            "services": _movers(view["groups"], prev["groups"], currency, labels),
            "unconverted": other, "warnings": view["warnings"] + prev["warnings"]}


def _business_units(start: date, end: date, prev_start: date, prev_end: date, currency: str) -> list[dict] | None:
    from apps.allocation.selectors import dimension_keys
    from apps.costs.selectors.explorer import ALLOC_PREFIX, cost_summary, group_labels

    if BUSINESS_UNIT not in dimension_keys():
        return None
    group_by = ALLOC_PREFIX + BUSINESS_UNIT
    now = cost_summary(start=start, end=end, group_by=group_by)
    before = cost_summary(start=prev_start, end=prev_end, group_by=group_by)
    keys = sorted({g["key"] for g in now["groups"]} | {g["key"] for g in before["groups"]})
    return _movers(now["groups"], before["groups"], currency, group_labels(group_by=group_by, keys=keys))


def _budget(month: date, spend: Decimal | None) -> dict[str, Any]:
    from apps.budgets.selectors import budget_list

    monthly = [b for b in budget_list() if b.period == "month"]
    organization = [b for b in monthly if not b.scope]
    chosen, basis = (organization, "organization") if organization else (monthly, "scoped" if monthly else None)
    if not chosen:
        return {"amount": None, "basis": None, "count": 0, "names": [], "percent": None, "remaining": None}
    amount = sum((b.amount for b in chosen), ZERO)
    return {"amount": amount, "basis": basis, "count": len(chosen), "names": [b.name for b in chosen],
            "percent": (spend * 100 / amount).quantize(Decimal("0.1"), ROUND_HALF_UP) if spend is not None else None,
            "remaining": amount - spend if spend is not None else None}


def _forecast(is_current: bool, spend: Decimal | None, today: date) -> dict[str, Any]:
    if not is_current:
        return {"amount": spend, "kind": "actual", "lower": None, "upper": None}
    from apps.budgets.selectors import budget_forecast

    _currency, forecast = budget_forecast(scope={}, period="month", today=today)
    if forecast.forecast is None:
        return {"amount": None, "kind": "none", "lower": None, "upper": None, "reason": forecast.reason}
    return {"amount": _money(forecast.forecast), "kind": "forecast", "lower": _money(forecast.lower),
            "upper": _money(forecast.upper), "method": forecast.method}


def _savings() -> dict[str, Any]:
    from apps.recommendations.models import Finding
    from apps.recommendations.selectors import findings_summary
    from apps.recommendations.vocabulary import Category, Status

    summary = findings_summary()
    implemented = Finding.objects.filter(~Q(category=Category.POLICY), status__in=(Status.APPLIED, Status.VERIFIED))
    totals = implemented.aggregate(
        applied=Sum("estimated_monthly_savings", filter=Q(status=Status.APPLIED)),
        verified=Sum("realized_monthly_savings", filter=Q(status=Status.VERIFIED)))
    count = implemented.count()
    realized = (totals["applied"] or ZERO) + (totals["verified"] or ZERO)
    by_status = summary["by_status"]
    return {"potential": _money(summary["potential_monthly_savings"]), "realized": _money(realized),
            "open": by_status.get(Status.OPEN, 0) + by_status.get(Status.ACCEPTED, 0), "implemented": count}


def _coverage(start: date, end: date) -> dict[str, Any]:
    from apps.business.coverage import allocation_coverage_cached

    coverage = allocation_coverage_cached(start=start, end=end)
    share = coverage.overall_cost_share if coverage.total_cost else None
    return {"share": share, "percent": share * 100 if share is not None else None,
            "allocated": _money(coverage.total_cost - coverage.overall_unallocated_cost),
            "unallocated": _money(coverage.overall_unallocated_cost), "total": _money(coverage.total_cost),
            "required": list(coverage.required)}


def _unit_costs(start: date, end: date, prev_start: date, prev_end: date) -> list[dict[str, Any]]:
    from apps.allocation.selectors import business_metrics_list
    from apps.business.unit_costs import unit_costs

    rows = []
    for metric in business_metrics_list():
        now = unit_costs(metric_key=metric.key, start=start, end=end, granularity="month")["series"][0]
        before = unit_costs(metric_key=metric.key, start=prev_start, end=prev_end, granularity="month")["series"][0]
        current, previous = now["unit_cost"], before["unit_cost"]
        rows.append({"key": metric.key, "name": metric.name, "unit": metric.unit,
                     "metric_total": now["metric_total"], "current": _money(current),
                     "previous": _money(previous), "delta_pct": _pct(current, previous)})
    return rows


def _runways(today: date) -> list[dict[str, Any]]:
    from apps.budgets.selectors import runway_list

    rows = []
    for runway in runway_list(today=today):
        rows.append({"name": runway.connection.name, "provider": runway.connection.provider,
                     "balance": _money(runway.balance), "currency": runway.currency,
                     "days_left": runway.days_left, "date": runway.date,
                     "days": int(runway.days_left) if runway.days_left is not None else None})
    rows.sort(key=lambda r: (r["days_left"] is None, r["days_left"] or ZERO, r["name"]))
    return rows


# --- the brief ------------------------------------------------------------------------------------------------------

def brief_data(month: date, *, today: date | None = None) -> dict[str, Any]:
    """Everything the brief shows for ``month`` (any day of it); see the module's docstring."""
    today = today or organization_today()
    month = month.replace(day=1)
    last = month_last_day(month)
    is_current = month <= today <= last
    end = today if is_current else last
    prev_start = previous_month(month)
    prev_end = month_last_day(prev_start)
    if is_current:
        prev_end = min(prev_start.replace(day=min(today.day, prev_end.day)), prev_end)

    notes: list[str] = []
    spend = _spend(month, end, prev_start, prev_end)
    currency = spend["currency"]
    total = spend["total"]
    if not spend["has_data"]:
        notes.append(_("No costs were recorded for this month."))
    if spend["unconverted"]:
        notes.append(_("Some costs have no exchange rate and are not in the totals."))
    previous_total = spend["previous_total"]
    comparison = {"total": _money(previous_total), "start": prev_start, "end": prev_end,
                  "delta": _money(total - previous_total) if spend["has_previous"] and total is not None else None,
                  "delta_pct": _pct(total, previous_total) if spend["has_previous"] else None,
                  "same_days": is_current}
    if not spend["has_previous"]:
        notes.append(_("No costs in the month before: nothing to compare with."))

    budget = _budget(month, total)
    if budget["basis"] is None:
        notes.append(_("No monthly budget is set."))
    forecast = _forecast(is_current, total, today)
    units = _business_units(month, end, prev_start, prev_end, currency)
    if units is None:
        notes.append(_("There is no business unit dimension: business units are not shown."))
    unit_cost_rows = _unit_costs(month, end, prev_start, prev_end)
    if not unit_cost_rows:
        notes.append(_("No business metrics: upload one to see unit costs."))
    runways = _runways(today)
    if not runways:
        notes.append(_("No connection reports a balance."))

    days = (end - month).days + 1
    prev_days = (month_last_day(prev_start) - prev_start).days + 1
    return {
        "month": month, "start": month, "end": end, "today": today, "is_current": is_current,
        "month_label": month_label(month), "previous_label": month_label(prev_start),
        "currency": currency, "has_data": spend["has_data"],
        "spend": _money(total), "previous": comparison,
        "budget": budget, "forecast": forecast,
        "services": spend["services"], "business_units": units or [],
        "has_business_units": units is not None,
        "savings": _savings(), "coverage": _coverage(month, end), "unit_costs": unit_cost_rows,
        "runways": runways,
        "daily": {"days": list(range(1, max(days, prev_days) + 1)),
                  "current": spend["daily"], "previous": spend["previous_daily"]},
        "notes": notes,
    }
