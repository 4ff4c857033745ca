"""The rules registry: ``settings.RECOMMENDATION_RULES`` maps a rule key to the dotted path of its class.

An organization's ``RuleSetting`` rows override a rule's parameters (and can switch it off); anything they leave
out keeps the rule's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from apps.common.errors import ApplicationError

from .exceptions import RecommendationErrorCode
from .rules.base import Rule


@cache
def _load(path: str) -> Rule:
    return import_string(path)()


def rule_paths() -> dict[str, str]:
    return dict(getattr(settings, "RECOMMENDATION_RULES", {}))


def rules() -> list[Rule]:
    """Every registered rule, in the settings' order."""
    found = []
    for key, path in rule_paths().items():
        rule = _load(path)
        if rule.key != key:
            raise ValueError(f"RECOMMENDATION_RULES[{key!r}] is {path} whose key is {rule.key!r}")
        found.append(rule)
    return found


def rule_get(key: str) -> Rule:
    path = rule_paths().get(key)
    if path is None:
        raise ApplicationError(_("Unknown rule «%(rule)s».") % {"rule": key}, RecommendationErrorCode.UNKNOWN_RULE)
    return _load(path)


def rule_params_clean(rule: Rule, values: Mapping[str, Any]) -> dict[str, str]:
    """Validated overrides of ``rule``'s parameters as strings (JSON-safe); an ``ApplicationError`` naming every
    bad parameter with its allowed range otherwise."""
    known = {param.key: param for param in rule.params}
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for key, value in values.items():
        param = known.get(key)
        if param is None:
            errors[key] = _("The rule has no parameter «%(param)s».") % {"param": key}
            continue
        try:
            cleaned[key] = str(param.clean(value))
        except ValueError:
            errors[key] = _("«%(label)s» must be a number from %(min)s to %(max)s%(integer)s.") % {
                "label": param.label, "min": _plain(param.minimum), "max": _plain(param.maximum),
                "integer": _(", a whole number") if param.integer else ""}
    if errors:
        raise ApplicationError(_("Some rule parameters are invalid."), RecommendationErrorCode.INVALID_PARAMS,
                               extra={"fields": errors})
    return cleaned


def _plain(value: Decimal) -> str:
    from apps.common.numbers import format_number

    return format_number(value)


def effective_params(rule: Rule, overrides: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """The rule's defaults with the organization's stored overrides on top (an invalid stored one is ignored)."""
    params = rule.defaults()
    for param in rule.params:
        if overrides and param.key in overrides:
            try:
                params[param.key] = param.clean(overrides[param.key])
            except ValueError:
                pass
    return params
