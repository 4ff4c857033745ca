"""The «Рекомендации» pages: the backlog with its KPIs and filters, one finding with its formula, evidence chart,
history and lifecycle actions, the «Пересчитать» button with its progress, and the backlog's CSV/XLSX export.

Thin: the filters are read here, the data comes from the selectors, every change goes through the services (an
``ApplicationError`` they raise is shown on the page in Russian, never as an error page)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError
from apps.common.numbers import to_decimal
from apps.common.pages import page_of
from apps.inventory.templatetags.inventory_ui import metric_label
from apps.inventory.vocabulary import MetricName

from . import selectors, services
from .exports import EXPORT_FORMATS, findings_export
from .forms import ACTION_FORMS, ApplyForm, DismissForm, SnoozeForm
from .models import EvaluationRun, Finding
from .vocabulary import POTENTIAL_STATUSES, Category, Confidence, RunStatus, Status

PAGE_SIZE = 25
DEFAULT_STATUSES = tuple(str(s) for s in POTENTIAL_STATUSES)
ALL = "all"
FINISHED_RUN = (RunStatus.SUCCESS, RunStatus.PARTIAL, RunStatus.FAILED)
HOUR_SLOTS = 168


# --- the backlog ---------------------------------------------------------------------------------------------------

def _chosen(query, name: str, allowed) -> list[str]:
    values = [v.strip() for item in query.getlist(name) for v in item.split(",") if v.strip()]
    return [v for v in values if v in allowed]


def backlog_filters(query) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """``(selector filters, what the form shows, problems)`` from the page's GET parameters. Status defaults to
    open and accepted; ``status=all`` shows every status."""
    problems: list[str] = []
    raw_status = query.get("status", "")
    if raw_status == ALL:
        statuses: list[str] = []
    else:
        statuses = _chosen(query, "status", Status.values) or list(DEFAULT_STATUSES)
    filters: dict[str, Any] = {
        "status": statuses,
        "category": _chosen(query, "category", Category.values),
        "confidence": _chosen(query, "confidence", Confidence.values),
        "provider": [v.strip() for item in query.getlist("provider") for v in item.split(",") if v.strip()],
        "policy": [int(v) for item in query.getlist("policy") for v in item.split(",") if v.strip().isdigit()],
    }
    raw_min = (query.get("min_savings") or "").strip()
    if raw_min:
        amount = to_decimal(raw_min.replace("\u00a0", "").replace(" ", ""))
        if amount is None or amount < 0:
            problems.append(_("The minimum savings must be a number of roubles, 0 or more."))
        else:
            filters["min_savings"] = amount
    form = {
        "status": raw_status if raw_status == ALL or raw_status in Status.values else "",
        "category": filters["category"][0] if filters["category"] else "",
        "confidence": filters["confidence"][0] if filters["confidence"] else "",
        "provider": filters["provider"][0] if filters["provider"] else "",
        "min_savings": raw_min,
        "policy": ",".join(str(pk) for pk in filters["policy"]),
    }
    return filters, form, problems


def _active_filters(form: dict[str, Any]) -> int:
    return sum(1 for value in form.values() if value)


def _run_view(run: EvaluationRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": str(RunStatus(run.status).label),
        "finished": run.status in FINISHED_RUN,
        "rules_done": run.rules_done,
        "rules_total": run.rules_total,
        "progress_percent": run.progress_percent,
        "findings_open": run.findings_open,
        "findings_created": run.findings_created,
        "findings_closed": run.findings_closed,
        "errors": len(run.errors or []),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "rules_text": rules_text().format(done=run.rules_done, total=run.rules_total),
    }


def rules_text() -> str:
    """The progress line's words; ``recommendations.js`` fills the same template while it polls."""
    return _("rules checked: {done} of {total}")


@require_GET
@require_permission("recommendations.view")
def recommendations(request: HttpRequest) -> HttpResponse:
    filters, form, problems = backlog_filters(request.GET)
    for problem in problems:
        messages.error(request, problem)
    summary = selectors.findings_summary()
    page, page_query = page_of(request, selectors.finding_list(filters=filters), per_page=PAGE_SIZE)
    export_query = request.GET.copy()
    export_query.pop("page", None)
    suffix = f"?{export_query.urlencode()}" if export_query else ""
    latest = selectors.evaluation_latest()
    categories = [{"key": c.value, "label": c.label, "open": summary["open_by_category"].get(c.value, 0),
                   "savings": summary["potential_by_category"].get(c.value)}
                  for c in Category if summary["open_by_category"].get(c.value, 0)]
    return render(request, "recommendations/list.html", {
        "summary": summary,
        "categories": categories,
        "page": page,
        "page_query": page_query,
        "form": form,
        "active_filters": _active_filters(form),
        "options": {
            "category": Category.choices,
            "status": Status.choices,
            "confidence": Confidence.choices,
            "provider": selectors.finding_providers(),
        },
        "can_manage": request.access.can("recommendations.manage"),
        "run": _run_view(latest),
        "rules_template": rules_text(),
        "export_csv": reverse("recommendations_export", args=["csv"]) + suffix,
        "export_xlsx": reverse("recommendations_export", args=["xlsx"]) + suffix,
    })


@require_GET
@require_permission("recommendations.view")
def recommendations_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered backlog (the page's filters, every page of it) as a file."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    filters, _form, problems = backlog_filters(request.GET)
    if problems:
        return redirect(f"{reverse('recommendations')}?{request.GET.urlencode()}")
    name, content_type, content = findings_export(selectors.finding_list(filters=filters), fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- evaluation ------------------------------------------------------------------------------------------------

@require_POST
@require_permission("recommendations.manage")
def recommendations_evaluate(request: HttpRequest) -> HttpResponse:
    try:
        services.evaluation_start(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The recommendations are being recalculated. The page shows the progress."))
    return redirect("recommendations")


@require_GET
@require_permission("recommendations.view")
def evaluation_latest(request: HttpRequest) -> JsonResponse:
    """The latest evaluation's progress, for the page's progress bar (``static/js/recommendations.js``)."""
    return JsonResponse({"run": _run_view(selectors.evaluation_latest())})


# --- one finding -------------------------------------------------------------------------------------------------

def _hour_labels() -> list[str]:
    return [f"{WEEKDAYS_ABBR[slot // 24]} {slot % 24:02d}:00" for slot in range(HOUR_SLOTS)]


def _number(value: Any) -> float | None:
    amount = to_decimal(value)
    return float(amount) if amount is not None else None


CHART_TITLES = {
    "profile": gettext_lazy("Load by hour of the week"),
    "hour_profile": gettext_lazy("Load by hour of the week"),
    "series": gettext_lazy("Metric values"),
}


def _chart_title(path: list[str]) -> str:
    for key in reversed(path):
        if key in MetricName.values:
            return metric_label(key)
        if key in CHART_TITLES:
            return str(CHART_TITLES[key])
    return _("Evidence")


def _as_series(value: Any) -> tuple[list[str], list[float | None]] | None:
    """Labels and values of a chartable piece of evidence: a list of numbers (168 of them: an hour-of-week
    profile; numbers may be decimal strings, as the engine stores Decimals), a list of ``[time, value]`` pairs
    or ``{"ts"|"t"|"date", "value"|"v"}`` points, or a ``{"labels": [...], "values": [...]}`` object; None for
    anything else."""
    if isinstance(value, dict) and isinstance(value.get("labels"), list) and isinstance(value.get("values"), list):
        if len(value["labels"]) == len(value["values"]) >= 2:
            return [str(label) for label in value["labels"]], [_number(v) for v in value["values"]]
        return None
    if not isinstance(value, list) or len(value) < 2:
        return None
    if all(v is None or (not isinstance(v, bool) and to_decimal(v) is not None) for v in value):
        if all(v is None for v in value):
            return None
        labels = _hour_labels() if len(value) == HOUR_SLOTS else [str(n) for n in range(1, len(value) + 1)]
        return labels, [_number(v) for v in value]
    if all(isinstance(v, list | tuple) and len(v) == 2 for v in value):
        return [str(v[0]) for v in value], [_number(v[1]) for v in value]
    if all(isinstance(v, dict) for v in value):
        time_key = next((k for k in ("ts", "t", "date", "time", "label") if k in value[0]), None)
        value_key = next((k for k in ("value", "v", "y") if k in value[0]), None)
        if time_key and value_key:
            return [str(v.get(time_key, "")) for v in value], [_number(v.get(value_key)) for v in value]
    return None


def evidence_charts(evidence: Any, path: list[str] | None = None, depth: int = 0) -> list[dict[str, Any]]:
    """Every chartable series in a finding's evidence (two levels deep), as what ``recommendations.js`` draws."""
    path = path or []
    charts: list[dict[str, Any]] = []
    if not isinstance(evidence, dict) or depth > 2:
        return charts
    for key, value in evidence.items():
        if str(key).endswith(("_id", "_ids", "ids")):  # identifiers, not measurements
            continue
        series = _as_series(value)
        if series is not None:
            labels, values = series
            charts.append({"title": _chart_title([*path, str(key)]), "labels": labels, "values": values,
                           "hours": len(values) == HOUR_SLOTS})
        elif isinstance(value, dict):
            charts.extend(evidence_charts(value, [*path, str(key)], depth + 1))
    return charts


SUMMARY_KEYS = ("avg", "p95", "max", "min")


def evidence_metrics(evidence: Any) -> list[dict[str, Any]]:
    """The metric windows a rule used: ``{metric: {"p95", "avg", "max", "points", "start", "end"}}`` entries
    (at the top level or under ``metrics``)."""
    rows = []
    if not isinstance(evidence, dict):
        return rows
    sources = [evidence]
    if isinstance(evidence.get("metrics"), dict):
        sources.append(evidence["metrics"])
    for source in sources:
        for key, value in source.items():
            if isinstance(value, dict) and any(k in value for k in SUMMARY_KEYS):
                label = metric_label(value.get("metric") or key) if (value.get("metric") or key) in MetricName.values \
                    else str(value.get("metric") or key)
                rows.append({"label": label, **{k: value.get(k) for k in (*SUMMARY_KEYS, "points", "start", "end")}})
    return rows


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _history(finding: Finding) -> list[dict[str, Any]]:
    events = []
    for event in selectors.finding_history(finding=finding)[:50]:
        data = event.data or {}
        to = data.get("to") or event.action.removeprefix("recommendation.")
        events.append({
            "at": event.created_at, "who": event.actor_email,
            "to": str(Status(to).label) if to in Status.values else to,
            "from": str(Status(data["from"]).label) if data.get("from") in Status.values else "",
            "reason": data.get("reason", ""), "until": _day(data.get("until")),
            "applied_on": _day(data.get("applied_on")),
        })
    return events


def _actions(finding: Finding) -> set[str]:
    """The lifecycle steps the finding's status allows (the services' own transitions)."""
    allowed = set()
    for action, target in (("accept", Status.ACCEPTED), ("dismiss", Status.DISMISSED), ("snooze", Status.SNOOZED),
                           ("apply", Status.APPLIED), ("reopen", Status.OPEN)):
        if finding.status in services.TRANSITIONS[target]:
            allowed.add(action)
    return allowed


def _detail(request: HttpRequest, finding: Finding, *, forms: dict[str, Any] | None = None,
            error: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    forms = forms or {}
    charts = evidence_charts(finding.evidence)
    return render(request, "recommendations/detail.html", {
        "finding": finding,
        "charts": charts,
        "charts_data": [{"title": c["title"], "labels": c["labels"], "values": c["values"], "hours": c["hours"]}
                        for c in charts],
        "metrics": evidence_metrics(finding.evidence),
        "evidence_json": json.dumps(finding.evidence, ensure_ascii=False, indent=2, sort_keys=True, default=str)
        if finding.evidence else "",
        "history": _history(finding),
        "can_manage": request.access.can("recommendations.manage"),
        "actions": _actions(finding),
        "dismiss_form": forms.get("dismiss") or DismissForm(),
        "snooze_form": forms.get("snooze") or SnoozeForm(initial={"until": today + timedelta(days=30)}),
        "apply_form": forms.get("apply") or ApplyForm(initial={"applied_on": today}),
        "error": error,
        "today": today,
        "nav_active": "recommendations",
    }, status=status)


def _finding(pk: int) -> Finding:
    try:
        return selectors.finding_get(pk=pk)
    except Finding.DoesNotExist as exc:
        raise Http404 from exc


@require_GET
@require_permission("recommendations.view")
def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _finding(pk))


DONE_MESSAGES = {
    "accept": gettext_lazy("The recommendation is accepted."),
    "dismiss": gettext_lazy("The recommendation is dismissed."),
    "snooze": gettext_lazy("The recommendation is snoozed until %(date)s."),
    "apply": gettext_lazy("The recommendation is marked as applied on %(date)s."),
    "reopen": gettext_lazy("The recommendation is back in work."),
}


@require_POST
@require_permission("recommendations.manage")
def recommendation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One lifecycle step from the page's forms: accept, dismiss (reason), snooze (until), apply (applied on),
    reopen. A refused step (a missing reason, a past date, a status that does not allow it) is shown on the
    page beside its form."""
    if action not in DONE_MESSAGES:
        raise Http404
    finding = _finding(pk)
    form = ACTION_FORMS[action](request.POST) if action in ACTION_FORMS else None
    if form is not None and not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return _detail(request, finding, forms={action: form}, error={"action": action, "message": first},
                       status=400)
    data = form.cleaned_data if form is not None else {}
    try:
        if action == "accept":
            services.finding_accept(finding=finding, actor=request.user)
        elif action == "dismiss":
            services.finding_dismiss(finding=finding, actor=request.user, reason=data["reason"])
        elif action == "snooze":
            services.finding_snooze(finding=finding, actor=request.user, until=data["until"])
        elif action == "apply":
            services.finding_apply(finding=finding, actor=request.user, applied_on=data.get("applied_on"))
        else:
            services.finding_reopen(finding=finding, actor=request.user)
    except ApplicationError as exc:
        finding.refresh_from_db()
        return _detail(request, finding, forms={action: form} if form is not None else None,
                       error={"action": action, "message": exc.message}, status=400)
    message = DONE_MESSAGES[action]
    if action in ("snooze", "apply"):
        when = finding.snoozed_until if action == "snooze" else finding.applied_on
        message = message % {"date": date_format(when, "SHORT_DATE_FORMAT")}
    messages.success(request, message)
    return redirect("recommendation_detail", pk=finding.pk)
