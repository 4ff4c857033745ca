"""The dashboard page (the organization host's home) and its CSV export."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.permissions import require_permission
from apps.common.csv_files import SPREADSHEET_CONTENT_TYPE, spreadsheet_csv
from apps.currency.selectors import cbr_rates_stale_since

from .selectors import dashboard_chart_data, dashboard_export_rows, dashboard_overview, dashboard_period


@require_permission("dashboard.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    period = dashboard_period(raw_range=request.GET.get("range"))
    if request.GET.get("export") == "csv":
        return _csv_response(dashboard_export_rows(period=period),
                             filename=f"infrazen-dashboard-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv")
    overview = dashboard_overview(period=period, query=request.GET.get("q", "").strip()[:100])
    if not overview["is_empty"]:
        overview["chart"] = dashboard_chart_data(series=overview["series"], currency=overview["kpis"]["currency"])
        overview["rates_stale_since"] = cbr_rates_stale_since()  # the amounts are converted at stored rates
    return render(request, "dashboard/dashboard.html", {"page_title_key": "dashboard", **overview})


def _csv_response(rows: list[list[Any]], *, filename: str) -> HttpResponse:
    """A download for people: the CSV that Russian Excel opens with numbers as numbers."""
    response = HttpResponse(spreadsheet_csv(rows), content_type=SPREADSHEET_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
