"""The page of the CFO brief (``/reports/brief/``): a month picker, the brief's figures and its downloads."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError

from .brief import brief_context
from .brief_data import brief_data, default_month, month_parse, organization_today


@require_permission("reports.view")
def report_brief(request: HttpRequest) -> HttpResponse:
    today = organization_today()
    error = None
    try:
        month = month_parse(request.GET.get("month"), today=today)
    except ApplicationError as exc:
        error, month = exc.message, default_month(today)
    data = brief_data(month, today=today)
    api = reverse("api_report_brief")
    context = {**brief_context(data), "month_value": f"{month:%Y-%m}", "max_month": f"{today:%Y-%m}",
               "month_error": error, "pdf_url": f"{api}?month={month:%Y-%m}&output=pdf",
               "xlsx_url": f"{api}?month={month:%Y-%m}&output=xlsx"}
    return render(request, "reports/brief.html", context)


urlpatterns = [
    path("reports/brief/", report_brief, name="report_brief"),
]
