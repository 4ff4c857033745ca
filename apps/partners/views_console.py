"""The MSP console page on the public host: the partner's clients with this month's figures and margins.

Reads ``ClientSnapshot`` rows (public schema) only: the figures are computed per client by a background job."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, selectors
from .tasks import partner_clients_refresh


def _partner(request):
    """The console's partner: 403 for a user who operates none, 404 for a ``?partner=`` not theirs."""
    partners = list(access.partners_for_user(user=request.user))
    if not partners:
        raise PermissionDenied
    slug = (request.GET.get("partner") or request.POST.get("partner") or "").strip()
    if not slug:
        return partners[0], partners
    for partner in partners:
        if partner.slug == slug:
            return partner, partners
    raise Http404


@login_required
def partner_console(request):
    partner, partners = _partner(request)
    filters = tuple(name for name in selectors.FILTERS if request.GET.get(name))
    sort = selectors.sort_key(request.GET.get("sort"))
    search = request.GET.get("q", "")[:100]
    rows = selectors.client_rows(partner=partner, search=search, filters=filters, sort=sort)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    chart = selectors.margin_chart_of(rows)
    chart_max = max((abs(item["margin"]) for item in chart), default=0)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "partners/console.html", {
        "partner": partner,
        "partners": partners,
        "rows": page.object_list,
        "page": page,
        "page_query": query.urlencode(),
        "totals": selectors.client_totals_of(rows),
        "refreshed_at": selectors.refreshed_at_of(rows),
        "chart": chart,
        "chart_max": chart_max,
        "sort": sort,
        "search": search,
        "filters": filters,
        "partner_tab": "clients",
        "can_manage": access.partner_can(user=request.user, partner_id=partner.pk, permission="partner.manage"),
    })


@login_required
@require_POST
def partner_console_refresh(request):
    partner, partners = _partner(request)
    count = partner_clients_refresh(partner)
    messages.success(request, _("The figures of %(count)s clients will be refreshed in a minute.") % {"count": count})
    url = reverse("partner_console")
    if len(partners) > 1:
        url += "?" + urlencode({"partner": partner.slug})
    return redirect(url)
