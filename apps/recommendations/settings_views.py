"""The «Настройки правил» page (each rule's switch and parameters for the organization) and the «Политики» pages
(guardrails: the list with their open violations, a form per kind, deletion after confirmation).

Thin: the data comes from the selectors, every change goes through the services, whose Russian refusals are shown
beside the fields they are about (nothing is saved then)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError
from apps.common.numbers import format_number
from apps.inventory.vocabulary import ResourceKind
from apps.providers.models import ProviderConnection
from apps.providers.templatetags.providers_ui import provider_label

from . import selectors, services
from .forms import PolicyForm, plain_number, split_list
from .models import Policy
from .vocabulary import Category, PolicyKind, Status

VIEW = "recommendations.view"
MANAGE = "recommendations.manage"
UNIT_LABELS = {"d": gettext_lazy("days"), "h": gettext_lazy("hours")}


# --- rule settings -----------------------------------------------------------------------------------------------

def _input(value: Any) -> str:
    """A parameter's value as the form's input shows it and reads it back: «0», «1,5», «1000000»."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return str(value)


def _unit(unit: Any) -> str:
    return str(UNIT_LABELS.get(str(unit), unit)) if unit else ""


def _same(typed: str, value: Decimal) -> bool:
    try:
        return Decimal(plain_number(typed)) == value
    except (InvalidOperation, ValueError):
        return False


def _settings_groups(rules: list[dict[str, Any]], *, posted=None, errors: dict[str, Any] | None = None
                     ) -> list[dict[str, Any]]:
    """The rules grouped by category (the vocabulary's order) with what the page shows of each parameter."""
    errors = errors or {}
    by_category: dict[str, list[dict[str, Any]]] = {}
    for rule in rules:
        problem = errors.get(rule["key"])
        rule_errors = problem if isinstance(problem, dict) else {}
        params = []
        for param in rule["params"]:
            name = f"{rule['key']}__{param['key']}"
            params.append({
                **param, "name": name, "unit_label": _unit(param["unit"]),
                "default_text": format_number(param["default"]), "value_text": format_number(param["value"]),
                "minimum_text": format_number(param["minimum"]), "maximum_text": format_number(param["maximum"]),
                "input": posted.get(name, "") if posted is not None else _input(param["value"]),
                "error": rule_errors.get(param["key"], ""),
                "changed": param["value"] != param["default"],
            })
        enabled = (f"{rule['key']}__enabled" in posted) if posted is not None else rule["enabled"]
        by_category.setdefault(rule["category"], []).append({
            **rule, "params": params, "enabled": enabled, "error": problem if isinstance(problem, str) else "",
        })
    return [{"key": c.value, "label": c.label, "rules": by_category[c.value]} for c in Category
            if c.value in by_category]


def _settings_changes(rules: list[dict[str, Any]], posted) -> dict[str, dict[str, Any]]:
    """What the form changes, for ``rule_settings_update``: the rules whose switch or parameters differ from
    what is stored; a parameter left at its default (or emptied) is not stored, so it follows the default."""
    changes: dict[str, dict[str, Any]] = {}
    for rule in rules:
        enabled = f"{rule['key']}__enabled" in posted
        params: dict[str, str] = {}
        differs = False
        for param in rule["params"]:
            typed = (posted.get(f"{rule['key']}__{param['key']}") or "").strip()
            if typed and not _same(typed, param["default"]):
                params[param["key"]] = plain_number(typed)
            if not (_same(typed, param["value"]) or (not typed and param["value"] == param["default"])):
                differs = True
        if enabled != rule["enabled"] or differs:
            changes[rule["key"]] = {"enabled": enabled, "params": params}
    return changes


@require_http_methods(["GET", "POST"])
@require_permission(VIEW)
def rule_settings(request: HttpRequest) -> HttpResponse:
    """Every rule by category with its switch and parameters; ``recommendations.manage`` changes them in one
    form (all or nothing), the others read them."""
    can_manage = request.access.can(MANAGE)
    rules = selectors.rule_settings()
    posted, errors, status = None, None, 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("Your role does not allow this action."))
        changes = _settings_changes(rules, request.POST)
        if not changes:
            messages.info(request, _("Nothing has changed."))
            return redirect("recommendations_settings")
        try:
            services.rule_settings_update(actor=request.user, values=changes)
        except ApplicationError as exc:
            posted, errors, status = request.POST, exc.extra.get("rules") or {}, 400
            messages.error(request, _("Nothing is saved: correct the values marked below."))
        else:
            messages.success(request, _("The rule settings are saved. They apply at the next evaluation."))
            return redirect("recommendations_settings")
    return render(request, "recommendations/settings.html", {
        "groups": _settings_groups(rules, posted=posted, errors=errors),
        "can_manage": can_manage,
        "nav_active": "recommendations",
    }, status=status)


# --- policies ----------------------------------------------------------------------------------------------------

def _kind_label(kind: str) -> str:
    return str(PolicyKind(kind).label) if kind in PolicyKind.values else kind


def scope_words(scope: dict[str, Any] | None, connections: dict[int, str]) -> list[str]:
    """A policy's scope as phrases: «Провайдеры: Yandex Cloud», «Регионы: ru-central1-a»...; empty: everything."""
    scope = scope or {}
    kinds = dict(ResourceKind.choices)
    words = []
    if scope.get("providers"):
        words.append(_("Providers: %(list)s") % {"list": ", ".join(provider_label(p) for p in scope["providers"])})
    if scope.get("connections"):
        words.append(_("Connections: %(list)s") % {
            "list": ", ".join(connections.get(pk, f"#{pk}") for pk in scope["connections"])})
    if scope.get("kinds"):
        words.append(_("Kinds: %(list)s") % {"list": ", ".join(str(kinds.get(k, k)) for k in scope["kinds"])})
    if scope.get("regions"):
        words.append(_("Regions: %(list)s") % {"list": ", ".join(scope["regions"])})
    if scope.get("environments"):
        words.append(_("Environments: %(list)s") % {"list": ", ".join(scope["environments"])})
    if scope.get("tags"):
        words.append(_("Tags: %(list)s") % {"list": ", ".join(f"{k}={v}" for k, v in scope["tags"].items())})
    return words


def _connection_names() -> dict[int, str]:
    return dict(ProviderConnection.objects.values_list("pk", "name"))


def violations_url(policy: Policy) -> str:
    return reverse("recommendations") + "?" + urlencode(
        {"category": Category.POLICY, "policy": policy.pk, "status": Status.OPEN})


@require_http_methods(["GET"])
@require_permission(VIEW)
def policies(request: HttpRequest) -> HttpResponse:
    counts = selectors.policy_open_violations()
    names = _connection_names()
    rows = [{"policy": p, "kind_label": _kind_label(p.kind), "scope": scope_words(p.scope, names),
             "violations": counts.get(p.pk, 0), "violations_url": violations_url(p)}
            for p in selectors.policy_list()]
    return render(request, "recommendations/policies.html", {
        "rows": rows,
        "kinds": PolicyKind.choices,
        "can_manage": request.access.can(MANAGE),
        "nav_active": "recommendations",
    })


def _policy(pk: int) -> Policy:
    try:
        return selectors.policy_get(pk=pk)
    except Policy.DoesNotExist as exc:
        raise Http404 from exc


def _policy_form_page(request: HttpRequest, form: PolicyForm, *, policy: Policy | None,
                      status: int = 200) -> HttpResponse:
    return render(request, "recommendations/policy_form.html", {
        "form": form, "policy": policy, "kind": form.kind, "kind_label": _kind_label(form.kind),
        "kinds": PolicyKind.choices, "nav_active": "recommendations",
    }, status=status)


def _save(request: HttpRequest, form: PolicyForm, policy: Policy | None) -> Policy | None:
    """The policy created or changed through the services; None (the errors on the form) when refused."""
    if not form.is_valid():
        return None
    values = form.policy_values()
    if policy is not None and (policy.scope or {}).get("tags"):
        values["scope"]["tags"] = policy.scope["tags"]  # set through the API; the form keeps them
    if policy is not None and (policy.params or {}).get("allowed") and form.kind == PolicyKind.REQUIRED_TAGS:
        values["params"]["allowed"] = policy.params["allowed"]  # edited on the tag governance page
    try:
        if policy is None:
            return services.policy_create(actor=request.user, kind=form.kind, **values)
        return services.policy_update(policy=policy, actor=request.user, **values)
    except ApplicationError as exc:
        fields = exc.extra.get("fields") or {}
        if fields:
            form.add_service_errors(fields)
        else:
            form.add_error(None, exc.message)
        return None


@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def policy_create(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind") or request.GET.get("kind") or PolicyKind.REQUIRED_TAGS
    if kind not in PolicyKind.values:
        raise Http404
    if request.method == "GET":
        return _policy_form_page(request, PolicyForm(kind=kind, initial={"enabled": True}), policy=None)
    form = PolicyForm(request.POST, kind=kind)
    policy = _save(request, form, None)
    if policy is None:
        return _policy_form_page(request, form, policy=None, status=400)
    messages.success(request, _("The policy «%(name)s» is created. Its violations appear at the next "
                                "evaluation.") % {"name": policy.name})
    return redirect("recommendations_policies")


@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _policy(pk)
    if request.method == "GET":
        return _policy_form_page(request, PolicyForm(kind=policy.kind, initial=PolicyForm.initial_of(policy)),
                                 policy=policy)
    form = PolicyForm(request.POST, kind=policy.kind)
    if _save(request, form, policy) is None:
        return _policy_form_page(request, form, policy=policy, status=400)
    messages.success(request, _("The policy «%(name)s» is saved. The change applies at the next evaluation.")
                     % {"name": policy.name})
    return redirect("recommendations_policies")


@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page; its POST deletes the policy and its violations."""
    policy = _policy(pk)
    if request.method == "POST":
        name = policy.name
        services.policy_delete(policy=policy, actor=request.user)
        messages.success(request, _("The policy «%(name)s» and its violations are deleted.") % {"name": name})
        return redirect("recommendations_policies")
    return render(request, "recommendations/policy_delete.html", {
        "policy": policy, "kind_label": _kind_label(policy.kind),
        "violations": selectors.policy_open_violations().get(policy.pk, 0),
        "nav_active": "recommendations",
    })



# --- tag governance ----------------------------------------------------------------------------------------------

BLANK_TAG_ROWS = 3


def _tag_rows(policy: Policy | None) -> list[dict[str, str]]:
    params = (policy.params or {}) if policy else {}
    allowed = params.get("allowed") or {}
    return [{"key": key, "values": ", ".join(allowed.get(key, []))} for key in params.get("tags", [])]


@require_http_methods(["GET", "POST"])
@require_permission(VIEW)
def tag_governance(request: HttpRequest) -> HttpResponse:
    """Required tag keys and, per key, the allowed values (empty = any value); kept in the tag governance
    policy, so the guardrails flag a resource missing a key or carrying a value outside the list."""
    can_manage = request.access.can(MANAGE)
    policy = selectors.tag_governance_policy()
    rows, error, status = _tag_rows(policy), "", 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("Your role does not allow this action."))
        keys, values = request.POST.getlist("key"), request.POST.getlist("values")
        rows = [{"key": k.strip(), "values": v.strip()} for k, v in zip(keys, values, strict=False)
                if k.strip() or v.strip()]
        try:
            if any(not row["key"] for row in rows):
                raise ApplicationError(_("Enter the tag key for every row with allowed values."))
            services.tag_governance_update(actor=request.user, rules=[
                (row["key"], split_list(row["values"])) for row in rows])
        except ApplicationError as exc:
            fields = exc.extra.get("fields") or {}
            error, status = (next(iter(fields.values())) if fields else exc.message), 400
        else:
            messages.success(request, _("Tag rules saved. The guardrails apply them at the next evaluation."))
            return redirect("settings_tags")
    return render(request, "recommendations/settings_tags.html", {
        "rows": [*rows, *({"key": "", "values": ""} for _i in range(BLANK_TAG_ROWS))] if can_manage else rows,
        "policy": policy,
        "violations": selectors.policy_open_violations().get(policy.pk, 0) if policy else 0,
        "violations_url": violations_url(policy) if policy else "",
        "error": error,
        "can_manage": can_manage,
        "settings_tab": "tags",
    }, status=status)
