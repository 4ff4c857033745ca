"""Billing import pages: upload form with history, and one import's progress and report."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRefresh

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError

from . import selectors, services
from .forms import BillingImportForm
from .models import BillingImport, ImportStatus


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
                billing_import = services.billing_import_create(
                    uploaded_file=form.cleaned_data["file"], user=request.user,
                    connection=form.cleaned_data["connection"], skip_invalid=form.cleaned_data["skip_invalid"])
            except ApplicationError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("billing_import_detail", pk=billing_import.pk)
    imports = selectors.billing_import_list()[:50]
    return render(request, "costs/imports.html", {"form": form, "imports": imports, "can_manage": can_manage})


@require_permission("costs.view")
def billing_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        billing_import = selectors.billing_import_get(import_id=pk)
    except BillingImport.DoesNotExist as exc:
        raise Http404 from exc
    if request.htmx:  # the progress card polls itself while the import runs
        if billing_import.is_finished:  # the finished page adds the summary, the report and the explorer link
            return HttpResponseClientRefresh()
        return render(request, "costs/_import_progress.html", {"bi": billing_import})
    return render(request, "costs/import_detail.html",
                  {"bi": billing_import, "explorer_url": _explorer_url(billing_import),
                   "status_labels": dict(ImportStatus.choices)})


def _explorer_url(billing_import: BillingImport) -> str | None:
    """The explorer over the imported period, by service, in the file's own currencies (exactly what it holds,
    whether or not exchange rates for those days are known yet)."""
    if billing_import.status != ImportStatus.SUCCESS or not billing_import.period_start:
        return None
    query = urlencode({"start": billing_import.period_start.isoformat(),
                       "end": (billing_import.period_end or billing_import.period_start).isoformat(),
                       "group_by": "service", "currency": "billing"})
    return f"{reverse('cost_explorer')}?{query}"
