"""Spend over a period and its trend: the dashboard's money (product description 7.1.3).

Money comes from the daily rollup (``CostDaily``), in the organization's currency, invoiced view
(BilledCost), never from the raw ledger. A period of N days ends today (UTC charge date, like the
explorer) and is compared with the N days just before it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import formats
from django.utils.translation import gettext as _

from ..models import CostDaily
from .comparison import PeriodHistory, group_histories, period_history

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    days: int
    start: date
    end: date

    @property
    def previous(self) -> Period:
        return Period(self.days, self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @property
    def granularity(self) -> str:
        return "day" if self.days <= 30 else "week" if self.days <= 90 else "month"


def _spend(period: Period):
    return CostDaily.objects.filter(charge_date__range=(period.start, period.end)).order_by()


def spend_total(*, period: Period) -> tuple[Decimal, bool, bool]:
    """(total in the organization's currency, any rows, any amount without an exchange rate)."""
    totals = _spend(period).aggregate(total=Sum("billed_cost_org"), rows=Count("id"),
                                      unconverted=Count("id", filter=Q(billed_cost_org__isnull=True)))
    return totals["total"] or ZERO, bool(totals["rows"]), bool(totals["unconverted"])


def spend_history(*, period: Period) -> PeriodHistory:
    """Days with costs in the period and the one before it; ``.comparable`` is the rule the explorer uses too."""
    return period_history(start=period.start, end=period.end)


def spend_exists() -> bool:
    return CostDaily.objects.exists()


def change_percent(current: Decimal, previous: Decimal) -> Decimal | None:
    if not previous:
        return None
    return ((current - previous) * 100 / previous).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _bucket(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def _buckets(period: Period) -> list[date]:
    out: list[date] = []
    day = period.start
    while day <= period.end:
        bucket = _bucket(day, period.granularity)
        if not out or out[-1] != bucket:
            out.append(bucket)
        day += timedelta(days=1)
    return out


def _label(bucket: date, granularity: str) -> str:
    if granularity == "month":
        return formats.date_format(bucket, "M Y")
    return formats.date_format(bucket, "j b")


def spend_series(*, period: Period, comparable: bool = True) -> dict[str, Any]:
    """Spend per bucket (day / week / month) and provider, with the previous period aligned by position
    (left out when the ledger does not cover it: ``comparable=False``)."""
    granularity = period.granularity
    buckets = _buckets(period)
    index = {bucket: i for i, bucket in enumerate(buckets)}
    per_provider: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * len(buckets))
    rows = (_spend(period).values("charge_date", "provider_name").annotate(total=Sum("billed_cost_org"))
            .values_list("charge_date", "provider_name", "total"))
    for day, provider, amount in rows:
        per_provider[provider or _("Other")][index[_bucket(day, granularity)]] += amount or ZERO
    totals = [sum((values[i] for values in per_provider.values()), ZERO) for i in range(len(buckets))]

    previous = period.previous
    previous_buckets = _buckets(previous)
    previous_index = {bucket: i for i, bucket in enumerate(previous_buckets)}
    previous_totals = [ZERO] * len(previous_buckets)
    for day, amount in (_spend(previous).values("charge_date").annotate(total=Sum("billed_cost_org"))
                        .values_list("charge_date", "total")):
        previous_totals[previous_index[_bucket(day, granularity)]] += amount or ZERO
    # Align the previous period to this one from the end (the newest buckets line up).
    shift = len(buckets) - len(previous_totals)
    aligned = [previous_totals[i - shift] if comparable and 0 <= i - shift < len(previous_totals) else None
               for i in range(len(buckets))]
    ordered = sorted(per_provider.items(), key=lambda item: -sum(item[1]))
    return {
        "granularity": granularity,
        "buckets": buckets,
        "labels": [_label(bucket, granularity) for bucket in buckets],
        "providers": [{"name": name, "values": values} for name, values in ordered],
        "totals": totals,
        "previous": aligned,
        "peak": max(totals, default=ZERO),
        "average": _average(totals, buckets, granularity),
    }


def _average(totals: list[Decimal], buckets: list[date], granularity: str) -> Decimal:
    """The average per bucket over the buckets the ledger covers: from the one holding its first charge date
    (one day of data is that day's figure, not a thirtieth of it)."""
    first = CostDaily.objects.order_by("charge_date").values_list("charge_date", flat=True).first()
    if first is None:
        return ZERO
    start = _bucket(first, granularity)
    covered = [total for bucket, total in zip(buckets, totals, strict=True) if bucket >= start]
    return (sum(covered, ZERO) / len(covered)).quantize(CENT) if covered else ZERO


def spend_top_services(*, period: Period, comparable: bool = True, limit: int = 5) -> list[dict[str, Any]]:
    """The services that cost most in the period, with their share and change vs the previous period."""
    current = dict(_spend(period).values("service_name").annotate(total=Sum("billed_cost_org"))
                   .values_list("service_name", "total"))
    # The same rule per service as for the whole period (apps.costs.selectors.comparison).
    histories = group_histories(start=period.start, end=period.end, daily=CostDaily.objects.all(),
                                fields={"service": "service_name"}) if comparable else {}
    before = dict(_spend(period.previous).values("service_name").annotate(total=Sum("billed_cost_org"))
                  .values_list("service_name", "total"))
    grand = sum((v or ZERO for v in current.values()), ZERO)
    ranked = sorted(current.items(), key=lambda item: -(item[1] or ZERO))[:limit]
    return [{
        "name": name or _("Without a service"),
        "total": total or ZERO,
        "share": int(((total or ZERO) * 100 / grand).quantize(Decimal(1), ROUND_HALF_UP)) if grand else 0,
        "change_percent": change_percent(total or ZERO, before.get(name) or ZERO)
        if comparable and histories.get((name,)) is not None and histories[(name,)].comparable else None,
    } for name, total in ranked]


def spend_by_connection(*, period: Period) -> dict[int, Decimal]:
    """Each connection's spend in the period (connections without costs are absent)."""
    return dict(_spend(period).exclude(connection_id=None).values("connection_id")
                .annotate(total=Sum("billed_cost_org")).values_list("connection_id", "total"))
