"""When a period may be compared with the one before it: the one rule of the dashboard, the explorer and the API.

A change in percent against a previous period is shown only when that period's costs are known about as well
as the current period's: the previous period must have cost data on at least ``MIN_PREVIOUS_COVERAGE`` of the
days the current period has data. Otherwise the pages say «Недостаточно истории» and the API gives no delta.

Why days with data and not just "any data": a ledger that starts a month before a 365-day view has a previous
year with one month in it, and +9 322 % is what comparing with it prints. Counting against the current period's
days (not the calendar) keeps sources that charge once a month comparable month for month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from ..models import CostDaily

MIN_PREVIOUS_COVERAGE = Decimal("0.9")


def comparison_meaningful(*, current_days: int, previous_days: int) -> bool:
    """The rule: the previous period has data on at least 90 % as many days as the current one (and on one day
    at least). ``*_days`` count the distinct charge dates with cost data in each period."""
    if previous_days <= 0 or current_days < 0:
        return False
    return Decimal(previous_days) >= MIN_PREVIOUS_COVERAGE * current_days


@dataclass(frozen=True)
class PeriodHistory:
    """How many days of each period have cost data, and whether they may be compared."""

    days: int  # the length of each period
    current_days: int
    previous_days: int

    @property
    def comparable(self) -> bool:
        return comparison_meaningful(current_days=self.current_days, previous_days=self.previous_days)


def period_history(*, start: date, end: date, daily: QuerySet | None = None) -> PeriodHistory:
    """Days with data in ``start``..``end`` and in the period of the same length just before it, counted in one
    query over ``daily`` (any queryset with a ``charge_date``, already filtered like the view; ``CostDaily`` by
    default)."""
    days = (end - start).days + 1
    previous_start = start - timedelta(days=days)
    qs = (daily if daily is not None else CostDaily.objects.all()).order_by()
    counts = qs.filter(charge_date__range=(previous_start, end)).aggregate(
        current=Count("charge_date", distinct=True, filter=Q(charge_date__gte=start)),
        previous=Count("charge_date", distinct=True, filter=Q(charge_date__lt=start)),
    )
    return PeriodHistory(days=days, current_days=counts["current"] or 0, previous_days=counts["previous"] or 0)


def group_histories(*, start: date, end: date, daily: QuerySet, fields: dict[str, Any]) -> dict[tuple, PeriodHistory]:
    """``period_history`` per group in one grouped query: ``fields`` names the grouping expressions (a column
    name or an expression over ``daily``); the result is keyed by the tuple of their values, in ``fields``'
    order. A group absent from the result had no cost in either period."""
    days = (end - start).days + 1
    previous_start = start - timedelta(days=days)
    rows = (daily.order_by().filter(charge_date__range=(previous_start, end))
            .values(**{f"g{i}": F(value) if isinstance(value, str) else value
                       for i, value in enumerate(fields.values())})
            .annotate(current=Count("charge_date", distinct=True, filter=Q(charge_date__gte=start)),
                      previous=Count("charge_date", distinct=True, filter=Q(charge_date__lt=start))))
    return {tuple(row[f"g{i}"] for i in range(len(fields))): PeriodHistory(days=days, current_days=row["current"],
                                                                           previous_days=row["previous"])
            for row in rows}
