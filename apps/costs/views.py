"""Costs pages: billing imports (upload form with history, one import's progress and report) and the cost
explorer (/costs/: the API's selectors and validation, rendered server-side)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRefresh

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError
from apps.currency.exceptions import human_date
from apps.currency.selectors import cbr_rates_stale_since, rate_list_manual, rates_on

from .downloads import focus_export_response
from .forms import BillingImportForm, ManualRateForm, explorer_params, focus_export_params
from .models import BillingImport, ImportStatus
from .selectors.alloc_options import alloc_dimension_options
from .selectors.explorer import (
    ALLOCATION,
    DIMENSIONS,
    alloc_key,
    cost_explorer_view,
    cost_filter_options,
)
from .selectors.exports import PAGE_EXPORT_FORMATS, explorer_export
from .selectors.imports import billing_import_get, billing_import_list
from .services.imports import billing_import_create
from .services.rates import exchange_rate_enter, rates_backfill_request


def _connections():
    from apps.providers.selectors import connection_list

    return list(connection_list())


@require_permission("costs.view")
def billing_imports(request: HttpRequest) -> HttpResponse:
    can_manage = request.access.can("costs.manage")
    form = BillingImportForm(connections=_connections() if can_manage else ())
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = BillingImportForm(request.POST, request.FILES, connections=_connections())
        if form.is_valid():
            try:
                billing_import = billing_import_create(
                    uploaded_file=form.cleaned_data["file"], user=request.user,
                    connection=form.cleaned_data["connection"], skip_invalid=form.cleaned_data["skip_invalid"],
                    cost_type=form.cleaned_data["cost_type"])
            except ApplicationError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("billing_import_detail", pk=billing_import.pk)
    imports = billing_import_list()[:50]
    return render(request, "costs/imports.html", {"form": form, "imports": imports, "can_manage": can_manage})


@require_permission("costs.view")
def billing_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        billing_import = billing_import_get(import_id=pk)
    except BillingImport.DoesNotExist as exc:
        raise Http404 from exc
    if request.htmx:  # the progress card polls itself while the import runs
        if billing_import.is_finished:  # the finished page adds the summary, the report and the explorer link
            return HttpResponseClientRefresh()
        return render(request, "costs/_import_progress.html", {"bi": billing_import})
    return render(request, "costs/import_detail.html",
                  {"bi": billing_import, "explorer_url": _explorer_url(billing_import)})


def _explorer_url(billing_import: BillingImport) -> str | None:
    """The explorer over the imported period, by service, in the file's own currencies (exactly what it holds,
    whether or not exchange rates for those days are known yet)."""
    if billing_import.status != ImportStatus.SUCCESS or not billing_import.period_start:
        return None
    query = urlencode({"start": billing_import.period_start.isoformat(),
                       "end": (billing_import.period_end or billing_import.period_start).isoformat(),
                       "group_by": "service", "currency": "billing"})
    return f"{reverse('cost_explorer')}?{query}"


# --- the cost explorer ------------------------------------------------------------------------------

PAGE_SIZE = 25
SORTS = {"total": "total", "key": "label", "previous": "previous", "delta": "delta", "delta_pct": "delta_pct"}


def _group_by_choices(*, available: dict | None = None, current: str = "") -> list[tuple[str, str]]:
    """Every grouping; with ``available`` (the filter options), the allocation ones only when the data has
    them or the view already uses one."""
    choices = [("provider", _("Provider")), ("connection", _("Connection")),
               ("billing_account", _("Billing account")), ("sub_account", _("Sub account")), ("service", _("Service")),
               ("service_category", _("Service category")), ("region", _("Region")),
               ("resource_type", _("Resource type")), ("resource", _("Resource")),
               ("charge_category", _("Charge category")), ("allocation_method", _("Allocation method")),
               ("allocated_resource", _("Allocated resource"))]
    if available is None:
        return choices
    return [(value, label) for value, label in choices
            if value not in ALLOCATION or value in available or value == current]


# The page's «All» of an allocation filter: an empty value is the unallocated cost (as in the API), so «All»
# needs a value of its own, dropped before the query is read (``_page_query``).
ALLOC_ALL = "*"


def _page_query(get) -> QueryDict:
    """The page's query string without the «All» of the allocation filters."""
    query = get.copy()
    for name in list(query):
        if alloc_key(name) is not None:
            values = [v for v in query.getlist(name) if v != ALLOC_ALL]
            if values:
                query.setlist(name, values)
            else:
                query.pop(name)
    return query


def _alloc_filters(query, dimensions: list[dict]) -> list[tuple[str, str, list[str], list[str]]]:
    """``(name, label, values, chosen)`` of each dimension's filter select; a chosen value the dimension does not
    list (a link from elsewhere) is offered too, so that the form keeps it."""
    out = []
    for dimension in dimensions:
        chosen = query.getlist(dimension["name"])
        values = [*dimension["values"], *[v for v in chosen if v and v not in dimension["values"]]]
        out.append((dimension["name"], dimension["label"], values, chosen))
    return out


def _sorted(groups: list[dict], sort: str) -> list[dict]:
    descending = sort.startswith("-")
    field = SORTS.get(sort.lstrip("-"), "total")

    def key(group):
        value = group.get(field)
        if field == "label":
            return str(value or "").lower()
        return value if value is not None else Decimal("-1e30")

    return sorted(groups, key=key, reverse=descending)


def _chart_data(view: dict) -> dict:
    return {
        "periods": [p.isoformat() for p in view["periods"]],
        "series": [{"label": str(s["label"]), "currency": s["currency"], "values": [float(v) for v in s["values"]]}
                   for s in view["series"]],
        "currency": view["currency"],
        "granularity": view["granularity"],
    }


def _filters(query, options: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str, list, list[str]]]:
    labels = dict(_group_by_choices())
    chosen = {name: [v.strip() for item in query.getlist(name) for v in item.split(",")] for name in DIMENSIONS}
    return [(name, labels[name], values, chosen[name]) for name, values in options.items()]


def _group_label(params: dict | None, dimensions: list[dict] = ()) -> str:
    """The table's first column is named after the grouping (Service, Region, Tag: env, Business unit...)."""
    group_by = params["group_by"] if params else "service"
    if group_by.startswith("tag:"):
        return f"{_('Tag')}: {group_by[4:]}"
    for dimension in dimensions:
        if dimension["name"] == group_by:
            return dimension["label"]
    return str(dict(_group_by_choices()).get(group_by, _("Group")))


def _active_filters(query) -> int:
    """How many dimension, resource and tag filters are set (the collapsed filter panel shows it)."""
    names = [*DIMENSIONS, "tag"]
    alloc = sum(1 for name in query if alloc_key(name) is not None)  # an empty value (unallocated) counts too
    return alloc + sum(1 for name in names for item in query.getlist(name) for v in item.split(",") if v.strip())


def _form_values(query, params: dict | None) -> dict[str, str]:
    names = ("group_by", "granularity", "metric", "currency")
    if params:
        return {name: params[name] for name in names}
    defaults = {"group_by": "service", "granularity": "day", "metric": "billed", "currency": "org"}
    return {name: query.get(name) or defaults[name] for name in names}


@require_permission("costs.view")
def cost_explorer(request):
    query = _page_query(request.GET)
    error = None
    view = None
    try:
        params = explorer_params(query)
        view = cost_explorer_view(params=params)
    except ApplicationError as exc:
        params = None
        error = {"code": exc.code.value, "message": exc.message, "details": exc.extra}
    rate_warnings = []
    if view is not None and view.get("warnings"):
        # Amounts without a rate stay in their billing currency: say which, ask the Bank again in the
        # background, and offer the rate form to those who may enter one.
        rates_backfill_request(warnings=view["warnings"])
        can_enter = request.access.can("rates.manage")
        for warning in view["warnings"]:
            link = None
            if can_enter:
                link = f"{reverse('exchange_rates')}?" + urlencode({
                    "currency": warning["currency"], "date": warning["date"].isoformat(),
                    "next": request.get_full_path()})
            rate_warnings.append({**warning, "rate_url": link})
    sort = request.GET.get("sort", "-total")
    page = None
    if view is not None:
        page = Paginator(_sorted(view["groups"], sort), PAGE_SIZE).get_page(request.GET.get("page"))
    export_query = query.copy()
    for name in ("page", "sort", "chart"):
        export_query.pop(name, None)
    sort_query = query.copy()
    sort_query.pop("page", None)
    sort_query.pop("sort", None)
    page_query = query.copy()
    page_query.pop("page", None)
    billing_query = page_query.copy()
    billing_query["currency"] = "billing"
    options = cost_filter_options()
    dimensions = alloc_dimension_options()
    context = {
        "view": view,
        "params": params,
        # What the form shows: the validated view, or what was asked when it could not be read (a bad date
        # must not reset the grouping, the metric or the currency chosen).
        "form_values": _form_values(query, params),
        "rate_warnings": rate_warnings,
        "rates_refetching": bool(rate_warnings) and settings.CURRENCY_FETCH_MISSING,
        "unconverted_totals": [t for t in (view or {}).get("totals", ())
                               if params and params["currency"] == "org" and t["currency"] != view["currency"]],
        "error": error,
        "page": page,
        "sort": sort,
        "sort_base": sort_query.urlencode(),
        "page_base": page_query.urlencode(),
        "billing_currency_url": f"{reverse('cost_explorer')}?{billing_query.urlencode()}",
        "chart": request.GET.get("chart", "line"),
        # Amounts are converted at stored rates: say so when the daily fetch has not refreshed them.
        "rates_stale_since": None if (params or {}).get("currency") == "billing" else cbr_rates_stale_since(),
        "chart_data": _chart_data(view) if view else None,
        "group_by_choices": _group_by_choices(available=options, current=(params or {}).get("group_by", "")),
        "alloc_group_choices": [(d["name"], d["label"]) for d in dimensions],
        "group_label": _group_label(params, dimensions),
        # Ids are worth showing beside a resource's name; a category's code beside its label is not.
        "show_group_keys": (params or {}).get("group_by") in ("resource", "allocated_resource"),
        "active_filters": _active_filters(query),
        "filters": _filters(query, options),
        "alloc_filters": _alloc_filters(query, dimensions),
        "alloc_all": ALLOC_ALL,
        "tags": query.getlist("tag"),
        "period": query.get("period") or ("custom" if query.get("start") or query.get("end") else "30d"),
        "export_csv": f"{reverse('cost_explorer_export', args=['csv'])}?{export_query.urlencode()}",
        "export_xlsx": f"{reverse('cost_explorer_export', args=['xlsx'])}?{export_query.urlencode()}",
        "focus_exports": _focus_export_links(view),
        "page_title_key": "cost_explorer",
    }
    return render(request, "costs/explorer.html", context)


# --- manual exchange rates -------------------------------------------------------------------------


def _safe_next(request: HttpRequest, target: str) -> str | None:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return None


@require_permission("rates.manage")
def exchange_rates(request: HttpRequest) -> HttpResponse:
    """The organization's rate form (linked from the explorer's missing-rate banner): a manual rate for a
    currency and date, the rates a date uses, and the rates entered before."""
    if request.method == "POST":
        form = ManualRateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            entered = exchange_rate_enter(day=data["date"], currency=data["currency"], rate_rub=data["rate"],
                                          nominal=data["nominal"], actor=request.user, note=data["note"])
            values = {"currency": data["currency"], "date": human_date(data["date"])}
            if entered.refreshed:
                messages.success(request, _("The %(currency)s rate from %(date)s is saved; the costs use it.")
                                 % values)
            else:
                messages.success(request, _("The %(currency)s rate from %(date)s is saved; the costs will be "
                                            "recalculated in a few minutes.") % values)
            target = _safe_next(request, data["next"])
            if target:
                return redirect(target)
            return redirect(f"{reverse('exchange_rates')}?{urlencode({'date': data['date'].isoformat()})}")
    else:
        initial = {"nominal": 1, "currency": (request.GET.get("currency") or "")[:3].upper(),
                   "next": _safe_next(request, request.GET.get("next", "")) or ""}
        if request.GET.get("date"):
            initial["date"] = request.GET["date"][:10]
        form = ManualRateForm(initial=initial)
    shown = form.cleaned_data.get("date") if form.is_bound and form.is_valid() else None
    try:
        shown = shown or date.fromisoformat(request.GET.get("date", "")[:10])
    except ValueError:
        shown = timezone.localdate()
    return render(request, "costs/rates.html", {
        "form": form, "shown_date": shown,
        "day_rates": [{"rate": r, "quoted": (r.rate * r.nominal).normalize()} for r in rates_on(day=shown)],
        "manual_rates": [{"rate": r, "quoted": (r.rate_rub * r.nominal).normalize()}
                         for r in rate_list_manual()[:50]],
        "back_url": _safe_next(request, form["next"].value() or "") or reverse("cost_explorer"),
        "page_title_key": "cost_explorer",
    })


@require_permission("costs.view")
def cost_explorer_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The page's download buttons: the explorer's view as a file for a person (a CSV that Russian Excel opens
    as numbers, or XLSX); the API's export stays the machine-readable one."""
    if fmt not in PAGE_EXPORT_FORMATS:
        raise Http404
    try:
        view = cost_explorer_view(params=explorer_params(_page_query(request.GET)), with_utilization=False)
    except ApplicationError:
        # The page explains what is wrong with the parameters.
        return redirect(f"{reverse('cost_explorer')}?{request.GET.urlencode()}")
    name, content_type, content = explorer_export(view=view, fmt=fmt, for_people=True)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _focus_export_links(view: dict | None) -> list[dict[str, str]]:
    """The explorer's «FOCUS export» menu: the current period's ledger as CSV and as Parquet."""
    if view is None:
        return []
    period = {"start": view["start"].isoformat(), "end": view["end"].isoformat()}
    return [{"output": output, "label": label,
             "url": f"{reverse('cost_focus_export')}?{urlencode({**period, 'output': output})}"}
            for output, label in (("csv", "CSV"), ("parquet", "Parquet"))]


@require_permission("costs.view")
def cost_focus_export(request: HttpRequest) -> HttpResponse:
    """The explorer's «FOCUS export»: the ledger of a period as a FOCUS 1.2 file (the API's export, for a person)."""
    try:
        params = focus_export_params(request.GET)
    except ApplicationError as exc:
        problems = " ".join(str(m) for messages_ in exc.extra.values() for m in messages_)
        messages.error(request, f"{exc.message} {problems}".strip())
        return redirect("cost_explorer")
    return focus_export_response(params=params, organization=request.tenant.slug)
