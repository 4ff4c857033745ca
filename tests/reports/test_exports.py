"""A report's run through the worker's task: CSV totals equal the ledger rows summed by hand, an XLSX with numbers
as numbers and Russian headers, a PDF with the name and the totals in Russian format, a PNG chart; a report over
ten years of daily data by resource is refused by the size limit with a Russian message."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from openpyxl import load_workbook
from pypdf import PdfReader

from apps.costs.services.rollups import cost_rollups_refresh
from apps.reports import services
from apps.reports.models import ReportExport
from apps.reports.tasks import export_generate_task
from tests.costs.explorer_data import ledger, row
from tests.utils import api_error, russian

NBSP = "\u00a0"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _run(client, report, output: str, schema: str = "") -> ReportExport:
    """Run through the API, then the worker's task function in the organization's schema."""
    answer = client.post(f"/api/v1/reports/{report.pk}/run/", {"output": output}, content_type="application/json")
    assert answer.status_code == 202, answer.content
    export_id = answer.json()["export"]["id"]
    schema = schema or _schema(client)
    with schema_context(schema):
        assert export_generate_task(export_id) in ("done", "failed")
    status = client.get(f"/api/v1/reports/exports/{export_id}/").json()
    with schema_context(schema):
        export = ReportExport.objects.get(pk=export_id)
    assert status["status"] == export.status
    return export


def _schema(client) -> str:
    from apps.tenants.models import Organization

    return Organization.objects.get(slug=client.defaults["HTTP_HOST"].split(".")[0]).schema_name


def _download(client, export: ReportExport) -> bytes:
    answer = client.get(f"/api/v1/reports/exports/{export.pk}/download/")
    assert answer.status_code == 200, answer.content[:300]
    assert answer["Content-Disposition"].startswith("attachment")
    return b"".join(answer.streaming_content) if answer.streaming else answer.content


def test_csv_totals_equal_the_ledger_summed_by_hand(report, w, client_for):
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    export = _run(client, report, "csv")
    assert (export.status, export.progress, export.error) == ("done", 100, "")
    content = _download(client, export)
    assert export.size == len(content) and export.filename.endswith("_20250501-20250502.csv")
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    header = lines[0]
    total_at = header.index(russian("Total"))
    by_group = {line[0]: Decimal(line[total_at].replace(",", ".")) for line in lines[1:]}
    # Compute Cloud 100 000,00 + 17 150,00; Object Storage 1 234,56 + 765,44; all four rows together.
    assert by_group == {"Compute Cloud": Decimal("117150.00"), "Object Storage": Decimal("2000.00"),
                        russian("Total"): Decimal("119150.00")}


def test_xlsx_numbers_are_numbers_with_russian_headers_and_a_parameters_sheet(report, w, client_for):
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    export = _run(client, report, "xlsx")
    assert export.status == "done"
    book = load_workbook(io.BytesIO(_download(client, export)))
    costs, parameters = book.worksheets
    header = [cell.value for cell in costs[1]]
    assert header == [russian("Group"), russian("Currency"), "01.05.2025", "02.05.2025", russian("Total")]
    assert costs.freeze_panes == "C2"
    rows = {r[0]: r for r in costs.iter_rows(min_row=2, values_only=True)}
    compute = rows["Compute Cloud"]
    assert all(isinstance(v, int | float) for v in compute[2:])
    assert [Decimal(str(v)) for v in compute[2:]] == [Decimal("100000"), Decimal("17150"), Decimal("117150")]
    assert Decimal(str(rows[russian("Total")][4])).quantize(Decimal("0.01")) == Decimal("119150.00")
    assert "₽" in costs.cell(row=2, column=3).number_format
    about = {r[0]: r[1] for r in parameters.iter_rows(min_row=2, values_only=True)}
    assert about[russian("Report")] == "Облако по сервисам"
    assert about[russian("Period")] == "01.05.2025 — 02.05.2025"
    assert about[russian("Group by")] == russian("Service")


def test_pdf_has_the_name_and_the_totals_in_russian_format(report, w, client_for):
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    export = _run(client, report, "pdf")
    assert export.status == "done" and export.content_type == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(_download(client, export))).pages)
    text = text.replace(NBSP, " ").replace("\u202f", " ")
    assert "Облако по сервисам" in text
    assert "117 150,00 ₽" in text and "2 000,00 ₽" in text and "119 150,00 ₽" in text
    assert "01.05.2025 — 02.05.2025" in text


def test_png_is_the_chart(report, w, client_for):
    client = client_for(w.alice, "alpha")
    export = _run(client, report, "png")
    assert export.status == "done" and export.content_type == "image/png"
    assert _download(client, export).startswith(PNG_SIGNATURE)


@pytest.fixture
def ten_years(in_alpha, w):
    """60 resources, each with a cost on one day somewhere in 2016-2025; a daily report over the ten years has
    3 653 days (3 650 + the leap days of 2016, 2020 and 2024) × 60 resources = 219 180 cells > 200 000."""
    rows = [row(date(2016 + i % 10, 1 + i % 12, 1 + i % 28), "10", resource=f"vm-{i:02d}") for i in range(60)]
    ledger(rows)
    cost_rollups_refresh(start=date(2016, 1, 1), end=date(2025, 12, 31), fetch_missing_rates=False)
    return services.report_create(actor=w.alice, name="Десять лет", query={
        "start": "2016-01-01", "end": "2025-12-31", "group_by": "resource", "granularity": "day"})


def test_ten_years_of_daily_data_by_resource_is_refused_by_the_size_limit(ten_years, w, client_for, settings):
    assert settings.REPORT_MAX_CELLS == 200_000
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    export = _run(client, ten_years, "xlsx")
    assert export.status == "failed" and export.content is None and export.size == 0
    error = export.error.replace(NBSP, " ").replace("\u202f", " ")
    expected = russian("The report is too large: %(groups)s groups × %(periods)s periods = %(cells)s cells, "
                       "at most %(limit)s.", groups="60", periods="3 653", cells="219 180", limit="200 000")
    assert error.startswith(expected), error
    assert russian("by week or by month") in error
    status = client.get(f"/api/v1/reports/exports/{export.pk}/").json()
    assert (status["status"], status["error"]) == ("failed", export.error)
    api_error(client.get(f"/api/v1/reports/exports/{export.pk}/download/"), 409)
    # By month the same ten years fit: 120 months × 60 resources = 7 200 cells.
    client.patch(f"/api/v1/reports/{ten_years.pk}/", {"query": {
        "start": "2016-01-01", "end": "2025-12-31", "group_by": "resource", "granularity": "month"}},
        content_type="application/json")
    monthly = _run(client, ten_years, "csv")
    assert monthly.status == "done", monthly.error
    lines = bytes(monthly.content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 60 + 1  # header, 60 resources, total
    total_at = lines[0].split(";").index(russian("Total"))
    assert lines[-1].split(";")[total_at] == "600,00"  # 60 resources × 10 ₽


def test_the_run_queues_the_worker_task_that_generates_the_file(report, w, client_for, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    """What the worker receives once the request commits, run the way the worker runs it."""
    from apps.common import tasks as common_tasks

    queued = []
    monkeypatch.setattr(common_tasks, "async_task", lambda *args, **kwargs: queued.append(args))
    client = client_for(w.alice, "alpha")
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/reports/{report.pk}/run/", {"output": "png"}, content_type="application/json")
    export_id = answer.json()["export"]["id"]
    assert queued == [("apps.common.tasks.run_in_tenant_queued", w.alpha.schema_name,
                       "apps.reports.tasks.export_generate_task", [export_id], {})]
    assert common_tasks.run_in_tenant_queued(*queued[0][1:]) == "done"
    assert _download(client, _run_status(client, export_id)).startswith(PNG_SIGNATURE)


def _run_status(client, export_id: int) -> ReportExport:
    assert client.get(f"/api/v1/reports/exports/{export_id}/").json()["status"] == "done"
    return ReportExport(pk=export_id)
