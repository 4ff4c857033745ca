"""Shared-cost splitting (issue 13, point 4): create, change, switch and delete ``SharedCost`` definitions with
validation in plain Russian, preview a split over the last 30 days, and read what the applied splits did.

A shared cost is the set of cost lines its conditions match (a network, a support plan, a Kubernetes cluster);
the rollups split it across the values of one dimension (``apps.costs.services.allocation_rollup``): evenly,
in proportion to the values' own cost, to a business metric's figures, or by fixed percentages that sum to
exactly 100. Every change goes through ``services.allocation_changed`` (audited, history recalculated).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.allocation.engine import conditions_as_json, conditions_validate
from apps.allocation.models import BusinessMetric, Dimension, DimensionValue, SharedCost
from apps.allocation.selectors import allocation_set_values, dimension_label
from apps.allocation.vocabulary import SplitMethod
from apps.common.errors import ApplicationError
from apps.common.numbers import format_number
from apps.costs.models import CostDaily
from apps.costs.selectors.ledger import organization_currency
from apps.costs.services.allocation_rollup import SPLIT_METHOD_PREFIX, split_basis, split_basis_day, split_shares
from apps.costs.services.split_preview import shared_cost_lines

from .services import allocation_changed

PREVIEW_DAYS = 30
MAX_TARGETS = 100
MAX_VALUE_LENGTH = 100
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _invalid(message: str, field_name: str) -> ApplicationError:
    return ApplicationError(message, extra={field_name: [message]})


# --- validation -------------------------------------------------------------------------------------------------

@dataclass
class SplitInput:
    """A shared cost's definition, checked and normalized."""

    name: str
    conditions: list[dict[str, Any]]
    dimension: Dimension
    method: str
    targets: list[dict[str, Any]]
    metric: BusinessMetric | None
    order: int = 0
    enabled: bool = True
    new_values: list[str] = field(default_factory=list)


def _percent(raw: Any, value: str) -> Decimal:
    problem = _("The share of «%(value)s» must be a number above 0 with at most two decimals.") % {"value": value}
    if raw is None or isinstance(raw, bool) or (isinstance(raw, str) and not raw.strip()):
        raise _invalid(problem, "targets")
    try:
        percent = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise _invalid(problem, "targets") from exc
    if not percent.is_finite() or percent <= 0 or percent > HUNDRED or percent != percent.quantize(CENT):
        raise _invalid(problem, "targets")
    return percent.quantize(CENT)


def _metric(raw: Any) -> BusinessMetric | None:
    if raw in (None, ""):
        return None
    metric = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        metric = BusinessMetric.objects.select_related("dimension").filter(pk=raw).first()
    elif isinstance(raw, str):
        text = raw.strip()
        metric = BusinessMetric.objects.select_related("dimension").filter(key=text).first()
        if metric is None and text.isdigit():
            metric = BusinessMetric.objects.select_related("dimension").filter(pk=int(text)).first()
    if metric is None:
        raise _invalid(_("No business metric «%(metric)s».") % {"metric": raw}, "metric")
    return metric


def split_input_validate(*, name: Any, conditions: Any, dimension: Any, method: Any, targets: Any,
                         metric: Any = None, order: Any = 0, enabled: Any = True) -> SplitInput:
    """Check a shared cost's definition; ``ApplicationError`` (its ``extra`` names the field) on the first problem."""
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise _invalid(_("Name the shared cost."), "name")
    if len(name) > 200:
        raise _invalid(_("The name is too long (at most 200 characters)."), "name")
    checked = conditions_as_json(conditions_validate(conditions))
    key = dimension.key if isinstance(dimension, Dimension) else (dimension.strip() if isinstance(dimension, str)
                                                                  else "")
    found = Dimension.objects.filter(key=key).first() if key else None
    if found is None:
        raise _invalid(_("Choose the dimension to split across.") if not key else
                       _("No dimension «%(key)s».") % {"key": key}, "dimension")
    if method not in SplitMethod.values:
        raise _invalid(_("Choose how to split: %(methods)s.") % {"methods": ", ".join(SplitMethod.values)}, "method")
    if not isinstance(targets, list) or len(targets) < 2:
        raise _invalid(_("A shared cost is split across at least two values."), "targets")
    if len(targets) > MAX_TARGETS:
        raise _invalid(_("At most %(max)s values.") % {"max": MAX_TARGETS}, "targets")
    clean, seen = [], set()
    for target in targets:
        raw = target.get("value") if isinstance(target, dict) else target
        value = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
        if not value:
            raise _invalid(_("Every value to split across must be filled in."), "targets")
        if len(value) > MAX_VALUE_LENGTH:
            raise _invalid(_("The value «%(value)s» is too long (at most %(max)s characters).") % {
                "value": value[:20] + "…", "max": MAX_VALUE_LENGTH}, "targets")
        if value.casefold() in seen:
            raise _invalid(_("The value «%(value)s» is listed twice.") % {"value": value}, "targets")
        seen.add(value.casefold())
        item: dict[str, Any] = {"value": value}
        if method == SplitMethod.FIXED:
            item["percent"] = str(_percent(target.get("percent") if isinstance(target, dict) else None, value))
        clean.append(item)
    if method == SplitMethod.FIXED:
        total = sum((Decimal(t["percent"]) for t in clean), Decimal(0))
        if total != HUNDRED:
            raise _invalid(_("The shares add up to %(sum)s %%, they must add up to 100 %%.") % {
                "sum": format_number(total, places=max(0, -total.normalize().as_tuple().exponent))}, "targets")
    chosen = _metric(metric) if method == SplitMethod.METRIC else None
    if method == SplitMethod.METRIC:
        if chosen is None:
            raise _invalid(_("Choose the business metric to split by."), "metric")
        if chosen.dimension_id != found.id:
            raise _invalid(_("The metric «%(metric)s» has no figures by «%(dimension)s»: give it that dimension "
                             "or choose another metric.") % {"metric": chosen.name,
                                                              "dimension": dimension_label(found)}, "metric")
    try:
        order_value = int(order or 0)
    except (TypeError, ValueError) as exc:
        raise _invalid(_("The order is a whole number."), "order") from exc
    known = set(DimensionValue.objects.filter(dimension=found).values_list("value", flat=True))
    return SplitInput(name=name, conditions=checked, dimension=found, method=method, targets=clean, metric=chosen,
                      order=order_value, enabled=bool(enabled),
                      new_values=[t["value"] for t in clean if t["value"] not in known])


def _values_add(data: SplitInput) -> None:
    for value in data.new_values:
        DimensionValue.objects.get_or_create(dimension=data.dimension, value=value)


def _audit_data(split: SharedCost) -> dict[str, Any]:
    return {"name": split.name, "method": split.method, "dimension": split.dimension.key,
            "targets": [t.get("value") for t in split.targets], "enabled": split.enabled}


def _target(split: SharedCost) -> str:
    return f"{split.name} (#{split.pk})"[:254]


# --- writes -----------------------------------------------------------------------------------------------------

@transaction.atomic
def shared_cost_create(*, actor, name: Any, conditions: Any, dimension: Any, method: Any, targets: Any,
                       metric: Any = None, order: Any = 0, enabled: Any = True) -> SharedCost:
    data = split_input_validate(name=name, conditions=conditions, dimension=dimension, method=method,
                                targets=targets, metric=metric, order=order, enabled=enabled)
    _values_add(data)
    split = SharedCost.objects.create(name=data.name, order=data.order, conditions=data.conditions,
                                      dimension=data.dimension, method=data.method, targets=data.targets,
                                      metric=data.metric, enabled=data.enabled,
                                      created_by_id=getattr(actor, "pk", None))
    allocation_changed(actor=actor, action="allocation.split_created", target=_target(split),
                       data=_audit_data(split))
    return split


@transaction.atomic
def shared_cost_update(*, split: SharedCost, actor, **changes: Any) -> SharedCost:
    """Change any of name, conditions, dimension, method, targets, metric, order, enabled (the rest kept)."""
    current = {"name": split.name, "conditions": split.conditions, "dimension": split.dimension,
               "method": split.method, "targets": split.targets, "metric": split.metric_id,
               "order": split.order, "enabled": split.enabled}
    current.update({k: v for k, v in changes.items() if k in current})
    data = split_input_validate(**current)
    _values_add(data)
    split.name, split.order, split.conditions = data.name, data.order, data.conditions
    split.dimension, split.method, split.targets = data.dimension, data.method, data.targets
    split.metric, split.enabled = data.metric, data.enabled
    split.save()
    allocation_changed(actor=actor, action="allocation.split_updated", target=_target(split),
                       data=_audit_data(split))
    return split


@transaction.atomic
def shared_cost_enable(*, split: SharedCost, actor, enabled: bool) -> SharedCost:
    """Switch a split on or off without re-checking the rest (a split gone invalid can always be switched off)."""
    if enabled:
        split_input_validate(name=split.name, conditions=split.conditions, dimension=split.dimension,
                             method=split.method, targets=split.targets, metric=split.metric_id)
    split.enabled = bool(enabled)
    split.save(update_fields=["enabled", "updated_at"])
    allocation_changed(actor=actor, action="allocation.split_updated", target=_target(split),
                       data=_audit_data(split))
    return split


@transaction.atomic
def shared_cost_delete(*, split: SharedCost, actor) -> None:
    data, target = _audit_data(split), _target(split)
    split.delete()
    allocation_changed(actor=actor, action="allocation.split_deleted", target=target, data=data)


# --- reads ------------------------------------------------------------------------------------------------------

def shared_cost_list() -> list[SharedCost]:
    return list(SharedCost.objects.select_related("dimension", "metric").order_by("order", "id"))


def shared_cost_get(*, pk: Any) -> SharedCost:
    """The shared cost, or ``SharedCost.DoesNotExist`` (the active schema scopes it to the organization)."""
    return SharedCost.objects.select_related("dimension", "metric").get(pk=pk)


def preview_period(today: date | None = None) -> tuple[date, date]:
    """The last 30 days, today included (the organization's time zone)."""
    end = today or timezone.localdate()
    return end - timedelta(days=PREVIEW_DAYS - 1), end


@dataclass
class SplitPreview:
    start: date
    end: date
    currency: str
    matched_cost: Decimal
    lines: list[dict[str, Any]]
    split: list[dict[str, Any]]


def shared_cost_preview(*, name: Any = "", conditions: Any, dimension: Any, method: Any, targets: Any,
                        metric: Any = None, start: date | None = None, end: date | None = None) -> SplitPreview:
    """What a (saved or not) shared cost matches over the period (the last 30 days by default) and how it would
    be split per target value, with the shares the rollups would use (per day: fixed percentages, the values'
    own allocated cost or metric figures that day, evenly without a basis). Billed cost, organization currency."""
    data = split_input_validate(name=name or "preview", conditions=conditions, dimension=dimension,
                                method=method, targets=targets, metric=metric)
    if start is None or end is None:
        start, end = preview_period()
    split = SharedCost(id=0, name=data.name, conditions=data.conditions, dimension=data.dimension,
                       method=data.method, targets=data.targets, metric=data.metric)
    lines = shared_cost_lines(conditions=data.conditions, start=start, end=end)
    values = [t["value"] for t in data.targets]
    basis = split_basis({0: split}, {0}, start=start, end=end)
    per_day: dict[date, Decimal] = defaultdict(Decimal)
    by_line: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        per_day[line["charge_date"]] += line["cost"]
        by_line[(line["resource_id"], line["name"], line["service"])] += line["cost"]
    shares_total: dict[str, Decimal] = defaultdict(Decimal)
    for day, amount in per_day.items():
        for value, share in split_shares(split, values, basis.get((0, split_basis_day(split, day)), {})).items():
            shares_total[value] += amount * share
    matched = sum(per_day.values(), Decimal(0))
    out_lines = [{"resource_id": rid, "name": label or rid, "service": service, "cost": cost.quantize(CENT)}
                 for (rid, label, service), cost in sorted(by_line.items(), key=lambda item: -item[1])]
    split_rows = [{"value": value, "share": (shares_total[value] / matched if matched else Decimal(0)),
                   "cost": shares_total[value].quantize(CENT)} for value in values]
    if not matched:  # nothing matched yet: the shares the method would use
        even = split_shares(split, values, {})
        split_rows = [{"value": value, "share": even.get(value, Decimal(0)), "cost": Decimal("0.00")}
                      for value in values]
    for row in split_rows:
        row["share"] = row["share"].quantize(Decimal("0.0001"))
    return SplitPreview(start=start, end=end, currency=organization_currency(), matched_cost=matched.quantize(CENT),
                        lines=out_lines, split=split_rows)


@dataclass
class SplitResult:
    """What an applied shared cost did over a period: its total and the amount each value received."""

    total: Decimal = Decimal(0)
    by_value: dict[str, Decimal] = field(default_factory=dict)


def shared_cost_results(*, start: date, end: date) -> dict[int, SplitResult]:
    """Shared cost id -> what the rollups split of it over ``start..end`` (billed cost, organization currency),
    read from the daily rollup's split rows (``allocated_method_id`` = ``split:<id>``)."""
    rows = (CostDaily.objects.filter(charge_date__range=(start, end), billed_cost_org__isnull=False,
                                     allocated_method_id__startswith=SPLIT_METHOD_PREFIX)
            .order_by().values_list("allocated_method_id", "signature__allocation_id")
            .annotate(total=Sum("billed_cost_org")))
    sets = allocation_set_values()
    splits = {s.id: s.dimension.key for s in SharedCost.objects.select_related("dimension")}
    out: dict[int, SplitResult] = {}
    for method_id, allocation_id, total in rows:
        try:
            split_id = int(method_id[len(SPLIT_METHOD_PREFIX):])
        except ValueError:
            continue
        result = out.setdefault(split_id, SplitResult(by_value={}))
        result.total += total or Decimal(0)
        value = (sets.get(allocation_id) or {}).get(splits.get(split_id, ""), "")
        result.by_value[value] = result.by_value.get(value, Decimal(0)) + (total or Decimal(0))
    return out
