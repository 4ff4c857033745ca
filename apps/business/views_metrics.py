"""Pages «Бизнес-метрики» (metrics, CSV upload with its row report, values preview) and «Стоимость единицы»
(unit cost over time with its trend, and the cost-to-value table of products). Thin: the services and selectors
of ``metrics`` and ``unit_costs`` do the work."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.permissions import require_permission
from apps.allocation.models import BusinessMetric
from apps.allocation.selectors import business_metrics_list, dimension_label, dimensions_list
from apps.common.errors import ApplicationError
from apps.costs.selectors.explorer import (
    ALLOC_PREFIX,
    DIMENSIONS,
    PERIOD_PRESETS,
    cost_filter_options,
    period_resolve,
)

from . import metrics
from .forms_metrics import MetricForm, MetricUploadForm
from .unit_costs import products_value, unit_costs

VIEW = "business.view"
MANAGE = "business.manage"
PREVIEW_VALUES = 31
NAV = "business_overview"  # the «Бизнес-контекст» entry of the sidebar


def _metric(key: str) -> BusinessMetric:
    metric = metrics.business_metric_get(key=key)
    if metric is None:
        raise Http404
    return metric


def _metrics_page(request: HttpRequest, *, form: MetricForm | None = None, report: dict | None = None,
                  status: int = 200) -> HttpResponse:
    items = business_metrics_list()
    chosen_key = request.GET.get("metric") or (report or {}).get("metric") or (items[0].key if items else "")
    for item in items:
        item.dimension_title = dimension_label(item.dimension) if item.dimension_id else ""
    chosen = next((m for m in items if m.key == chosen_key), None)
    return render(request, "business/metrics.html", {
        "items": items,
        "chosen": chosen,
        "preview": metrics.business_metric_values(metric=chosen, limit=PREVIEW_VALUES) if chosen else [],
        "form": form or MetricForm(),
        "upload_form": MetricUploadForm(),
        "report": report,
        "can_manage": request.access.can(MANAGE),
        "nav_active": NAV,
    }, status=status)


@require_http_methods(["GET", "POST"])
@require_permission(VIEW)
def business_metrics(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _metrics_page(request)
    if not request.access.can(MANAGE):
        raise PermissionDenied(_("Your role does not allow this action."))
    form = MetricForm(request.POST)
    if form.is_valid():
        try:
            metric = metrics.business_metric_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            for field, errors in (exc.extra or {}).items():
                for error in errors if isinstance(errors, list) else [errors]:
                    form.add_error(field if field in form.fields else None, str(error))
            if not exc.extra:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("The metric «%(name)s» is created.") % {"name": metric.name})
            return redirect(f"{request.path}?metric={metric.key}")
    return _metrics_page(request, form=form, status=400)


@require_POST
@require_permission(MANAGE)
def business_metric_upload(request: HttpRequest, key: str) -> HttpResponse:
    metric = _metric(key)
    form = MetricUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        report = {"metric": metric.key, "message": _("Choose a CSV file."), "rows": []}
        return _metrics_page(request, report=report, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > metrics.MAX_FILE_BYTES:
        report = {"metric": metric.key, "file": upload.name, "message": _("The file is larger than 5 MB."),
                  "rows": []}
        return _metrics_page(request, report=report, status=400)
    try:
        result = metrics.business_metric_csv_import(metric=metric, actor=request.user, content=upload.read(),
                                                    filename=upload.name or "")
    except metrics.MetricRowsError as exc:
        report = {"metric": metric.key, "file": upload.name, "message": exc.message,
                  "rows": [r.as_dict() for r in exc.rows]}
        return _metrics_page(request, report=report, status=400)
    messages.success(request, _("Values imported: %(count)s.") % {"count": result.imported})
    for warning in result.warnings:
        messages.warning(request, warning)
    return redirect(f"{reverse('business_metrics')}?metric={metric.key}")


@require_POST
@require_permission(MANAGE)
def business_metric_delete(request: HttpRequest, key: str) -> HttpResponse:
    metric = _metric(key)
    try:
        metrics.business_metric_delete(metric=metric, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('business_metrics')}?metric={metric.key}")
    messages.success(request, _("The metric «%(name)s» is deleted.") % {"name": metric.name})
    return redirect("business_metrics")


# --- unit costs ---------------------------------------------------------------------------------------------------

def _plain(value: Decimal | None, places: str = "0.0001") -> str | None:
    return None if value is None else str(value.quantize(Decimal(places)))


def _grouping_choices() -> list[tuple[str, str]]:
    choices = [("", _("No grouping"))]
    choices += [(f"alloc:{d.key}", dimension_label(d)) for d in dimensions_list()]
    names = {"provider": _("Provider"), "service": _("Service"), "region": _("Region"),
             "connection": _("Connection")}
    choices += [(name, label) for name, label in names.items() if name in DIMENSIONS]
    return choices


def _scope_choices() -> list[tuple[str, str]]:
    """Scopes a unit cost may be computed for: each allocation dimension's values, providers and services."""
    choices = [("", _("All spending"))]
    for dimension in dimensions_list():
        label = dimension_label(dimension)
        choices += [(f"alloc:{dimension.key}={v.value}", f"{label}: {v.value}") for v in dimension.values.all()]
    options = cost_filter_options(limit=100)
    for name, label in (("provider", _("Provider")), ("service", _("Service"))):
        choices += [(f"{name}={value}", f"{label}: {text}") for value, text in options.get(name, [])]
    return choices


def _scope_filters(scope: str) -> dict[str, list[str]]:
    name, sep, value = scope.partition("=")
    if not sep or not (name in DIMENSIONS or name.startswith(ALLOC_PREFIX)):
        return {}
    return {name: [value]}


def _unit_cost_params(request: HttpRequest, items: list[BusinessMetric]) -> dict:
    today = timezone.localdate() - timedelta(days=1)
    metric = next((m for m in items if m.key == request.GET.get("metric")), items[0] if items else None)
    preset = request.GET.get("period") or ""
    start = end = None
    try:
        start = date.fromisoformat(request.GET["start"]) if request.GET.get("start") else None
        end = date.fromisoformat(request.GET["end"]) if request.GET.get("end") else None
    except ValueError:
        start = end = None
    if not (start or end):
        preset = preset if preset in PERIOD_PRESETS else ("90d" if metric and metric.granularity == "month"
                                                           else "30d")
    granularity = request.GET.get("granularity") or ""
    if metric is not None and metric.granularity == "month":
        granularity = "month"
    if granularity not in ("day", "week", "month"):
        granularity = "day"
    return {"metric": metric, "preset": preset if not (start or end) else "custom", "start": start, "end": end,
            "granularity": granularity, "group_by": request.GET.get("group_by") or "",
            "scope": request.GET.get("scope") or "", "today": today}


def unit_cost_chart(result: dict) -> dict:
    """The line chart's data: one line of unit cost per series (null where there is no metric)."""
    return {
        "currency": result["currency"], "granularity": result["granularity"], "unit": result["metric"]["unit"],
        "periods": [p["date"].isoformat() for p in result["series"][0]["points"]] if result["series"] else [],
        "series": [{"key": s["key"], "label": s["label"],
                    "values": [_plain(p["unit_cost"]) for p in s["points"]]} for s in result["series"][:10]],
    }


@require_permission(VIEW)
def business_unit_costs(request: HttpRequest) -> HttpResponse:
    items = business_metrics_list()
    params = _unit_cost_params(request, items)
    context = {"items": items, "params": params, "groupings": _grouping_choices(), "scopes": _scope_choices(),
               "presets": [("7d", _("7 days")), ("30d", _("30 days")), ("90d", _("90 days")),
                           ("365d", _("365 days")), ("this_month", _("This month")),
                           ("last_month", _("Last month"))],
               "result": None, "chart": None, "products": None, "error": None, "nav_active": NAV}
    status = 200
    try:
        start, end = period_resolve(preset=params["preset"] if params["preset"] != "custom" else None,
                                    start=params["start"], end=params["end"], today=params["today"])
        context["start"], context["end"] = start, end
        if params["metric"] is not None:
            result = unit_costs(metric_key=params["metric"].key, start=start, end=end,
                                granularity=params["granularity"], group_by=params["group_by"] or None,
                                filters=_scope_filters(params["scope"]))
            context["result"] = result
            context["chart"] = unit_cost_chart(result)
        dimensions = dimensions_list()
        # By default the metric's own dimension (its figures per value give unit costs), else products.
        metric = params["metric"]
        default_by = metric.dimension.key if metric is not None and metric.dimension_id else "product"
        value_by = request.GET.get("value_by") or default_by
        if value_by not in {d.key for d in dimensions}:
            value_by = default_by
        context["value_dimensions"] = [(d.key, dimension_label(d)) for d in dimensions]
        context["value_by"] = value_by
        context["products"] = products_value(start=start, end=end, key=value_by)
    except ApplicationError as exc:
        context["error"] = exc.message
        status = 400
    return render(request, "business/unit_costs.html", context, status=status)


urlpatterns = [
    path("business/metrics/", business_metrics, name="business_metrics"),
    path("business/metrics/<str:key>/upload/", business_metric_upload, name="business_metric_upload"),
    path("business/metrics/<str:key>/delete/", business_metric_delete, name="business_metric_delete"),
    path("business/unit-costs/", business_unit_costs, name="business_unit_costs"),
]
