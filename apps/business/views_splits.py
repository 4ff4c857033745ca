"""«Общие расходы»: shared costs split across a dimension's values. The list shows what each split did over the
last 30 days (matched roubles and each value's part); the form (conditions rows like a rule's, the dimension,
the method explained, the values with percents for fixed shares and their live sum) previews before saving.
Thin: reads from ``splits``, writes through its services, their Russian errors shown on the form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.permissions import require_permission
from apps.allocation.models import SharedCost
from apps.allocation.selectors import business_metrics_list, dimension_label, dimensions_list, value_label
from apps.allocation.vocabulary import TAG_FIELD_PREFIX, ConditionField, ConditionOp, SplitMethod
from apps.common.errors import ApplicationError
from apps.costs.selectors.ledger import organization_currency

from . import splits

VIEW = "business.view"
MANAGE = "business.manage"
NAV = "business_overview"  # the «Бизнес-контекст» entry of the sidebar
TAG_CHOICE = "tag:"

METHOD_HELP = {
    SplitMethod.EVEN: gettext_lazy("Each value gets the same part."),
    SplitMethod.PROPORTIONAL: gettext_lazy("Each value gets a part in proportion to its own allocated cost that day "
                                           "(a value with more cost pays more)."),
    SplitMethod.METRIC: gettext_lazy("Each value gets a part in proportion to a business metric's figures for it "
                                     "(requests, orders, users); the metric must be broken down by this dimension."),
    SplitMethod.FIXED: gettext_lazy("You set each value's percentage; together they make exactly 100 %."),
}
METHOD_NAMES = {
    SplitMethod.EVEN: pgettext_lazy("shared costs", "evenly"),
    SplitMethod.PROPORTIONAL: pgettext_lazy("shared costs", "in proportion to cost"),
    SplitMethod.METRIC: pgettext_lazy("shared costs", "by a business metric"),
    SplitMethod.FIXED: pgettext_lazy("shared costs", "fixed shares"),
}
FIELD_NAMES = {
    ConditionField.NAME: pgettext_lazy("shared costs", "Resource name"),
    ConditionField.PROVIDER: gettext_lazy("Provider"),
    ConditionField.CONNECTION: gettext_lazy("Connection"),
    ConditionField.HIERARCHY: pgettext_lazy("shared costs", "Cloud, folder or project"),
    ConditionField.REGION: gettext_lazy("Region"),
    ConditionField.KIND: pgettext_lazy("shared costs", "Resource kind"),
    ConditionField.TYPE: gettext_lazy("Resource type"),
    ConditionField.SERVICE: gettext_lazy("Service"),
    ConditionField.SKU: gettext_lazy("SKU"),
}
OP_NAMES = {
    ConditionOp.EQUALS: pgettext_lazy("shared costs", "equals"),
    ConditionOp.IN: pgettext_lazy("shared costs", "is one of (comma-separated)"),
    ConditionOp.REGEX: pgettext_lazy("shared costs", "matches the regular expression"),
    ConditionOp.EXISTS: pgettext_lazy("shared costs", "is set"),
}


def _split(pk: int) -> SharedCost:
    try:
        return splits.shared_cost_get(pk=pk)
    except SharedCost.DoesNotExist as exc:
        raise Http404 from exc


def condition_text(condition: dict[str, Any]) -> str:
    name = str(condition.get("field") or "")
    if name.startswith(TAG_FIELD_PREFIX):
        label = _("tag «%(key)s»") % {"key": name[len(TAG_FIELD_PREFIX):]}
    else:
        label = str(FIELD_NAMES.get(name, name))
    op = condition.get("op")
    if op == ConditionOp.EXISTS:
        return f"{label} {OP_NAMES[ConditionOp.EXISTS]}"
    value = condition.get("value")
    value = ", ".join(value) if isinstance(value, list) else str(value or "")
    op_name = pgettext("shared costs", "is one of") if op == ConditionOp.IN else OP_NAMES.get(op, op)
    return f"{label} {op_name} «{value}»"


def _row(split: SharedCost, result: splits.SplitResult | None) -> dict[str, Any]:
    by_value = dict(result.by_value) if result else {}
    targets = []
    for target in split.targets:
        value = target.get("value", "")
        targets.append({"value": value, "percent": target.get("percent") if split.method == SplitMethod.FIXED
                        else None, "cost": by_value.pop(value, None)})
    other = [{"value": value_label(v), "cost": amount} for v, amount in by_value.items()]
    return {"split": split, "dimension": dimension_label(split.dimension), "method": METHOD_NAMES[split.method],
            "conditions": [condition_text(c) for c in split.conditions], "targets": targets, "other": other,
            "total": result.total if result else None}


@require_permission(VIEW)
def business_splits(request: HttpRequest) -> HttpResponse:
    start, end = splits.preview_period()
    results = splits.shared_cost_results(start=start, end=end)
    return render(request, "business/splits.html", {
        "rows": [_row(split, results.get(split.pk)) for split in splits.shared_cost_list()],
        "start": start, "end": end, "currency": organization_currency(),
        "can_manage": request.access.can(MANAGE), "nav_active": NAV,
    })


def form_values(data) -> dict[str, Any]:
    """The form's POST as the service's arguments (empty rows dropped; the service checks the rest)."""
    conditions = []
    for name, tag, op, value in zip(data.getlist("cond_field"), data.getlist("cond_tag"), data.getlist("cond_op"),
                                    data.getlist("cond_value"), strict=False):
        if not name and not value.strip():
            continue
        if name == TAG_CHOICE:
            name = f"{TAG_FIELD_PREFIX}{tag.strip()}"
        item: dict[str, Any] = {"field": name, "op": op}
        if op != ConditionOp.EXISTS:
            item["value"] = value
        conditions.append(item)
    targets = []
    for value, percent in zip(data.getlist("target_value"), data.getlist("target_percent"), strict=False):
        if not value.strip() and not percent.strip():
            continue
        targets.append({"value": value, "percent": percent.strip() or None})
    return {"name": data.get("name", ""), "conditions": conditions, "dimension": data.get("dimension", ""),
            "method": data.get("method", ""), "targets": targets, "metric": data.get("metric") or None,
            "order": data.get("order") or 0, "enabled": data.get("enabled") == "on"}


def _initial(split: SharedCost | None) -> dict[str, Any]:
    if split is None:
        return {"name": "", "conditions": [], "dimension": "business_unit", "method": SplitMethod.EVEN,
                "targets": [{"value": "", "percent": None}, {"value": "", "percent": None}], "metric": None,
                "order": (SharedCost.objects.order_by("-order").values_list("order", flat=True).first() or 0) + 10,
                "enabled": True}
    return {"name": split.name, "conditions": split.conditions, "dimension": split.dimension.key,
            "method": split.method, "targets": split.targets, "metric": split.metric.key if split.metric else None,
            "order": split.order, "enabled": split.enabled}


def _form_rows(values: dict[str, Any]) -> dict[str, Any]:
    conditions = []
    for c in values["conditions"] or []:
        name = str(c.get("field") or "")
        tag = name[len(TAG_FIELD_PREFIX):] if name.startswith(TAG_FIELD_PREFIX) else ""
        value = c.get("value")
        conditions.append({"field": TAG_CHOICE if tag else name, "tag": tag, "op": c.get("op"),
                           "value": ", ".join(value) if isinstance(value, list) else (value or "")})
    if not conditions:
        conditions = [{"field": ConditionField.SERVICE, "tag": "", "op": ConditionOp.EQUALS, "value": ""}]
    targets = [{"value": t.get("value", ""), "percent": t.get("percent") or ""} for t in values["targets"] or []]
    while len(targets) < 2:
        targets.append({"value": "", "percent": ""})
    return {"conditions": conditions, "targets": targets}


def _form_page(request, *, values, split=None, error=None, preview=None, status=200):
    dimensions = dimensions_list()
    return render(request, "business/splits_form.html", {
        "split": split, "values": values, **_form_rows(values), "error": error, "preview": preview,
        "dimensions": [{"key": d.key, "name": dimension_label(d), "values": [v.value for v in d.values.all()]}
                       for d in dimensions],
        "metrics": business_metrics_list(),
        "fields": [(k, FIELD_NAMES[k]) for k in ConditionField.values] + [(TAG_CHOICE, _("Tag"))],
        "ops": [(k, OP_NAMES[k]) for k in ConditionOp.values],
        "methods": [{"key": k, "name": METHOD_NAMES[k], "help": METHOD_HELP[k]} for k in SplitMethod.values],
        "nav_active": NAV,
    }, status=status)


def _submit(request, split: SharedCost | None) -> HttpResponse:
    values = form_values(request.POST)
    try:
        if request.POST.get("action") == "preview":
            preview_args = {k: v for k, v in values.items() if k not in ("order", "enabled")}
            preview = splits.shared_cost_preview(**preview_args)
            for row in preview.split:
                row["percent"] = row["share"] * 100
            return _form_page(request, values=values, split=split, preview=preview)
        if split is None:
            saved = splits.shared_cost_create(actor=request.user, **values)
            messages.success(request, _("The shared cost «%(name)s» is saved; the history is being recalculated.")
                             % {"name": saved.name})
        else:
            saved = splits.shared_cost_update(split=split, actor=request.user, **values)
            messages.success(request, _("The shared cost «%(name)s» is changed; the history is being "
                                        "recalculated.") % {"name": saved.name})
    except ApplicationError as exc:
        error_field = next(iter(exc.extra), None) if exc.extra else None
        return _form_page(request, values=values, split=split, status=400,
                          error={"message": exc.message, "field": error_field})
    return redirect("business_splits")


@require_permission(MANAGE)
@require_http_methods(["GET", "POST"])
def business_split_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, None)
    return _form_page(request, values=_initial(None))


@require_permission(MANAGE)
@require_http_methods(["GET", "POST"])
def business_split_edit(request: HttpRequest, pk: int) -> HttpResponse:
    split = _split(pk)
    if request.method == "POST":
        return _submit(request, split)
    return _form_page(request, values=_initial(split), split=split)


@require_permission(MANAGE)
@require_POST
def business_split_enable(request: HttpRequest, pk: int) -> HttpResponse:
    split = _split(pk)
    enabled = request.POST.get("enabled") == "1"
    try:
        splits.shared_cost_enable(split=split, actor=request.user, enabled=enabled)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, (_("The shared cost «%(name)s» is on.") if enabled else
                                   _("The shared cost «%(name)s» is off.")) % {"name": split.name})
    return redirect("business_splits")


@require_permission(MANAGE)
@require_POST
def business_split_delete(request: HttpRequest, pk: int) -> HttpResponse:
    split = _split(pk)
    name = split.name
    splits.shared_cost_delete(split=split, actor=request.user)
    messages.success(request, _("The shared cost «%(name)s» is deleted; its cost is no longer split.")
                     % {"name": name})
    return redirect("business_splits")


urlpatterns = [
    path("business/shared-costs/", business_splits, name="business_splits"),
    path("business/shared-costs/new/", business_split_create, name="business_split_create"),
    path("business/shared-costs/<int:pk>/edit/", business_split_edit, name="business_split_edit"),
    path("business/shared-costs/<int:pk>/enable/", business_split_enable, name="business_split_enable"),
    path("business/shared-costs/<int:pk>/delete/", business_split_delete, name="business_split_delete"),
]
