"""The daily spend of one scope (the whole organization, or a provider, connection, service, region, tag
key/value, or several of them at once): what forecasts, budgets and anomaly detection read.

Amounts are ``billed_cost_org`` (invoiced view, the organization's currency) from the daily rollups; a tag scope
reads ``CostDailyTag``. Days are charge dates (the explorer's day buckets).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet, Sum

from apps.allocation.selectors import allocation_sets_matching

from ..models import CostDaily, CostDailyTag
from .explorer import _tag_filtered, alloc_key

# scope key -> CostDaily column
SCOPE_COLUMNS: dict[str, str] = {
    "provider": "provider_name",
    "connection": "connection_id",
    "service": "service_name",
    "region": "region_id",
    # FOCUS 1.3 split cost allocation dimensions (the explorer's group-by names after "alloc:").
    "alloc:allocation_method": "allocated_method_id",
    "alloc:allocated_resource": "allocated_resource_id",
}


@dataclass(frozen=True)
class ScopeSpan:
    first: date | None  # the first charge date with costs in the scope (None: no costs at all)
    last: date | None
    unconverted_days: int  # days whose amounts had no exchange rate (left out of the series)


def _scoped(scope: Mapping[str, Any]) -> QuerySet:
    tag = scope.get("tag")
    qs = CostDaily.objects.all()
    if tag:
        qs = _tag_filtered(CostDailyTag.objects.all(), str(tag["key"]), tag.get("value"))
    for key, column in SCOPE_COLUMNS.items():
        value = scope.get(key)
        if value not in (None, ""):
            qs = qs.filter(**{column: value})
    for key, value in scope.items():
        dimension = alloc_key(key)
        if dimension is None or key in SCOPE_COLUMNS or value is None:
            continue
        # ``alloc:<dimension>``: one value ("" = unallocated) of an allocation dimension.
        condition = Q(signature__allocation_id__in=allocation_sets_matching(dimension, [str(value)]))
        if str(value) == "":
            condition |= Q(signature__allocation_id__isnull=True)
        qs = qs.filter(condition)
    return qs.order_by()


def scope_span(*, scope: Mapping[str, Any]) -> ScopeSpan:
    """When the scope has costs: its first and last charge dates."""
    found = _scoped(scope).aggregate(first=Min("charge_date"), last=Max("charge_date"),
                                     unconverted=Count("charge_date", distinct=True,
                                                       filter=Q(billed_cost_org__isnull=True)))
    return ScopeSpan(first=found["first"], last=found["last"], unconverted_days=found["unconverted"])


def daily_spend_series(*, scope: Mapping[str, Any], start: date, end: date) -> dict[date, Decimal]:
    """Spend per charge date of ``start..end`` in the scope, in the organization's currency (days without costs
    are absent). ``scope`` keys: ``provider`` (provider name as the ledger has it), ``connection`` (id),
    ``service``, ``region``, ``tag`` ({"key": ..., "value": ... or None for any value}), ``alloc:allocation_method``,
    ``alloc:allocated_resource``."""
    rows = (_scoped(scope).filter(charge_date__range=(start, end), billed_cost_org__isnull=False)
            .values("charge_date").annotate(total=Sum("billed_cost_org")).values_list("charge_date", "total"))
    return dict(rows)
