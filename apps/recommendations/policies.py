"""Guardrail policies: each kind checks the resources its scope selects and yields a violation per resource.

A policy is ``{"name", "kind", "params", "scope"}``; ``policy_clean`` validates one (every problem named, in
Russian), ``policy_violations`` evaluates the enabled ones over the rules' ``Context`` (pure, no database).
Violations are findings of category ``policy``: no savings, a risk level, the owner from the resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from apps.common.errors import ApplicationError

from .context import Context, ResourceView
from .exceptions import RecommendationErrorCode
from .rules.base import FindingDraft, money, number
from .vocabulary import Action, Category, Confidence, PolicyKind, Risk

POLICY_RULE = "policy"
SCOPE_KEYS = ("providers", "connections", "kinds", "regions", "environments", "tags")
REQUIRED_FIELDS = ("owner", "team", "business_unit", "project", "environment", "cost_center", "feature_tag", "purpose")


def _strings(value: Any, field: str, errors: dict[str, str], *, required: bool = False) -> list[str]:
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors[field] = _("Expected a list of non-empty strings.")
        return []
    if required and not value:
        errors[field] = _("List at least one value.")
    return [v.strip() for v in value]


def _positive(value: Any, field: str, errors: dict[str, str], *, integer: bool = False,
              maximum: Decimal | None = None) -> Decimal | None:
    try:
        amount = Decimal(str(value))
        if not amount.is_finite() or amount <= 0 or (integer and amount != amount.to_integral_value()):
            raise ValueError
        if maximum is not None and amount > maximum:
            raise ValueError
    except (ArithmeticError, ValueError):
        errors[field] = (_("Expected a whole number of days from 1 to %(max)s.") % {"max": maximum} if integer
                         else _("Expected a positive amount."))
        return None
    return amount


def _allowed(value: Any, errors: dict[str, str]) -> dict[str, list[str]]:
    """``{"tag key": ["allowed value", ...]}``; an empty list allows any value (the key only has to be set)."""
    if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and k.strip() and isinstance(v, list) and all(isinstance(x, str) and x.strip()
                                                                              for x in v)
            for k, v in value.items()):
        errors["params.allowed"] = _("Expected an object of tag keys and lists of allowed values.")
        return {}
    return {k.strip(): list(dict.fromkeys(x.strip() for x in v)) for k, v in value.items()}


def policy_clean(*, kind: str, params: Any, scope: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validated ``(params, scope)`` of a policy of ``kind``; ``ApplicationError`` listing every problem."""
    errors: dict[str, str] = {}
    if kind not in PolicyKind.values:
        raise ApplicationError(_("Unknown policy kind «%(kind)s».") % {"kind": kind},
                               RecommendationErrorCode.INVALID_POLICY,
                               extra={"fields": {"kind": _("Choose one of: %(kinds)s.") % {
                                   "kinds": ", ".join(PolicyKind.values)}}})
    params = params if params is not None else {}
    scope = scope if scope is not None else {}
    if not isinstance(params, Mapping):
        errors["params"] = _("Expected an object.")
        params = {}
    if not isinstance(scope, Mapping):
        errors["scope"] = _("Expected an object.")
        scope = {}
    clean: dict[str, Any] = {}
    if kind == PolicyKind.REQUIRED_TAGS:
        clean["tags"] = _strings(params.get("tags"), "params.tags", errors)
        clean["fields"] = _strings(params.get("fields"), "params.fields", errors)
        bad = [f for f in clean["fields"] if f not in REQUIRED_FIELDS]
        if bad:
            errors["params.fields"] = _("Unknown fields: %(fields)s. Known: %(known)s.") % {
                "fields": ", ".join(bad), "known": ", ".join(REQUIRED_FIELDS)}
        if "allowed" in params:
            clean["allowed"] = _allowed(params.get("allowed"), errors)
        if not clean["tags"] and not clean["fields"] and not clean.get("allowed") and "params.tags" not in errors:
            errors["params.tags"] = _("Name at least one tag or field.")
    elif kind == PolicyKind.MAX_MONTHLY_COST:
        clean["amount"] = str(_positive(params.get("amount"), "params.amount", errors) or "")
    elif kind == PolicyKind.FORBIDDEN_REGIONS:
        clean["regions"] = _strings(params.get("regions"), "params.regions", errors, required=True)
    elif kind == PolicyKind.FORBIDDEN_TYPES:
        clean["types"] = _strings(params.get("types"), "params.types", errors)
        clean["kinds"] = _strings(params.get("kinds"), "params.kinds", errors)
        if not clean["types"] and not clean["kinds"] and "params.types" not in errors:
            errors["params.types"] = _("Name at least one resource type or kind.")
    elif kind == PolicyKind.TTL:
        days = _positive(params.get("days"), "params.days", errors, integer=True, maximum=Decimal(3650))
        clean["days"] = int(days) if days is not None else None
        clean["environments"] = _strings(params.get("environments"), "params.environments", errors)
    unknown = [k for k in params if k not in clean]
    if unknown:
        errors["params"] = _("Unknown parameters: %(keys)s.") % {"keys": ", ".join(map(str, unknown))}
    clean_scope: dict[str, Any] = {}
    for key, value in scope.items():
        if key not in SCOPE_KEYS:
            errors[f"scope.{key}"] = _("Unknown scope key. Known: %(known)s.") % {"known": ", ".join(SCOPE_KEYS)}
        elif key == "tags":
            if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
                errors["scope.tags"] = _("Expected an object of tag keys and values.")
            else:
                clean_scope["tags"] = {str(k): v for k, v in value.items()}
        elif key == "connections":
            if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                errors["scope.connections"] = _("Expected a list of connection ids.")
            else:
                clean_scope["connections"] = value
        else:
            clean_scope[key] = _strings(value, f"scope.{key}", errors)
    if errors:
        raise ApplicationError(_("The policy is invalid."), RecommendationErrorCode.INVALID_POLICY,
                               extra={"fields": errors})
    return clean, clean_scope


def in_scope(resource: ResourceView, scope: Mapping[str, Any]) -> bool:
    def allowed(key: str, value: Any) -> bool:
        values = scope.get(key)
        return not values or value in values

    if not (allowed("providers", resource.provider) and allowed("connections", resource.connection_id)
            and allowed("kinds", resource.kind) and allowed("regions", resource.region)
            and allowed("environments", resource.env)):
        return False
    return all(resource.tags.get(k) == v for k, v in (scope.get("tags") or {}).items())


def _draft(policy, resource: ResourceView, title: str, detail: str, risk: str, **evidence: Any) -> FindingDraft:
    return FindingDraft(
        resource=resource, action=Action.FIX_POLICY, title=title, formula=detail, savings=None,
        confidence=Confidence.HIGH, confidence_reason=_("Checked against the resource's current inventory data."),
        risk=risk, subject=f"{policy.pk}:{resource.pk}", category=Category.POLICY,
        action_text=_("Bring the resource in line with the policy «%(policy)s» or change the policy.") % {
            "policy": policy.name},
        evidence={"policy_id": policy.pk, "policy": policy.name, "kind": policy.kind, **evidence})


def policy_violations(context: Context, policies: Iterable[Any]) -> Iterable[FindingDraft]:
    """Every violation of every policy given (objects with ``pk``, ``name``, ``kind``, ``params``, ``scope``)."""
    for policy in policies:
        params, scope = policy.params or {}, policy.scope or {}
        for resource in context.resources:
            if not in_scope(resource, scope):
                continue
            draft = _check(policy, params, resource, context)
            if draft is not None:
                yield draft


def _check(policy, params: Mapping[str, Any], resource: ResourceView, context: Context) -> FindingDraft | None:
    name = resource.label
    if policy.kind == PolicyKind.REQUIRED_TAGS:
        missing = [f"#{tag}" for tag in params.get("tags", []) if not resource.tags.get(tag)]
        missing += [field for field in params.get("fields", []) if not resource.business.get(field)]
        # A value outside the key's allowed list (tag governance); an unset optional key is not checked here.
        disallowed = [f"#{key}={resource.tags[key]}" for key, values in (params.get("allowed") or {}).items()
                      if values and resource.tags.get(key) and resource.tags[key] not in values]
        if not missing and not disallowed:
            return None
        if not disallowed:
            title = _("«%(name)s» lacks %(missing)s") % {"name": name, "missing": ", ".join(missing)}
            return _draft(policy, resource, title,
                          _("Missing: %(missing)s.") % {"missing": ", ".join(missing)}, Risk.LOW, missing=missing)
        allowed = params.get("allowed") or {}
        details = [_("%(tag)s is not allowed (allowed: %(values)s).") % {
            "tag": tag, "values": ", ".join(allowed[tag[1:].split("=", 1)[0]])} for tag in disallowed]
        if missing:
            details.insert(0, _("Missing: %(missing)s.") % {"missing": ", ".join(missing)})
        title = _("«%(name)s» breaks the tag rules: %(tags)s") % {"name": name, "tags": ", ".join(missing + disallowed)}
        return _draft(policy, resource, title, " ".join(details), Risk.LOW, missing=missing,
                      disallowed=disallowed)
    if policy.kind == PolicyKind.MAX_MONTHLY_COST:
        limit = Decimal(str(params.get("amount") or 0))
        cost, source = context.monthly_cost(resource)
        if not limit or cost is None or cost <= limit:
            return None
        return _draft(policy, resource, _("«%(name)s» costs more than %(limit)s a month") % {
            "name": name, "limit": money(limit, context.currency)},
            _("%(cost)s a month (%(source)s) > limit %(limit)s") % {
                "cost": money(cost, context.currency), "limit": money(limit, context.currency),
                "source": _("price") if source == "price" else _("ledger, last 30 days")},
            Risk.MEDIUM, monthly_cost=cost, limit=limit)
    if policy.kind == PolicyKind.FORBIDDEN_REGIONS:
        if resource.region not in params.get("regions", []):
            return None
        return _draft(policy, resource, _("«%(name)s» is in the forbidden region %(region)s") % {
            "name": name, "region": resource.region},
            _("Region %(region)s is on the policy's list.") % {"region": resource.region}, Risk.HIGH,
            region=resource.region)
    if policy.kind == PolicyKind.FORBIDDEN_TYPES:
        if resource.resource_type not in params.get("types", []) and resource.kind not in params.get("kinds", []):
            return None
        return _draft(policy, resource, _("«%(name)s» is of a forbidden type %(type)s") % {
            "name": name, "type": resource.resource_type},
            _("Type %(type)s is on the policy's list.") % {"type": resource.resource_type}, Risk.MEDIUM,
            resource_type=resource.resource_type)
    if policy.kind == PolicyKind.TTL:
        environments = [e.lower() for e in params.get("environments", [])]
        if environments:
            if resource.env not in environments:
                return None
        elif not resource.is_non_production:
            return None
        born = resource.created_at or resource.first_seen_at
        days = int(params.get("days") or 0)
        if born is None or not days:
            return None
        age = (context.now - born).days
        if age <= days:
            return None
        return _draft(policy, resource, _("«%(name)s» has outlived its %(days)s days") % {"name": name, "days": days},
                      _("Created %(age)s days ago; non-production resources live %(days)s days at most.") % {
                          "age": number(Decimal(age)), "days": days},
                      Risk.LOW, age_days=age, ttl_days=days)
    return None
