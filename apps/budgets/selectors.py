"""Forecasts of a scope's spend and the runway of prepaid balances (reads; costs through apps.costs selectors)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from apps.common.cache import organization_cached
from apps.costs.selectors.ledger import organization_currency
from apps.costs.selectors.series import daily_spend_series, scope_span
from apps.providers.models import ProviderConnection
from apps.providers.selectors import connection_list

from .forecasting import MAX_HISTORY_DAYS, Forecast, add_months, forecast_spend

PERIODS = ("month", "quarter")
# A scope whose last costs are at most this many days before yesterday is taken as late billing data (the
# forecast starts after its last day); older ones as spend that stopped (the days since count as zero).
BILLING_LAG_DAYS = 3
RUNWAY_DAYS_STEP = Decimal("0.1")
CENT = Decimal("0.01")


def period_bounds(*, period: str, today: date) -> tuple[date, date]:
    """The calendar month, quarter or year holding ``today``."""
    if period == "quarter":
        start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return start, add_months(start, 3) - timedelta(days=1)
    if period == "year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    start = today.replace(day=1)
    return start, add_months(start, 1) - timedelta(days=1)


def _as_of(*, first: date, last: date, today: date) -> date:
    """The last complete day the forecast starts after (see BILLING_LAG_DAYS)."""
    yesterday = today - timedelta(days=1)
    if first > yesterday:  # only today's (partial) costs so far
        return last
    if last >= yesterday or (yesterday - last).days > BILLING_LAG_DAYS:
        return yesterday
    return last


def scope_forecast(*, scope: Mapping[str, Any], period: str = "month", months: int = 3,
                   today: date | None = None) -> tuple[str, Forecast]:
    """(the organization's currency, the forecast of ``period`` holding ``today`` and of the ``months`` after)."""
    today = today or timezone.localdate()
    start, end = period_bounds(period=period, today=today)
    span = scope_span(scope=scope)
    history: dict[date, Decimal] = {}
    as_of = today - timedelta(days=1)
    if span.first is not None:
        as_of = _as_of(first=span.first, last=span.last, today=today)
        history = daily_spend_series(scope=scope, start=as_of - timedelta(days=MAX_HISTORY_DAYS - 1), end=as_of)
    return organization_currency(), forecast_spend(history=history, as_of=as_of, period_start=start,
                                                   period_end=end, months=months)


# --- runway -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Runway:
    connection: ProviderConnection
    balance: Decimal
    currency: str
    daily_spend: Decimal | None
    days_left: Decimal | None  # None: nothing is being spent, the balance does not run out
    date: date | None  # the day the money runs out (Moscow)
    source: str  # forecast | provider_rate | provider_days | none


def _decimal(value: Any) -> Decimal | None:
    if value in (None, "", True, False):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _daily_spend(connection: ProviderConnection, info: Mapping[str, Any], balance: Decimal, currency: str,
                 org_currency: str, today: date) -> tuple[Decimal | None, str]:
    """The forecast daily spend of the connection (the ledger is in the organization's currency, so only when
    the balance is too), else the provider's own daily rate or days to block."""
    if currency == org_currency:
        _, forecast = scope_forecast(scope={"connection": connection.pk}, today=today)
        if forecast.daily_mean is not None:
            return forecast.daily_mean, "forecast"
    rate = _decimal(info.get("daily_rate"))
    if rate is not None and rate > 0:
        return rate, "provider_rate"
    days = _decimal(info.get("days_to_block"))
    if days is not None and days > 0 and balance > 0:
        return (balance / days).quantize(CENT, ROUND_HALF_UP), "provider_days"
    return None, "none"


def runway_list(*, today: date | None = None) -> list[Runway]:
    """Every connection whose provider reports a balance (Beget, Selectel, Yandex billing accounts ...): days until
    the balance reaches zero at the forecast daily spend, and that date."""
    today = today or timezone.localdate()
    org_currency = organization_currency()
    found = []
    for connection in connection_list():
        info = connection.account_info or {}
        balance = _decimal(info.get("balance"))
        if balance is None:
            continue
        currency = str(info.get("currency") or org_currency).upper()
        daily, source = _daily_spend(connection, info, balance, currency, org_currency, today)
        days_left = runs_out = None
        if daily is not None and daily > 0:
            ratio = max(balance, Decimal(0)) / daily
            days_left = ratio.quantize(RUNWAY_DAYS_STEP, ROUND_DOWN)  # never more days than the money lasts
            runs_out = today + timedelta(days=math.floor(ratio))
        elif balance <= 0:
            days_left, runs_out = Decimal(0), today
        found.append(Runway(connection=connection, balance=balance, currency=currency, daily_spend=daily,
                            days_left=days_left, date=runs_out, source=source))
    return found


# --- budgets ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BudgetStatus:
    """A budget at read time: the period holding today, its spend so far and the period-end forecast."""

    budget: Any
    currency: str
    period_start: date
    period_end: date
    actual: Decimal
    percent_used: Decimal
    forecast: Forecast

    @property
    def forecast_percent(self) -> Decimal | None:
        if self.forecast.forecast is None:
            return None
        return (self.forecast.forecast * 100 / self.budget.amount).quantize(RUNWAY_DAYS_STEP, ROUND_HALF_UP)


def budget_list():
    from .models import Budget

    return Budget.objects.prefetch_related("channels").order_by("name", "id")


def budget_get(*, pk: int):
    """The budget (``Budget.DoesNotExist`` when there is none)."""
    return budget_list().get(pk=pk)


def budget_actual(*, scope: Mapping[str, Any], start: date, end: date) -> Decimal:
    """The scope's spend of ``start..end`` (every cost recorded so far, today's partial day included)."""
    return sum(daily_spend_series(scope=scope, start=start, end=end).values(), Decimal(0)).quantize(CENT)


def budget_forecast(*, scope: Mapping[str, Any], period: str, today: date) -> tuple[str, Forecast]:
    """The period-end forecast of a budget's scope, cached per organization data version (a sync or an import
    makes a new one) and day: fitting the model is the slow part of reading a budget."""
    key = (json.dumps(scope, sort_keys=True, default=str), period, today.isoformat())
    return organization_cached("budgets.forecast", key,
                               lambda: scope_forecast(scope=scope, period=period, months=0, today=today))


def budget_status(*, budget, today: date | None = None, currency: str | None = None) -> BudgetStatus:
    today = today or timezone.localdate()
    start, end = period_bounds(period=budget.period, today=today)
    scope = budget.scope or {}
    actual = budget_actual(scope=scope, start=start, end=min(today, end))
    _currency, forecast = budget_forecast(scope=scope, period=budget.period, today=today)
    percent = (actual * 100 / budget.amount).quantize(RUNWAY_DAYS_STEP, ROUND_HALF_UP)
    return BudgetStatus(budget=budget, currency=currency or _currency, period_start=start, period_end=end,
                        actual=actual, percent_used=percent, forecast=forecast)


def budget_status_list(*, today: date | None = None) -> list[BudgetStatus]:
    currency = organization_currency()
    return [budget_status(budget=b, today=today, currency=currency) for b in budget_list()]


def budget_top(*, limit: int = 3, today: date | None = None) -> list[BudgetStatus]:
    """The budgets nearest to (or furthest past) their amount: the dashboard's cards."""
    found = budget_status_list(today=today)
    found.sort(key=lambda s: (-max(s.percent_used, s.forecast_percent or Decimal(0)), s.budget.name))
    return found[:limit]


def scopes_overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Two scopes can share costs unless one key is set in both to different values (a tag: the same key with
    different values)."""
    keys = {"provider", "connection", "service", "region", *(k for k in (*a, *b) if str(k).startswith("alloc:"))}
    for key in sorted(keys):
        if a.get(key) not in (None, "") and b.get(key) not in (None, "") and str(a[key]) != str(b[key]):
            return False
    tag_a, tag_b = a.get("tag"), b.get("tag")
    if tag_a and tag_b and tag_a.get("key") == tag_b.get("key"):
        if tag_a.get("value") not in (None, "") and tag_b.get("value") not in (None, "") \
                and tag_a["value"] != tag_b["value"]:
            return False
    return True


def budget_overlaps(*, scope: Mapping[str, Any], period: str, exclude_pk: int | None = None) -> list:
    """Other budgets of the same period whose scope overlaps ``scope`` (their costs may be counted twice)."""
    return [b for b in budget_list().filter(period=period).exclude(pk=exclude_pk)
            if scopes_overlap(scope, b.scope or {})]


def budget_events(*, budget) -> list:
    return list(budget.events.order_by("-period_start", "kind", "threshold"))


def budget_warnings(*, budget) -> list[str]:
    """Russian (active language) warnings about a budget: other budgets of its period whose scope overlaps."""
    from django.utils.translation import gettext as _

    others = budget_overlaps(scope=budget.scope or {}, period=budget.period, exclude_pk=budget.pk)
    if not others:
        return []
    return [_("The scope overlaps other budgets of the same period: %(names)s. Their costs are counted in each "
              "of them.") % {"names": ", ".join(f"«{b.name}»" for b in others)}]
