"""The «Бюджеты» pages: the list with progress bars, a budget's page (budget vs actual chart with the forecast
and its 80 % band, the thresholds that fired per period), and the create / edit / delete forms. Thin: data from
the selectors, writes through the services (their Russian errors go on the form's fields)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError

from . import selectors, services
from .forms import BudgetForm
from .models import Budget
from .vocabulary import alloc_dimension_key

CENT = Decimal("0.01")


def _budget(pk: int) -> Budget:
    try:
        return selectors.budget_get(pk=pk)
    except Budget.DoesNotExist as exc:
        raise Http404 from exc


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def budget_chart(status: selectors.BudgetStatus) -> dict:
    """Cumulative spend of the period day by day: actual, then the forecast with its 80 % band (the band widens
    with the share of the remaining forecast already reached, ending at the period total's band), and the budget."""
    forecast = status.forecast
    labels, actual, point, lower, upper = [], [], [], [], []
    running = Decimal(0)
    remaining = sum((d.forecast or Decimal(0) for d in forecast.series if d.actual is None), Decimal(0))
    below = (forecast.forecast - forecast.lower) if forecast.forecast is not None else Decimal(0)
    above = (forecast.upper - forecast.forecast) if forecast.forecast is not None else Decimal(0)
    reached = Decimal(0)
    last_actual = None
    for i, day in enumerate(forecast.series):
        labels.append(date_format(day.date, "j b"))
        if day.actual is not None:
            running += day.actual
            actual.append(_plain(running))
            point.append(None)
            lower.append(None)
            upper.append(None)
            last_actual = i
            continue
        reached += day.forecast or Decimal(0)
        share = reached / remaining if remaining else Decimal(1)
        actual.append(None)
        point.append(_plain(running + reached))
        lower.append(_plain(running + reached - below * share))
        upper.append(_plain(running + reached + above * share))
    if last_actual is not None and last_actual + 1 < len(point):  # the forecast starts where the actual ends
        point[last_actual] = lower[last_actual] = upper[last_actual] = actual[last_actual]
    return {"currency": status.currency, "labels": labels, "actual": actual, "forecast": point, "lower": lower,
            "upper": upper, "budget": _plain(status.budget.amount),
            "names": {"actual": _("Actual, cumulative"), "forecast": _("Forecast"), "band": _("80 % band"),
                      "budget": _("Budget")}}


def scope_parts(scope: dict) -> list[tuple[str, str]]:
    """The scope as (label, value) pairs for people: a connection by its name, a tag as key = value."""
    from apps.providers.selectors import connection_list

    parts = []
    if scope.get("provider"):
        parts.append((_("Provider"), scope["provider"]))
    if scope.get("connection"):
        found = connection_list().filter(pk=scope["connection"]).values_list("name", flat=True).first()
        parts.append((_("Connection"), found or f"#{scope['connection']}"))
    if scope.get("service"):
        parts.append((_("Service"), scope["service"]))
    if scope.get("region"):
        parts.append((_("Region"), scope["region"]))
    if scope.get("alloc:allocation_method"):
        parts.append((_("Allocation method"), scope["alloc:allocation_method"]))
    if scope.get("alloc:allocated_resource"):
        parts.append((_("Allocated resource"), scope["alloc:allocated_resource"]))
    dimensions = [key for key in (alloc_dimension_key(k) for k in scope) if key]
    if dimensions:
        from apps.allocation.selectors import dimension_label, dimensions_list

        labels = {d.key: dimension_label(d) for d in dimensions_list()}
        for key in dimensions:
            parts.append((labels.get(key, key), scope[f"alloc:{key}"]))
    tag = scope.get("tag")
    if tag:
        parts.append((_("Tag"), f"{tag['key']} = {tag['value']}" if tag.get("value") else tag["key"]))
    return parts


def _history(budget: Budget) -> list[dict]:
    periods: dict = {}
    for event in selectors.budget_events(budget=budget):
        periods.setdefault(event.period_start, []).append(event)
    return [{"start": start, "events": events} for start, events in periods.items()]


@require_permission("costs.view")
def budgets(request: HttpRequest) -> HttpResponse:
    return render(request, "budgets/list.html", {
        "items": selectors.budget_status_list(),
        "can_manage": request.access.can("costs.manage"),
        "nav_active": "budgets",
    })


@require_permission("costs.view")
def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget = _budget(pk)
    status = selectors.budget_status(budget=budget)
    return render(request, "budgets/detail.html", {
        "status": status,
        "budget": budget,
        "chart": budget_chart(status),
        "history": _history(budget),
        "scope_parts": scope_parts(budget.scope or {}),
        "warnings": selectors.budget_warnings(budget=budget),
        "can_manage": request.access.can("costs.manage"),
        "nav_active": "budgets",
    })


def _form_page(request, form, budget=None, status=200):
    return render(request, "budgets/form.html", {"form": form, "budget": budget, "nav_active": "budgets"},
                  status=status)


def _save(request, form: BudgetForm, budget: Budget | None):
    if not form.is_valid():
        return None
    try:
        if budget is None:
            return services.budget_create(actor=request.user, **form.values())
        return services.budget_update(budget=budget, actor=request.user, **form.values())
    except ApplicationError as exc:
        fields = exc.extra.get("fields") or {}
        for field, message in fields.items():
            form.add_error(field if field in form.fields else ("tag_key" if field == "scope" else None), message)
        if not fields:
            form.add_error(None, exc.message)
    return None


def _saved(request, budget: Budget, text: str):
    messages.success(request, text)
    for warning in selectors.budget_warnings(budget=budget):
        messages.warning(request, warning)
    return redirect("budget_detail", pk=budget.pk)


@require_http_methods(["GET", "POST"])
@require_permission("costs.manage")
def budget_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, BudgetForm())
    form = BudgetForm(request.POST)
    budget = _save(request, form, None)
    if budget is None:
        return _form_page(request, form, status=400)
    return _saved(request, budget, _("The budget is created."))


@require_http_methods(["GET", "POST"])
@require_permission("costs.manage")
def budget_edit(request: HttpRequest, pk: int) -> HttpResponse:
    budget = _budget(pk)
    if request.method == "GET":
        return _form_page(request, BudgetForm(initial=BudgetForm.initial_for(budget)), budget)
    form = BudgetForm(request.POST)
    saved = _save(request, form, budget)
    if saved is None:
        return _form_page(request, form, _budget(pk), status=400)
    return _saved(request, saved, _("The budget is saved."))


@require_POST
@require_permission("costs.manage")
def budget_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.budget_delete(budget=_budget(pk), actor=request.user)
    messages.success(request, _("The budget is deleted."))
    return redirect("budgets")
