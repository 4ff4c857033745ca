"""Forecasts of a scope's spend and the runway of prepaid balances (reads; costs through apps.costs selectors)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

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
    """The calendar month or quarter holding ``today``."""
    if period == "quarter":
        start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return start, add_months(start, 3) - timedelta(days=1)
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
