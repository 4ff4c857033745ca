"""Allocation coverage: which share of the cost and of the resources has a value in each dimension.

Read from the daily rollup (``CostDaily``, billed cost in the organization's currency; amounts still waiting for
an exchange rate are left out) over inclusive charge dates. A cost split from a shared cost counts as allocated in
every dimension (its rows are the split's result). "Overall" counts a cost (or a resource) as allocated when each
required dimension has a value; a resource counts as allocated in a dimension when all its cost of the period is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from apps.allocation.models import AllocationSet
from apps.allocation.selectors import allocation_set_values, dimension_label, dimensions_list, required_dimension_keys
from apps.costs.models import CostDaily
from apps.costs.selectors.ledger import organization_currency


@dataclass
class DimensionCoverage:
    key: str
    name: str
    cost_share: Decimal
    resource_share: Decimal
    allocated_cost: Decimal
    unallocated_cost: Decimal
    required: bool


@dataclass
class Coverage:
    start: date
    end: date
    currency: str
    total_cost: Decimal
    resources: int
    overall_cost_share: Decimal
    overall_resource_share: Decimal
    overall_unallocated_cost: Decimal
    required: list[str]
    dimensions: list[DimensionCoverage] = field(default_factory=list)


def _share(part: Decimal | int, whole: Decimal | int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def allocation_coverage(*, start: date, end: date) -> Coverage:
    rows = (CostDaily.objects.filter(charge_date__range=(start, end), billed_cost_org__isnull=False)
            .order_by().values_list("allocation_id", "resource_id").annotate(total=Sum("billed_cost_org")))
    sets = allocation_set_values()
    split_sets = _split_sets()
    dimensions = dimensions_list()
    required = required_dimension_keys()
    keys = [d.key for d in dimensions]
    total = Decimal(0)
    allocated: dict[str, Decimal] = defaultdict(Decimal)
    overall = Decimal(0)
    # resource -> key -> all of its cost allocated so far (True) / some not (False)
    resource_state: dict[str, dict[str, bool]] = {}
    for allocation_id, resource_id, amount in rows:
        amount = amount or Decimal(0)
        total += amount
        values = sets.get(allocation_id, {}) if allocation_id is not None else {}
        is_split = allocation_id in split_sets
        has = {key: is_split or bool(values.get(key)) for key in (*keys, "__overall__")}
        has["__overall__"] = is_split or all(values.get(key) for key in required)
        for key in keys:
            if has[key]:
                allocated[key] += amount
        if has["__overall__"]:
            overall += amount
        if resource_id:
            state = resource_state.setdefault(resource_id, {})
            for key, ok in has.items():
                state[key] = state.get(key, True) and ok
    resources = len(resource_state)

    def resource_count(key: str) -> int:
        return sum(1 for state in resource_state.values() if state.get(key))

    coverage = Coverage(
        start=start, end=end, currency=organization_currency(), total_cost=total, resources=resources,
        overall_cost_share=_share(overall, total), overall_resource_share=_share(resource_count("__overall__"),
                                                                                 resources),
        overall_unallocated_cost=total - overall, required=required)
    for dimension in dimensions:
        coverage.dimensions.append(DimensionCoverage(
            key=dimension.key, name=dimension_label(dimension), cost_share=_share(allocated[dimension.key], total),
            resource_share=_share(resource_count(dimension.key), resources),
            allocated_cost=allocated[dimension.key], unallocated_cost=total - allocated[dimension.key],
            required=dimension.key in required))
    return coverage


def _split_sets() -> set[int]:
    return set(AllocationSet.objects.filter(split__isnull=False).values_list("id", flat=True))
