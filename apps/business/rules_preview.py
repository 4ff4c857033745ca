"""What a change of the rules would do, before it is saved, and which rules conflict.

Both read the ledger's signatures of the last 30 days with their cost (``signatures_with_cost``) and evaluate the
rules with the engine the rollups use; nothing is written.

- ``rules_preview``: the current enabled rules vs the proposed set (a new rule, a changed one, or one deleted);
  the resources whose values change, the roubles that move, and the moves summed per dimension.
- ``rules_conflicts``: two enabled rules conflict when some signature matches both and they set different values
  for the same dimension; the first by order wins there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.allocation.engine import CompiledRule, ConditionError, compile_rule, evaluate, rules_matching
from apps.allocation.models import Rule
from apps.allocation.selectors import dimension_keys, overrides_map
from apps.common.errors import ApplicationError
from apps.costs.selectors.allocation_signatures import SignatureCosts, signatures_with_cost

from .services_rules import rule_input_clean

PREVIEW_DAYS = 30
CENT = Decimal("0.01")
NEW_RULE_ORDER_ID = 10**15  # a new rule sorts after the saved rules of the same order


def preview_period(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(days=PREVIEW_DAYS - 1), today


@dataclass
class RuleRef:
    """A rule as the conflict check needs it (id None = the rule being edited, not saved yet)."""

    id: int | None
    name: str
    order: int
    compiled: CompiledRule


@dataclass
class Preview:
    start: date
    end: date
    currency: str
    resources: list[dict[str, Any]] = field(default_factory=list)
    moved_cost: Decimal = Decimal(0)
    moved_resources: int = 0
    by_dimension: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)


def _saved_rules() -> list[RuleRef]:
    refs = []
    for rule in Rule.objects.filter(enabled=True).order_by("order", "id"):
        try:
            compiled = compile_rule(id=rule.id, conditions=rule.conditions, actions=rule.actions)
        except ConditionError:  # a rule stored invalid by hand is skipped, as the rollups skip it
            continue
        refs.append(RuleRef(id=rule.id, name=rule.name, order=rule.order, compiled=compiled))
    return refs


def _sorted(refs: list[RuleRef]) -> list[RuleRef]:
    return sorted(refs, key=lambda r: (r.order, r.id if r.id is not None else NEW_RULE_ORDER_ID))


def _resource_key(signatures: SignatureCosts, i: int) -> tuple[int | None, str]:
    attrs = signatures.attrs[i]
    return attrs.connection_id, attrs.resource_id or signatures.names[i]


def conflicts_find(signatures: SignatureCosts, refs: list[RuleRef]) -> list[dict[str, Any]]:
    """Pairs of rules (in order) that match a common signature and set one dimension to different values."""
    refs = _sorted(refs)
    matched = rules_matching(signatures.attrs, [r.compiled for r in refs])
    out = []
    for a in range(len(refs)):
        for b in range(a + 1, len(refs)):
            first, second = refs[a].compiled.actions, refs[b].compiled.actions
            clashing = [k for k, v in first.items() if k in second and second[k] != v]
            if not clashing:
                continue
            common = matched[a] & matched[b]
            if not common:
                continue
            resources = len({_resource_key(signatures, i) for i in common})
            cost = sum((signatures.costs[i] for i in common), Decimal(0))
            for key in clashing:
                out.append({"rule": refs[a].id, "rule_name": refs[a].name, "other": refs[b].id,
                            "other_name": refs[b].name, "dimension": key, "value": first[key],
                            "other_value": second[key], "resources": resources, "cost": cost})
    return out


def rules_conflicts(*, today: date | None = None) -> list[dict[str, Any]]:
    start, end = preview_period(today)
    return conflicts_find(signatures_with_cost(start=start, end=end), _saved_rules())


def rules_preview(*, name: str = "", conditions: list[dict] | None = None, actions: dict[str, str] | None = None,
                  order: int | None = None, enabled: bool = True, replace_id: int | None = None,
                  delete: bool = False, today: date | None = None) -> Preview:
    """The current rules vs the rules with the proposed change: a new rule (no ``replace_id``), rule
    ``replace_id`` changed to the given body, or deleted (``delete``). ``conditions``/``actions`` are validated
    already (``services_rules.rule_input_clean``)."""
    start, end = preview_period(today)
    signatures = signatures_with_cost(start=start, end=end)
    current = _saved_rules()
    proposed = [r for r in current if replace_id is None or r.id != replace_id]
    if not delete and enabled:
        if order is None:
            existing = Rule.objects.filter(pk=replace_id).values_list("order", flat=True).first() if replace_id \
                else None
            order = existing if existing is not None else max((r.order for r in current), default=0) + 10
        proposed.append(RuleRef(id=replace_id, name=name, order=order,
                                compiled=compile_rule(id=replace_id, conditions=conditions or [],
                                                      actions=actions or {})))
    proposed = _sorted(proposed)
    overrides, keys = overrides_map(), dimension_keys()
    before = evaluate(signatures.attrs, rules=[r.compiled for r in current], overrides=overrides, dimensions=keys)
    after = evaluate(signatures.attrs, rules=[r.compiled for r in proposed], overrides=overrides, dimensions=keys)
    preview = Preview(start=start, end=end, currency=signatures.currency)
    by_resource: dict[tuple, dict[str, Any]] = {}
    by_dimension: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    moved = set()
    for i, (old, new) in enumerate(zip(before.values, after.values, strict=True)):
        if old == new:
            continue
        cost = signatures.costs[i]
        attrs = signatures.attrs[i]
        changed = sorted(k for k in set(old) | set(new) if old.get(k, "") != new.get(k, ""))
        source = {k: old.get(k, "") for k in changed}
        target = {k: new.get(k, "") for k in changed}
        resource = _resource_key(signatures, i)
        moved.add(resource)
        key = (*resource, tuple(sorted(source.items())), tuple(sorted(target.items())))
        item = by_resource.get(key)
        if item is None:
            item = by_resource[key] = {"resource_id": attrs.resource_id, "name": signatures.names[i],
                                       "connection_id": attrs.connection_id, "cost": Decimal(0),
                                       "from": source, "to": target}
        item["cost"] += cost
        preview.moved_cost += cost
        for k in changed:
            by_dimension[(k, source[k], target[k])] += cost
    preview.resources = sorted(by_resource.values(), key=lambda r: (-r["cost"], r["name"]))
    preview.moved_resources = len(moved)
    preview.by_dimension = [{"key": k, "from": f, "to": t, "cost": c}
                            for (k, f, t), c in sorted(by_dimension.items(), key=lambda x: (x[0][0], -x[1]))]
    preview.conflicts = conflicts_find(signatures, proposed)
    return preview


def rule_preview_for(data: dict[str, Any]) -> Preview:
    """A rule body (as the API and the rule page take it) checked as saving would check it, then previewed:
    ``id`` the rule it replaces, ``delete`` to preview deleting rule ``id``."""
    replace_id = data.get("id")
    if replace_id is not None and not Rule.objects.filter(pk=replace_id).exists():
        raise Http404
    if data.get("delete"):
        if replace_id is None:
            raise ApplicationError(_("Name the rule to delete («id»)."), extra={"id": [_("Required.")]})
        return rules_preview(replace_id=replace_id, delete=True)
    name, conditions, actions = rule_input_clean(name=data.get("name") or "preview",
                                                 conditions=data.get("conditions"), actions=data.get("actions"))
    enabled = data.get("enabled")
    return rules_preview(name=name, conditions=conditions, actions=actions, order=data.get("order"),
                         enabled=True if enabled is None else bool(enabled), replace_id=replace_id)
