"""Reads of the allocation definitions (what the rollups and the pages need)."""

from __future__ import annotations

import logging

from .engine import CompiledRule, ConditionError, compile_rule
from .models import AllocationSet, AllocationState, BusinessMetric, Dimension, ResourceOverride, Rule, SharedCost
from .vocabulary import BUILTIN_DIMENSIONS, UNALLOCATED_LABEL

logger = logging.getLogger(__name__)
BUILTIN_LABELS = dict(BUILTIN_DIMENSIONS)


def dimension_label(dimension: Dimension) -> str:
    """A built-in dimension's name in the user's language; a custom one as its admin named it."""
    if dimension.builtin and dimension.key in BUILTIN_LABELS:
        return str(BUILTIN_LABELS[dimension.key])
    return dimension.name


def value_label(value: str) -> str:
    return value if value else str(UNALLOCATED_LABEL)


def dimensions_list() -> list[Dimension]:
    return list(Dimension.objects.prefetch_related("values").order_by("position", "id"))


def dimension_keys() -> list[str]:
    return list(Dimension.objects.order_by("position", "id").values_list("key", flat=True))


def required_dimension_keys() -> list[str]:
    return list(Dimension.objects.filter(required=True).order_by("position", "id").values_list("key", flat=True))


def dimension_get(key: str) -> Dimension | None:
    return Dimension.objects.filter(key=key).first()


def rules_compiled() -> list[CompiledRule]:
    """The enabled rules in order, compiled; a rule stored invalid (only possible by hand in the database) is
    left out rather than stopping every refresh."""
    compiled = []
    for rule in Rule.objects.filter(enabled=True).order_by("order", "id"):
        try:
            compiled.append(compile_rule(id=rule.id, conditions=rule.conditions, actions=rule.actions))
        except ConditionError:
            logger.warning("allocation rule %s is invalid and is skipped", rule.id)
    return compiled


def splits_compiled() -> list[CompiledRule]:
    compiled = []
    for split in SharedCost.objects.filter(enabled=True).order_by("order", "id"):
        try:
            compiled.append(compile_rule(id=split.id, conditions=split.conditions))
        except ConditionError:
            logger.warning("shared cost %s is invalid and is skipped", split.id)
    return compiled


def definitions_read_sku() -> bool:
    """Whether an enabled rule or shared cost has a condition on the SKU (the rollups then keep SKUs apart)."""
    for model in (Rule, SharedCost):
        for conditions in model.objects.filter(enabled=True).values_list("conditions", flat=True):
            if any(isinstance(c, dict) and c.get("field") == "sku" for c in conditions or ()):
                return True
    return False


def overrides_map() -> dict[tuple[int | None, str], dict[str, str]]:
    return {(o.connection_id, o.resource_id): dict(o.values) for o in ResourceOverride.objects.all()}


def shared_costs_by_id() -> dict[int, SharedCost]:
    return {s.id: s for s in SharedCost.objects.select_related("dimension", "metric")}


def allocation_state() -> AllocationState:
    """The state row (created on first read by ``services.allocation_state_get``; here a default if missing)."""
    return AllocationState.objects.order_by("id").first() or AllocationState(version=1, applied_version=0)


def allocation_sets_matching(key: str, values: list[str]) -> list[int]:
    """Ids of the combinations whose ``key`` dimension has one of ``values`` ('' = unallocated: the key absent)."""
    ids = []
    for set_id, set_values in AllocationSet.objects.values_list("id", "values"):
        if (set_values or {}).get(key, "") in values:
            ids.append(set_id)
    return ids


def allocation_set_values() -> dict[int, dict[str, str]]:
    return {set_id: values or {} for set_id, values in AllocationSet.objects.values_list("id", "values")}


def business_metrics_list() -> list[BusinessMetric]:
    return list(BusinessMetric.objects.select_related("dimension").order_by("name", "id"))
