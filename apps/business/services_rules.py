"""Writes of the allocation definitions people edit: dimensions and their values, ordered rules, manual
overrides. Each checks its input (plain Russian errors, ``ApplicationError``), writes, and calls
``services.allocation_changed`` (audit, new version, the history recalculated in the background)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from apps.allocation.engine import conditions_as_json, conditions_validate
from apps.allocation.models import Dimension, DimensionValue, ResourceOverride, Rule
from apps.allocation.services import allocation_state_get
from apps.allocation.vocabulary import DIMENSION_KEY_PATTERN, MAX_DIMENSIONS, RESERVED_KEYS
from apps.audit.services import audit_event_record
from apps.common.errors import ApplicationError, ErrorCode
from apps.costs.services.allocation_apply import allocation_apply_enqueue

from .services import allocation_changed

MAX_VALUE = 100
MAX_ACTIONS = 20


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, extra={field: [message]})


# --- dimensions ---------------------------------------------------------------------------------------------------

def _clean_values(values: Any) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list | tuple):
        raise _invalid("values", _("Values are a list of texts."))
    out: list[str] = []
    for item in values:
        text = str(item).strip() if isinstance(item, str | int) and not isinstance(item, bool) else ""
        if not text:
            raise _invalid("values", _("Every value must be a non-empty text."))
        if len(text) > MAX_VALUE:
            raise _invalid("values", _("A value is at most %(max)s characters.") % {"max": MAX_VALUE})
        if text not in out:
            out.append(text)
    return out


def _values_replace(dimension: Dimension, values: list[str]) -> None:
    dimension.values.exclude(value__in=values).delete()
    existing = set(dimension.values.values_list("value", flat=True))
    DimensionValue.objects.bulk_create([DimensionValue(dimension=dimension, value=v) for v in values
                                        if v not in existing])


def dimension_values_add(*, dimension: Dimension, values: list[str]) -> None:
    """Add values the dimension's list does not have yet (a rule or an override used them)."""
    existing = set(dimension.values.values_list("value", flat=True))
    DimensionValue.objects.bulk_create([DimensionValue(dimension=dimension, value=v) for v in dict.fromkeys(values)
                                        if v and v not in existing])


def _check_name(name: Any) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise _invalid("name", _("The name is required."))
    if len(name) > 100:
        raise _invalid("name", _("The name is at most %(max)s characters.") % {"max": 100})
    return name


@transaction.atomic
def dimension_create(*, actor, key: str, name: str, values: list[str] | None = None,
                     required: bool = False) -> Dimension:
    key = (key or "").strip()
    if not re.match(DIMENSION_KEY_PATTERN, key):
        raise _invalid("key", _("The key is 1 to 40 lowercase Latin letters, digits or «_», starting with a "
                                "letter (for example, team)."))
    if key in RESERVED_KEYS:
        raise _invalid("key", _("The key «%(key)s» is reserved; choose another.") % {"key": key})
    if Dimension.objects.filter(key=key).exists():
        raise _invalid("key", _("A dimension with the key «%(key)s» already exists.") % {"key": key})
    if Dimension.objects.count() >= MAX_DIMENSIONS:
        raise _invalid("key", _("An organization has at most %(max)s dimensions.") % {"max": MAX_DIMENSIONS})
    name = _check_name(name)
    clean = _clean_values(values)
    position = (Dimension.objects.aggregate(top=Max("position"))["top"] or 0) + 1
    dimension = Dimension.objects.create(key=key, name=name, required=bool(required), builtin=False,
                                         position=position)
    _values_replace(dimension, clean)
    allocation_changed(actor=actor, action="allocation.dimension_created", target=key,
                       data={"name": name, "values": clean, "required": bool(required)})
    return dimension


@transaction.atomic
def dimension_update(*, actor, dimension: Dimension, key: str | None = None, name: str | None = None,
                     values: list[str] | None = None, required: bool | None = None) -> Dimension:
    if key is not None and key != dimension.key:
        raise _invalid("key", _("The key of a dimension cannot be changed; create a new dimension instead."))
    changed: dict[str, Any] = {}
    if name is not None and not dimension.builtin:
        dimension.name = _check_name(name)
        changed["name"] = dimension.name
    if required is not None:
        dimension.required = bool(required)
        changed["required"] = dimension.required
    dimension.save()
    if values is not None:
        clean = _clean_values(values)
        _values_replace(dimension, clean)
        changed["values"] = clean
    allocation_changed(actor=actor, action="allocation.dimension_updated", target=dimension.key, data=changed)
    return dimension


@transaction.atomic
def dimension_delete(*, actor, dimension: Dimension) -> None:
    if dimension.builtin:
        raise ApplicationError(_("A built-in dimension cannot be deleted."), ErrorCode.CONFLICT, http_status=409)
    key = dimension.key
    dimension.delete()
    allocation_changed(actor=actor, action="allocation.dimension_deleted", target=key, data={})


# --- rules --------------------------------------------------------------------------------------------------------

def actions_validate(actions: Any) -> dict[str, str]:
    """``{"<dimension key>": "<value>"}``: known keys, non-empty values, at least one."""
    if not isinstance(actions, Mapping) or not actions:
        raise _invalid("actions", _("A rule sets at least one dimension value."))
    if len(actions) > MAX_ACTIONS:
        raise _invalid("actions", _("At most %(max)s actions.") % {"max": MAX_ACTIONS})
    known = set(Dimension.objects.values_list("key", flat=True))
    out: dict[str, str] = {}
    for key, value in actions.items():
        if key not in known:
            raise _invalid("actions", _("Unknown dimension «%(key)s».") % {"key": key})
        text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
        if not text:
            raise _invalid("actions", _("The value of «%(key)s» is required.") % {"key": key})
        if len(text) > MAX_VALUE:
            raise _invalid("actions", _("A value is at most %(max)s characters.") % {"max": MAX_VALUE})
        out[key] = text
    return out


def rule_input_clean(*, name: Any, conditions: Any, actions: Any) -> tuple[str, list[dict], dict[str, str]]:
    """A rule's name, conditions and actions checked and normalized (shared by save and preview)."""
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise _invalid("name", _("The name is required."))
    if len(name) > 200:
        raise _invalid("name", _("The name is at most %(max)s characters.") % {"max": 200})
    return name, conditions_as_json(conditions_validate(conditions)), actions_validate(actions)


def _add_action_values(actions: dict[str, str]) -> None:
    for dimension in Dimension.objects.filter(key__in=list(actions)):
        dimension_values_add(dimension=dimension, values=[actions[dimension.key]])


def _next_order() -> int:
    return (Rule.objects.aggregate(top=Max("order"))["top"] or 0) + 10


def _rule_data(rule: Rule) -> dict[str, Any]:
    return {"name": rule.name, "order": rule.order, "enabled": rule.enabled, "conditions": rule.conditions,
            "actions": rule.actions}


@transaction.atomic
def rule_create(*, actor, name: str, conditions: Any, actions: Any, order: int | None = None,
                enabled: bool = True, source: str = "") -> Rule:
    name, conditions, actions = rule_input_clean(name=name, conditions=conditions, actions=actions)
    rule = Rule.objects.create(name=name, conditions=conditions, actions=actions, enabled=enabled, source=source,
                               order=_next_order() if order is None else order,
                               created_by_id=getattr(actor, "pk", None))
    _add_action_values(actions)
    allocation_changed(actor=actor, action="allocation.rule_created", target=f"rule:{rule.pk}",
                       data=_rule_data(rule))
    return rule


@transaction.atomic
def rule_update(*, actor, rule: Rule, **fields: Any) -> Rule:
    name, conditions, actions = rule_input_clean(
        name=fields.get("name", rule.name), conditions=fields.get("conditions", rule.conditions),
        actions=fields.get("actions", rule.actions))
    rule.name, rule.conditions, rule.actions = name, conditions, actions
    if fields.get("order") is not None:
        rule.order = fields["order"]
    if fields.get("enabled") is not None:
        rule.enabled = bool(fields["enabled"])
    rule.save()
    _add_action_values(actions)
    allocation_changed(actor=actor, action="allocation.rule_updated", target=f"rule:{rule.pk}",
                       data=_rule_data(rule))
    return rule


@transaction.atomic
def rule_delete(*, actor, rule: Rule) -> None:
    data = _rule_data(rule)
    target = f"rule:{rule.pk}"
    rule.delete()
    allocation_changed(actor=actor, action="allocation.rule_deleted", target=target, data=data)


@transaction.atomic
def rule_move(*, actor, rule: Rule, up: bool) -> None:
    """Swap the rule with its neighbour above (``up``) or below; orders are renumbered 10, 20... on the way."""
    rules = list(Rule.objects.select_for_update().order_by("order", "id"))
    at = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    other = at - 1 if up else at + 1
    if other < 0 or other >= len(rules):
        return
    rules[at], rules[other] = rules[other], rules[at]
    for position, item in enumerate(rules, start=1):
        if item.order != position * 10:
            Rule.objects.filter(pk=item.pk).update(order=position * 10)
    allocation_changed(actor=actor, action="allocation.rule_moved", target=f"rule:{rule.pk}",
                       data={"name": rule.name, "direction": "up" if up else "down"})


# --- overrides ----------------------------------------------------------------------------------------------------

def _override_values(values: Any) -> dict[str, str]:
    if not isinstance(values, Mapping):
        raise _invalid("values", _("Values are an object: dimension key -> value."))
    cleaned = {k: v for k, v in values.items() if not (v is None or isinstance(v, str) and not v.strip())}
    if not cleaned:
        raise _invalid("values", _("Set at least one dimension value."))
    try:
        return actions_validate(cleaned)
    except ApplicationError as exc:
        raise _invalid("values", exc.message) from exc


@transaction.atomic
def override_set(*, actor, connection_id: int | None, resource_id: str, values: Any, note: str = "",
                 override: ResourceOverride | None = None) -> ResourceOverride:
    """Create or change the manual values of one resource (one override per connection and resource)."""
    resource_id = (resource_id or "").strip()
    if not resource_id:
        raise _invalid("resource_id", _("The resource is required."))
    clean = _override_values(values)
    if override is None:
        override = ResourceOverride.objects.filter(connection_id=connection_id, resource_id=resource_id).first()
    created = override is None
    if override is None:
        override = ResourceOverride(created_by_id=getattr(actor, "pk", None))
    elif ResourceOverride.objects.filter(connection_id=connection_id, resource_id=resource_id).exclude(
            pk=override.pk).exists():
        raise _invalid("resource_id", _("This resource already has manual values."))
    override.connection_id, override.resource_id = connection_id, resource_id
    override.values, override.note = clean, (note or "").strip()
    override.save()
    _add_action_values(clean)
    allocation_changed(actor=actor, action="allocation.override_set" if created else "allocation.override_updated",
                       target=resource_id[:254], data={"connection": connection_id, "values": clean,
                                                       "note": override.note})
    return override


@transaction.atomic
def override_delete(*, actor, override: ResourceOverride) -> None:
    target, data = override.resource_id[:254], {"connection": override.connection_id, "values": override.values}
    override.delete()
    allocation_changed(actor=actor, action="allocation.override_deleted", target=target, data=data)


@transaction.atomic
def allocation_apply(*, actor) -> int:
    """Recalculate the history with the current definitions now (the «Применить» button); returns the version."""
    version = allocation_state_get().version
    audit_event_record(schema_name=connection.schema_name, action="allocation.applied", actor=actor,
                       target="allocation", data={"version": version})
    allocation_apply_enqueue(version=version)
    return version
