"""The «Аномалии» page: the anomalies with a small chart of each scope's days around it, the resources behind the
increase, and the confirm / dismiss-as-expected buttons. Thin: filters from the query, data from the selectors,
verdicts through the services."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.permissions import require_permission
from apps.common.pages import page_of

from . import selectors, services
from .models import Anomaly
from .vocabulary import Kind, Status

PAGE_SIZE = 20
DEFAULT_STATUSES = (Status.OPEN, Status.CONFIRMED)
ALL = "all"


def _chart(anomaly: Anomaly) -> dict:
    return {
        "labels": [date_format(date.fromisoformat(point["date"]), "j b") for point in anomaly.series],
        "actual": [float(point["actual"]) for point in anomaly.series],
        "expected": [float(point["expected"]) if point["expected"] is not None else None for point in anomaly.series],
    }


@require_GET
@require_permission("costs.view")
def anomalies(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("status", "")
    statuses = [] if raw == ALL else [s for s in raw.split(",") if s in Status.values] or list(DEFAULT_STATUSES)
    kinds = [k for k in request.GET.get("kind", "").split(",") if k in Kind.values]
    page, query = page_of(request, selectors.anomaly_list(status=statuses, kind=kinds), per_page=PAGE_SIZE)
    items = list(page.object_list)
    return render(request, "anomalies/list.html", {
        "page": page,
        "query": query,
        "items": items,
        "charts": {str(a.pk): _chart(a) for a in items},
        "status_filter": ALL if raw == ALL else ",".join(statuses),
        "status_choices": [(",".join(DEFAULT_STATUSES), _("Open and confirmed")), (Status.OPEN, Status.OPEN.label),
                           (Status.DISMISSED, Status.DISMISSED.label), (ALL, _("All"))],
        "can_manage": request.access.can("costs.manage"),
        "nav_active": "anomalies",
    })


VERDICTS = {"confirm": services.anomaly_confirm, "dismiss": services.anomaly_dismiss}


@require_POST
@require_permission("costs.manage")
def anomaly_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in VERDICTS:
        raise Http404
    try:
        anomaly = selectors.anomaly_get(pk=pk)
    except Anomaly.DoesNotExist as exc:
        raise Http404 from exc
    VERDICTS[action](anomaly=anomaly, actor=request.user)
    messages.success(request, _("The anomaly is confirmed.") if action == "confirm"
                     else _("The anomaly is dismissed as expected: this level will not be flagged again."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("anomalies")
    return redirect(target)
