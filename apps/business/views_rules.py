"""Pages of the allocation definitions: «Правила» (ordered list, conflicts, the recalculation's progress), the rule
form with its preview, «Измерения» and «Ручные назначения». Thin: reads from the selectors, writes through
``services_rules`` (their Russian errors shown on the page)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.permissions import require_permission
from apps.allocation.models import Dimension, ResourceOverride, Rule
from apps.allocation.selectors import allocation_state, dimension_label, dimensions_list
from apps.allocation.vocabulary import TAG_FIELD_PREFIX, ApplyStatus, ConditionField, ConditionOp
from apps.common.errors import ApplicationError
from apps.inventory.models import Resource
from apps.providers.models import ProviderConnection

from . import rules_preview, services_rules

VIEW, MANAGE = "business.view", "business.manage"
EMPTY_CONDITION_ROWS = 2
EMPTY_ACTION_ROWS = 2


def _rule(pk: int) -> Rule:
    found = Rule.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _labels() -> dict[str, str]:
    return {d.key: dimension_label(d) for d in dimensions_list()}


def condition_words(condition: dict[str, Any]) -> str:
    """«Имя ресурса соответствует регулярному выражению «-prod-»», «тег «env» задан»."""
    field, op, value = condition.get("field", ""), condition.get("op", ""), condition.get("value")
    if field.startswith(TAG_FIELD_PREFIX):
        subject = _("tag «%(key)s»") % {"key": field[len(TAG_FIELD_PREFIX):]}
    else:
        subject = str(ConditionField(field).label) if field in ConditionField.values else field
    verb = str(ConditionOp(op).label) if op in ConditionOp.values else op
    if op == ConditionOp.EXISTS:
        return f"{subject} {verb}"
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return f"{subject} {verb} «{value}»"


def _state_context() -> dict[str, Any]:
    state = allocation_state()
    running = state.status in (ApplyStatus.QUEUED, ApplyStatus.RUNNING)
    percent = int(state.days_done * 100 / state.days_total) if state.days_total else (0 if running else 100)
    return {"state": state, "state_running": running, "state_percent": percent,
            "state_label": ApplyStatus(state.status).label if state.status in ApplyStatus.values else state.status}


# --- rules --------------------------------------------------------------------------------------------------------

@require_permission(VIEW)
def rules(request: HttpRequest) -> HttpResponse:
    labels = _labels()
    items = []
    for rule in Rule.objects.order_by("order", "id"):
        items.append({"rule": rule, "conditions": [condition_words(c) for c in rule.conditions or []],
                      "actions": [(labels.get(k, k), v) for k, v in (rule.actions or {}).items()]})
    conflicts = rules_preview.rules_conflicts()
    for conflict in conflicts:
        conflict["dimension_label"] = labels.get(conflict["dimension"], conflict["dimension"])
    return render(request, "business/rules.html", {
        "items": items, "conflicts": conflicts, "can_manage": request.access.can(MANAGE),
        "business_tab": "rules", "nav_active": "business_overview", **_state_context()})


def _rows(request: HttpRequest, prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    indexes = sorted({int(k.split("_")[-1]) for k in request.POST if k.startswith(prefix)
                      and k.split("_")[-1].isdigit()})
    return [{n: request.POST.get(f"{prefix}{n}_{i}", "").strip() for n in names} for i in indexes]


def _conditions_from_post(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for row in _rows(request, "cond_", ("field", "tag", "op", "value")):
        if not row["field"]:
            continue
        field = f"{TAG_FIELD_PREFIX}{row['tag']}" if row["field"] == "tag" else row["field"]
        item: dict[str, Any] = {"field": field, "op": row["op"]}
        if row["op"] != ConditionOp.EXISTS:
            item["value"] = row["value"]
        out.append(item)
    return out


def _actions_from_post(request: HttpRequest) -> dict[str, str]:
    return {row["key"]: row["value"] for row in _rows(request, "act_", ("key", "value")) if row["key"]}


def _form_rows(conditions: list[dict], actions: dict[str, str]) -> tuple[list[dict], list[dict]]:
    cond_rows = []
    for c in conditions:
        field = c.get("field", "")
        tag = field[len(TAG_FIELD_PREFIX):] if field.startswith(TAG_FIELD_PREFIX) else ""
        value = c.get("value")
        cond_rows.append({"field": "tag" if tag else field, "tag": tag, "op": c.get("op", ""),
                          "value": ", ".join(value) if isinstance(value, list) else (value or "")})
    cond_rows += [{"field": "", "tag": "", "op": "regex", "value": ""} for _ in range(EMPTY_CONDITION_ROWS)]
    act_rows = [{"key": k, "value": v} for k, v in actions.items()]
    act_rows += [{"key": "", "value": ""} for _ in range(EMPTY_ACTION_ROWS)]
    return cond_rows, act_rows


def _rule_page(request, *, rule: Rule | None, values: dict[str, Any], error: str = "", preview=None,
               status: int = 200) -> HttpResponse:
    dimensions = dimensions_list()
    cond_rows, act_rows = _form_rows(values.get("conditions") or [], values.get("actions") or {})
    labels = {d.key: dimension_label(d) for d in dimensions}
    if preview is not None:
        for item in preview.resources:
            item["moves"] = [(labels.get(k, k), item["from"].get(k, ""), item["to"].get(k, "")) for k in item["to"]]
        for item in preview.by_dimension:
            item["label"] = labels.get(item["key"], item["key"])
        for conflict in preview.conflicts:
            conflict["dimension_label"] = labels.get(conflict["dimension"], conflict["dimension"])
    return render(request, "business/rule_form.html", {
        "rule": rule, "values": values, "cond_rows": cond_rows, "act_rows": act_rows, "error": error,
        "preview": preview, "dimensions": [{"key": d.key, "label": labels[d.key],
                                           "values": [v.value for v in d.values.all()]} for d in dimensions],
        "fields": [*ConditionField.choices, ("tag", _("Tag"))], "ops": ConditionOp.choices,
        "business_tab": "rules", "nav_active": "business_overview"}, status=status)


def _order(text: str) -> int | None:
    try:
        return max(-1_000_000, min(1_000_000, int(text.strip())))
    except ValueError:
        return None


def _rule_form(request: HttpRequest, rule: Rule | None) -> HttpResponse:
    if request.method == "GET":
        values = ({"name": rule.name, "order": rule.order, "enabled": rule.enabled, "conditions": rule.conditions,
                   "actions": rule.actions} if rule else {"name": "", "order": None, "enabled": True,
                                                          "conditions": [], "actions": {}})
        return _rule_page(request, rule=rule, values=values)
    values = {"name": request.POST.get("name", "").strip(), "enabled": bool(request.POST.get("enabled")),
              "order": _order(request.POST.get("order", "")),
              "conditions": _conditions_from_post(request), "actions": _actions_from_post(request)}
    try:
        if request.POST.get("action") == "preview":
            preview = rules_preview.rule_preview_for({**values, "id": rule.pk if rule else None})
            return _rule_page(request, rule=rule, values=values, preview=preview)
        if rule is None:
            saved = services_rules.rule_create(actor=request.user, **values)
            messages.success(request, _("The rule «%(name)s» is added; the history is being recalculated.")
                             % {"name": saved.name})
        else:
            saved = services_rules.rule_update(actor=request.user, rule=rule, **values)
            messages.success(request, _("The rule «%(name)s» is saved; the history is being recalculated.")
                             % {"name": saved.name})
    except ApplicationError as exc:
        return _rule_page(request, rule=rule, values=values, error=exc.message, status=400)
    return redirect("business_rules")


@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def rule_new(request: HttpRequest) -> HttpResponse:
    return _rule_form(request, None)


@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _rule_form(request, _rule(pk))


@require_POST
@require_permission(MANAGE)
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _rule(pk)
    services_rules.rule_update(actor=request.user, rule=rule, enabled=not rule.enabled)
    return redirect("business_rules")


@require_POST
@require_permission(MANAGE)
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    services_rules.rule_move(actor=request.user, rule=_rule(pk), up=request.POST.get("direction") == "up")
    return redirect("business_rules")


@require_POST
@require_permission(MANAGE)
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _rule(pk)
    services_rules.rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("The rule «%(name)s» is deleted.") % {"name": rule.name})
    return redirect("business_rules")


@require_POST
@require_permission(MANAGE)
def rules_apply(request: HttpRequest) -> HttpResponse:
    services_rules.allocation_apply(actor=request.user)
    messages.success(request, _("The history is being recalculated with the current rules."))
    return redirect("business_rules")


# --- dimensions ---------------------------------------------------------------------------------------------------

def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


@require_http_methods(["GET", "POST"])
@require_permission(VIEW)
def dimensions(request: HttpRequest) -> HttpResponse:
    error, status, new = "", 200, {"key": "", "name": "", "values": ""}
    if request.method == "POST":
        if not request.access.can(MANAGE):
            raise PermissionDenied
        new = {n: request.POST.get(n, "").strip() for n in ("key", "name", "values")}
        try:
            services_rules.dimension_create(actor=request.user, key=new["key"], name=new["name"],
                                            values=_lines(new["values"]),
                                            required=bool(request.POST.get("required")))
            messages.success(request, _("The dimension «%(name)s» is added.") % {"name": new["name"]})
            return redirect("business_dimensions")
        except ApplicationError as exc:
            error, status = exc.message, 400
    items = []
    for d in dimensions_list():
        values = [v.value for v in d.values.all()]
        items.append({"dimension": d, "label": dimension_label(d), "values": values, "values_text": "\n".join(values)})
    return render(request, "business/dimensions.html", {
        "items": items, "error": error, "new": new, "can_manage": request.access.can(MANAGE),
        "business_tab": "dimensions", "nav_active": "business_overview"}, status=status)


@require_POST
@require_permission(MANAGE)
def dimension_edit(request: HttpRequest, key: str) -> HttpResponse:
    dimension = Dimension.objects.filter(key=key).first()
    if dimension is None:
        raise Http404
    try:
        if request.POST.get("action") == "delete":
            services_rules.dimension_delete(actor=request.user, dimension=dimension)
            messages.success(request, _("The dimension is deleted."))
        else:
            services_rules.dimension_update(
                actor=request.user, dimension=dimension, values=_lines(request.POST.get("values", "")),
                required=bool(request.POST.get("required")),
                name=None if dimension.builtin else request.POST.get("name", dimension.name))
            messages.success(request, _("The dimension «%(name)s» is saved.") % {"name": dimension_label(dimension)})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("business_dimensions")


# --- overrides ----------------------------------------------------------------------------------------------------

def _connection_names() -> dict[int, str]:
    return dict(ProviderConnection.objects.values_list("id", "name"))


def override_edit_url(connection_id: int | None, resource_id: str) -> str:
    query = {"resource": resource_id}
    if connection_id is not None:
        query["connection"] = connection_id
    return f"{reverse('business_override_edit')}?{urlencode(query)}"


@require_permission(VIEW)
def overrides(request: HttpRequest) -> HttpResponse:
    labels, names = _labels(), _connection_names()
    items = [{"override": o, "connection": names.get(o.connection_id, ""),
              "values": [(labels.get(k, k), v) for k, v in (o.values or {}).items()],
              "url": override_edit_url(o.connection_id, o.resource_id)}
             for o in ResourceOverride.objects.order_by("resource_id", "id")]
    return render(request, "business/overrides.html", {
        "items": items, "connections": sorted(names.items(), key=lambda x: x[1]),
        "can_manage": request.access.can(MANAGE), "business_tab": "overrides", "nav_active": "business_overview"})


@require_http_methods(["GET", "POST"])
@require_permission(MANAGE)
def override_edit(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    resource_id = params.get("resource", "").strip()
    connection_text = params.get("connection", "").strip()
    connection_id = int(connection_text) if connection_text.isdigit() else None
    if not resource_id:
        messages.error(request, _("Choose a resource."))
        return redirect("business_overrides")
    override = ResourceOverride.objects.filter(connection_id=connection_id, resource_id=resource_id).first()
    error, status = "", 200
    values = dict(override.values) if override else {}
    note = override.note if override else ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                if override is not None:
                    services_rules.override_delete(actor=request.user, override=override)
                messages.success(request, _("The manual allocation is removed; the rules apply again."))
                return redirect("business_overrides")
            values = {d.key: request.POST.get(f"value_{d.key}", "").strip() for d in dimensions_list()}
            note = request.POST.get("note", "").strip()
            services_rules.override_set(actor=request.user, connection_id=connection_id, resource_id=resource_id,
                                        values=values, note=note, override=override)
            messages.success(request, _("The manual allocation is saved; the history is being recalculated."))
            return redirect("business_overrides")
        except ApplicationError as exc:
            error, status = exc.message, 400
    resource = Resource.objects.filter(resource_id=resource_id, **(
        {"connection_id": connection_id} if connection_id is not None else {})).first()
    rows = [{"key": d.key, "label": dimension_label(d), "value": values.get(d.key, ""),
             "choices": [v.value for v in d.values.all()]} for d in dimensions_list()]
    return render(request, "business/override_form.html", {
        "resource_id": resource_id, "connection_id": connection_id, "resource": resource,
        "connection_name": _connection_names().get(connection_id, "") if connection_id else "",
        "override": override, "rows": rows, "note": note, "error": error,
        "business_tab": "overrides", "nav_active": "business_overview"}, status=status)


urlpatterns = [
    path("business/rules/", rules, name="business_rules"),
    path("business/rules/new/", rule_new, name="business_rule_new"),
    path("business/rules/apply/", rules_apply, name="business_rules_apply"),
    path("business/rules/<int:pk>/", rule_edit, name="business_rule_edit"),
    path("business/rules/<int:pk>/toggle/", rule_toggle, name="business_rule_toggle"),
    path("business/rules/<int:pk>/move/", rule_move, name="business_rule_move"),
    path("business/rules/<int:pk>/delete/", rule_delete, name="business_rule_delete"),
    path("business/dimensions/", dimensions, name="business_dimensions"),
    path("business/dimensions/<str:key>/", dimension_edit, name="business_dimension_edit"),
    path("business/overrides/", overrides, name="business_overrides"),
    path("business/overrides/edit/", override_edit, name="business_override_edit"),
]
