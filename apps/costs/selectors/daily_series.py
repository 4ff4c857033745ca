"""Daily spend per scope (provider, service, connection, a tag's value, an allocation dimension's value) and what
changed inside a scope: the series the anomaly detection reads, and the resources behind an increase.

Money is the invoiced view (BilledCost) converted to the organization's currency at each charge date's rate
(``billed_cost_org``), from the daily rollups; a day without a rate is left out, as the dashboard leaves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum

from apps.allocation.selectors import allocation_set_values, allocation_sets_matching, dimensions_list

from ..models import CostDaily, CostDailyTag
from .explorer import group_labels

ZERO = Decimal(0)
# Scope type -> the rollup column it groups by.
SCOPE_COLUMNS = {"provider": "provider_name", "service": "service_name", "connection": "connection_id"}


def _scoped(*, scope_type: str, scope_key: str, start: date, end: date) -> QuerySet:
    """Rollup rows of one scope; a tag scope's key is ``"<tag key>=<value>"``."""
    if scope_type == "resource_group":
        tag_key, _sep, tag_value = scope_key.partition("=")
        qs = CostDailyTag.objects.filter(tag_key=tag_key, tag_value=tag_value)
    elif scope_type == "allocation":
        dimension, _sep, value = scope_key.partition("=")
        qs = CostDaily.objects.filter(signature__allocation_id__in=allocation_sets_matching(dimension, [value]))
    else:
        column = SCOPE_COLUMNS[scope_type]
        qs = CostDaily.objects.filter(**{column: int(scope_key) if column == "connection_id" else scope_key})
    return qs.filter(charge_date__range=(start, end), billed_cost_org__isnull=False).order_by()


def daily_cost_by_scope(*, scope_type: str, start: date, end: date) -> dict[str, dict[date, Decimal]]:
    """``{scope key: {charge date: amount}}`` for every value of a dimension (connections by id as text); one
    query. Rows without a connection are not a connection scope."""
    column = SCOPE_COLUMNS[scope_type]
    qs = CostDaily.objects.filter(charge_date__range=(start, end), billed_cost_org__isnull=False).order_by()
    if column == "connection_id":
        qs = qs.exclude(connection_id=None)
    out: dict[str, dict[date, Decimal]] = {}
    for key, day, amount in (qs.values(column, "charge_date").annotate(total=Sum("billed_cost_org"))
                             .values_list(column, "charge_date", "total")):
        out.setdefault(str(key), {})[day] = amount or ZERO
    return out


def daily_cost_by_tag(*, keys: Sequence[str], start: date, end: date) -> dict[str, dict[date, Decimal]]:
    """``{"<tag key>=<value>": {charge date: amount}}`` for every value of the given tag keys; one query."""
    if not keys:
        return {}
    rows = (CostDailyTag.objects.filter(tag_key__in=list(keys), charge_date__range=(start, end),
                                        billed_cost_org__isnull=False).exclude(tag_value="").order_by()
            .values("tag_key", "tag_value", "charge_date").annotate(total=Sum("billed_cost_org"))
            .values_list("tag_key", "tag_value", "charge_date", "total"))
    out: dict[str, dict[date, Decimal]] = {}
    for key, value, day, amount in rows:
        out.setdefault(f"{key}={value}", {})[day] = amount or ZERO
    return out


def daily_cost_by_allocation(*, start: date, end: date, limit: int) -> dict[str, dict[date, Decimal]]:
    """``{"<dimension key>=<value>": {charge date: amount}}`` for the ``limit`` values of each allocation dimension
    with the most cost over ``start..end`` (the unallocated cost is no scope: it is what no value explains); one
    query. Empty when nothing is allocated."""
    per_set: dict[int, dict[date, Decimal]] = {}
    rows = (CostDaily.objects.filter(charge_date__range=(start, end), signature__allocation__isnull=False,
                                     billed_cost_org__isnull=False).order_by()
            .values("signature__allocation_id", "charge_date").annotate(total=Sum("billed_cost_org"))
            .values_list("signature__allocation_id", "charge_date", "total"))
    for set_id, day, amount in rows:
        per_set.setdefault(set_id, {})[day] = amount or ZERO
    if not per_set:
        return {}
    set_values = allocation_set_values()
    series: dict[str, dict[str, dict[date, Decimal]]] = {}  # dimension -> value -> days
    for set_id, days in per_set.items():
        for dimension, value in set_values.get(set_id, {}).items():
            if not value:
                continue
            target = series.setdefault(dimension, {}).setdefault(value, {})
            for day, amount in days.items():
                target[day] = target.get(day, ZERO) + amount
    out: dict[str, dict[date, Decimal]] = {}
    for dimension, values in series.items():
        top = sorted(values.items(), key=lambda item: (-sum(item[1].values(), ZERO), item[0]))[:limit]
        for value, days in top:
            out[f"{dimension}={value}"] = days
    return out


def scope_labels(*, scope_type: str, keys: list[str]) -> dict[str, str]:
    """Names to show for scope keys: a connection's name, an allocation value as «Dimension = value»; other keys
    are their own name."""
    if scope_type == "connection":
        return group_labels(group_by="connection", keys=keys)
    if scope_type == "allocation":
        from apps.allocation.selectors import dimension_label

        names = {d.key: dimension_label(d) for d in dimensions_list()}
        labels = {}
        for key in keys:
            dimension, _sep, value = key.partition("=")
            labels[key] = f"{names.get(dimension, dimension)} = {value}"
        return labels
    return {key: key for key in keys}


def scope_contributors(*, scope_type: str, scope_key: str, start: date, end: date, baseline_start: date,
                       baseline_end: date, limit: int = 5) -> list[dict]:
    """The resources (or, for charges without a resource, the service and resource type) whose spend grew most in
    ``start..end`` against their daily average over ``baseline_start..baseline_end`` times the days: ``[{"key",
    "label", "service", "actual", "expected", "increase"}]``, largest increase first, only increases."""
    days = (end - start).days + 1
    baseline_days = (baseline_end - baseline_start).days + 1
    fields = ("resource_id", "service_name", "resource_type")
    now = {tuple(row[:3]): row[3] for row in _scoped(scope_type=scope_type, scope_key=scope_key, start=start, end=end)
           .values(*fields).annotate(total=Sum("billed_cost_org")).values_list(*fields, "total")}
    before = {tuple(row[:3]): row[3] for row in
              _scoped(scope_type=scope_type, scope_key=scope_key, start=baseline_start, end=baseline_end)
              .values(*fields).annotate(total=Sum("billed_cost_org")).values_list(*fields, "total")}
    ranked = []
    for key, actual in now.items():
        expected = (before.get(key) or ZERO) * days / baseline_days if baseline_days > 0 else ZERO
        increase = (actual or ZERO) - expected
        if increase > 0:
            ranked.append((key, actual or ZERO, expected, increase))
    ranked.sort(key=lambda item: -item[3])
    ranked = ranked[:limit]
    names = group_labels(group_by="resource", keys=[key[0] for key, *_rest in ranked if key[0]])
    cent = Decimal("0.01")
    return [{
        "key": resource_id or f"{service}/{resource_type}",
        "label": names.get(resource_id, resource_id) if resource_id else " · ".join(v for v in (service, resource_type)
                                                                                     if v) or service,
        "service": service,
        "actual": str(actual.quantize(cent)),
        "expected": str(expected.quantize(cent)),
        "increase": str(increase.quantize(cent)),
    } for (resource_id, service, resource_type), actual, expected, increase in ranked]
