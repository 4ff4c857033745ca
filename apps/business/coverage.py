"""Allocation coverage: which share of the cost and of the resources has a value in each dimension.

Read from the daily rollup (``CostDaily``, billed cost in the organization's currency; amounts still waiting for
an exchange rate are left out) over inclusive charge dates. "Overall" counts a cost (or a resource) as allocated
when each required dimension has a value, and a shared cost that was split always; per dimension, a split row
counts by the values it carries (the split dimension's target value, the source's other values). A resource
counts as allocated in a dimension when all its cost of the period is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, CharField, F, Max, Q, Sum, Value, When

from apps.allocation.models import AllocationSet
from apps.allocation.selectors import allocation_set_values, dimension_label, dimensions_list, required_dimension_keys
from apps.common.cache import organization_cached
from apps.costs.models import CostDaily
from apps.costs.selectors.explorer import group_labels
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
            .order_by().values_list("signature__allocation_id", "resource_id").annotate(total=Sum("billed_cost_org")))
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
        # A split row has the split dimension's value (and the source's others): per dimension it counts by its
        # values; overall, a shared cost that was split counts as allocated.
        has = {key: bool(values.get(key)) for key in keys}
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


def allocation_coverage_cached(*, start: date, end: date) -> Coverage:
    """``allocation_coverage()`` for the organization's current data version (``apps.common.cache``): the
    dashboard card and the overview page read it again only after a refresh of the rollups."""
    return organization_cached("business.coverage", (start.isoformat(), end.isoformat()),
                               lambda: allocation_coverage(start=start, end=end))


# --- the largest unallocated costs ------------------------------------------------------------------------------

@dataclass
class UnallocatedItem:
    """A resource (or, for costs without a resource, a service of a connection) with unallocated cost."""

    connection_id: int | None
    connection_name: str
    provider: str
    service: str
    resource_id: str
    name: str
    cost: Decimal


def _unallocated_set_ids(*, key: str | None) -> list[int]:
    """The allocation sets whose cost is unallocated overall (a required dimension without a value) or, with
    ``key``, in that dimension. A split's sets are allocated in every dimension."""
    required = required_dimension_keys()
    ids = []
    for set_id, values, split_id in AllocationSet.objects.values_list("id", "values", "split_id"):
        if split_id is not None:
            continue
        values = values or {}
        if key is not None:
            if not values.get(key):
                ids.append(set_id)
        elif not all(values.get(k) for k in required):
            ids.append(set_id)
    return ids


def largest_unallocated(*, start: date, end: date, key: str | None = None, limit: int = 20) -> list[UnallocatedItem]:
    """The resources whose cost of the inclusive period is unallocated overall (or in dimension ``key``), most
    expensive first, with that unallocated cost in the organization's currency. Costs without a resource are
    grouped by connection and service. One query on ``CostDaily`` plus the names of the ``limit`` rows shown."""
    unallocated = Q(signature__allocation__isnull=True)
    set_ids = _unallocated_set_ids(key=key)
    if set_ids:
        unallocated |= Q(signature__allocation_id__in=set_ids)
    no_resource_service = Case(When(resource_id="", then=F("service_name")), default=Value(""),
                               output_field=CharField())
    rows = list(CostDaily.objects.filter(unallocated, charge_date__range=(start, end), billed_cost_org__isnull=False)
                .order_by().annotate(group_service=no_resource_service)
                .values("connection_id", "resource_id", "group_service")
                .annotate(provider=Max("provider_name"), service=Max("service_name"), cost=Sum("billed_cost_org"))
                .filter(cost__gt=0).order_by("-cost", "resource_id", "group_service")[:limit])
    resource_names = group_labels(group_by="resource", keys=[r["resource_id"] for r in rows if r["resource_id"]])
    connection_names = group_labels(group_by="connection",
                                    keys=[str(r["connection_id"]) for r in rows if r["connection_id"] is not None])
    items = []
    for row in rows:
        connection_id = row["connection_id"]
        resource_id = row["resource_id"]
        items.append(UnallocatedItem(
            connection_id=connection_id,
            connection_name=connection_names.get(str(connection_id), "") if connection_id is not None else "",
            provider=row["provider"] or "", service=row["service"] or "", resource_id=resource_id,
            name=(resource_names.get(resource_id) or resource_id) if resource_id else "",
            cost=row["cost"]))
    return items


def largest_unallocated_cached(*, start: date, end: date, key: str | None = None,
                               limit: int = 20) -> list[UnallocatedItem]:
    return organization_cached("business.unallocated", (start.isoformat(), end.isoformat(), key, limit),
                               lambda: largest_unallocated(start=start, end=end, key=key, limit=limit))
