"""Unit economics: cost per unit of a business metric over time (per scope and allocation dimension) and the
cost-to-value view of products.

- The cost of a bucket is the explorer's billed cost in the organization's currency (``cost_timeseries`` over the
  rollups, the same filters and groupings); a group whose cost has no exchange rate stays out (its warning is
  returned).
- The metric of a bucket is the sum of the metric's values dated in the bucket and the period. A monthly metric
  answers only month buckets (a month's figure cannot be cut into days or weeks); its value is dated the 1st, so the
  month bucket of a period starting mid-month still takes that month's figure.
- Grouped by ``alloc:<key>`` of the metric's own dimension, each group divides by the metric's values for that
  dimension value (the unallocated group has none); any other grouping divides every group by the total metric.
  The total of a day is its row without dimension value, or, when there is none, the sum of its per-value rows.
- The unit cost is None where the metric is 0 or missing. The period's unit cost divides the cost of the buckets
  that have a figure (0 included: zero orders make the cost count) by the metric's total. The trend compares the
  last bucket's unit cost with the first one's (the first and last buckets that have one) and the period's unit
  cost with the previous period's of the same length, in %.
- The cost-to-value view divides each value's cost of the period by its metric total of the period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from apps.allocation.models import BusinessMetric, BusinessMetricValue
from apps.allocation.selectors import value_label
from apps.allocation.vocabulary import MetricGranularity
from apps.common.errors import ApplicationError, ErrorCode
from apps.costs.periods import month_start
from apps.costs.selectors.explorer import (
    GRANULARITIES,
    alloc_key,
    cost_query,
    cost_summary,
    cost_timeseries,
    period_buckets,
)
from apps.costs.selectors.ledger import organization_currency

TOTAL_KEY = "total"


def _invalid(message: str, field_name: str) -> ApplicationError:
    return ApplicationError(message, ErrorCode.INVALID, extra={field_name: [message]})


def _pct(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    if current is None or not previous:
        return None
    return (current - previous) * 100 / abs(previous)


def _divide(cost: Decimal | None, metric: Decimal | None) -> Decimal | None:
    if cost is None or not metric:
        return None
    return cost / metric


def _bucket_of(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


@dataclass(frozen=True)
class MetricValues:
    """A metric's values in a range: per dimension value and day, and the total per day."""

    by_value: dict[str, dict[date, Decimal]]
    total: dict[date, Decimal]


def metric_values(*, metric: BusinessMetric, start: date, end: date) -> MetricValues:
    lo = month_start(start) if metric.granularity == MetricGranularity.MONTH else start
    by_value: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for day, dim, value in (BusinessMetricValue.objects.filter(metric=metric, date__range=(lo, end))
                            .values_list("date", "dimension_value", "value")):
        by_value[dim][day] = value
    total = dict(by_value.get("", {}))
    for dim, days in by_value.items():
        if not dim:
            continue
        for day, value in days.items():
            if day not in by_value.get("", {}):
                total[day] = total.get(day, Decimal(0)) + value
    return MetricValues(by_value=dict(by_value), total=total)


def _per_bucket(days: dict[date, Decimal], granularity: str) -> dict[date, Decimal]:
    sums: dict[date, Decimal] = defaultdict(Decimal)
    for day, value in days.items():
        sums[_bucket_of(day, granularity)] += value
    return sums


def business_metric_require(*, key: str) -> BusinessMetric:
    metric = BusinessMetric.objects.select_related("dimension").filter(key=key).first() if key else None
    if metric is None:
        raise _invalid(_("Unknown business metric."), "metric")
    return metric


def _metric_payload(metric: BusinessMetric) -> dict[str, Any]:
    return {"key": metric.key, "name": metric.name, "unit": metric.unit, "granularity": metric.granularity,
            "dimension": metric.dimension.key if metric.dimension_id else None}


def unit_costs(*, metric_key: str, start: date, end: date, granularity: str = "day", group_by: str | None = None,
               filters: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"metric", "currency", "start", "end", "granularity", "group_by", "series": [{"key", "label", "points":
    [{"date", "cost", "metric", "unit_cost"}], "cost", "metric_total", "unit_cost", "trend"}], "warnings"}``
    (Decimals); ``trend`` = ``{"first", "last", "change_pct", "previous_unit_cost", "previous_pct"}``."""
    metric = business_metric_require(key=metric_key)
    if granularity not in GRANULARITIES:
        raise _invalid(_("Unknown granularity."), "granularity")
    if metric.granularity == MetricGranularity.MONTH and granularity != "month":
        raise _invalid(_("A monthly metric has unit costs by month only: choose the month granularity."),
                       "granularity")
    q = cost_query(start=start, end=end, group_by=group_by or "provider", filters=filters)
    view = cost_timeseries(q=q, granularity=granularity, compare=False, series_limit=10 ** 6)
    currency = organization_currency()
    buckets = period_buckets(start=q.start, end=q.end, granularity=granularity)
    groups = [g for g in view["groups"] if g["currency"] == currency]
    prev = q.previous()
    previous = cost_summary(start=prev.start, end=prev.end, group_by=q.group_by, filters=filters)
    previous_costs = {g["key"]: g["total"] for g in previous["groups"] if g["currency"] == currency}
    values = metric_values(metric=metric, start=q.start, end=q.end)
    previous_values = metric_values(metric=metric, start=prev.start, end=prev.end)
    per_value = bool(group_by) and metric.dimension_id is not None and alloc_key(group_by) == metric.dimension.key

    def series(key: str, label: str, costs: list[Decimal], days: dict[date, Decimal] | None,
               previous_cost: Decimal, previous_days: dict[date, Decimal] | None) -> dict[str, Any]:
        sums = _per_bucket(days, granularity) if days is not None else {}
        points = []
        for bucket, cost in zip(buckets, costs, strict=True):
            amount = sums.get(bucket) if days is not None else None
            points.append({"date": bucket, "cost": cost, "metric": amount, "unit_cost": _divide(cost, amount)})
        total_cost = sum(costs, Decimal(0))
        metric_total = sum(sums.values(), Decimal(0)) if days is not None else None
        previous_metric = sum(previous_days.values(), Decimal(0)) if previous_days is not None else None
        with_unit = [p["unit_cost"] for p in points if p["unit_cost"] is not None]
        first, last = (with_unit[0], with_unit[-1]) if with_unit else (None, None)
        # Buckets without any figure (not yet uploaded) stay out of the period's unit cost; a 0 counts.
        measured_cost = sum((p["cost"] for p in points if p["metric"] is not None), Decimal(0))
        unit_cost = _divide(measured_cost, metric_total)
        previous_unit_cost = _divide(previous_cost, previous_metric)
        return {"key": key, "label": label, "points": points, "cost": total_cost, "metric_total": metric_total,
                "unit_cost": unit_cost,
                "trend": {"first": first, "last": last,
                          "change_pct": _pct(last, first) if len(with_unit) > 1 else None,
                          "previous_unit_cost": previous_unit_cost,
                          "previous_pct": _pct(unit_cost, previous_unit_cost)}}

    result_series = []
    if group_by:
        for group in groups:
            key = group["key"]
            if per_value:
                days = values.by_value.get(key, {}) if key else None
                previous_days = previous_values.by_value.get(key, {}) if key else None
            else:
                days, previous_days = values.total, previous_values.total
            result_series.append(series(key, group["label"], group["values"], days, previous_costs.get(key, Decimal(0)),
                                        previous_days))
    else:
        costs = [sum((g["values"][i] for g in groups), Decimal(0)) for i in range(len(buckets))]
        result_series.append(series(TOTAL_KEY, _("All spending"), costs, values.total,
                                    sum(previous_costs.values(), Decimal(0)), previous_values.total))
    return {"metric": _metric_payload(metric), "currency": currency, "start": q.start, "end": q.end,
            "granularity": granularity, "group_by": group_by or None, "series": result_series,
            "warnings": view["warnings"]}


def products_value(*, start: date, end: date, key: str = "product") -> dict[str, Any]:
    """The cost-to-value view of an allocation dimension's values (products, features): per value its cost, the
    previous period's and the change in %, and for every metric broken down by this dimension its value and the
    unit cost. ``{"currency", "start", "end", "dimension", "rows": [{"key", "label", "cost", "previous",
    "trend_pct", "metrics": [{"key", "name", "unit", "value", "unit_cost"}]}], "metrics": [...]}``."""
    group_by = f"alloc:{key}"
    q = cost_query(start=start, end=end, group_by=group_by)
    prev = q.previous()
    currency = organization_currency()
    current = cost_summary(start=q.start, end=q.end, group_by=group_by)
    previous = cost_summary(start=prev.start, end=prev.end, group_by=group_by)
    previous_costs = {g["key"]: g["total"] for g in previous["groups"] if g["currency"] == currency}
    metrics = list(BusinessMetric.objects.select_related("dimension").filter(dimension__key=key)
                   .order_by("name", "id"))
    sums = {}
    for metric in metrics:
        values = metric_values(metric=metric, start=q.start, end=q.end)
        sums[metric.key] = {dim: sum(days.values(), Decimal(0)) for dim, days in values.by_value.items() if dim}
    rows = []
    for group in current["groups"]:
        if group["currency"] != currency:
            continue
        value = group["key"]
        before = previous_costs.get(value, Decimal(0))
        row_metrics = []
        for metric in metrics:
            amount = sums[metric.key].get(value) if value else None
            row_metrics.append({"key": metric.key, "name": metric.name, "unit": metric.unit, "value": amount,
                                "unit_cost": _divide(group["total"], amount)})
        rows.append({"key": value, "label": value_label(value), "cost": group["total"], "previous": before,
                     "trend_pct": _pct(group["total"], before), "metrics": row_metrics})
    return {"currency": currency, "start": q.start, "end": q.end, "dimension": key, "rows": rows,
            "metrics": [_metric_payload(m) for m in metrics]}
