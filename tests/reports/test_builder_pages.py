"""The «Отчёты» pages: the list with the nav entry, the builder (preview, save), a report's page with its preview
and runs, the archive (polling while a file is generated, download), and who may do what."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.reports.models import Report, ReportExport
from apps.reports.tasks import export_generate_task
from tests.utils import russian

NBSP = "\u00a0"

FORM = {"name": "Сервисы за май", "description": "", "chart": "bar", "group_by": "service", "period": "custom",
        "start": "2025-05-01", "end": "2025-05-02", "granularity": "day", "metric": "billed", "provider": "",
        "service": "", "region": "", "billing_account": "", "resource": "", "tags": ""}


def _text(response) -> str:
    return response.content.decode().replace(NBSP, " ").replace("&nbsp;", " ")


def test_the_list_page_and_the_nav_entry(report, w, client_for):
    page = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/reports/")
    assert page.status_code == 200
    html = _text(page)
    assert russian("Reports") == "Отчёты" and "Отчёты" in html and "/reports/" in html
    assert "Облако по сервисам" in html
    assert "data-report-new" not in html  # a viewer cannot build reports


def test_preview_then_save_from_the_builder(costs, w, client_for):
    alice = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    assert alice.get("/reports/new/").status_code == 200
    previewed = alice.post("/reports/new/", {**FORM, "action": "preview"})
    assert previewed.status_code == 200
    html = _text(previewed)
    # Compute Cloud 100 000,00 + 17 150,00; all rows 119 150,00.
    assert "117 150,00 ₽" in html and "119 150,00 ₽" in html and "data-preview-chart" in html
    with schema_context(w.alpha.schema_name):
        assert not Report.objects.exists()
    saved = alice.post("/reports/new/", {**FORM, "action": "save", "service": "Compute Cloud"})
    assert saved.status_code == 302
    with schema_context(w.alpha.schema_name):
        report = Report.objects.get()
    assert report.query == {"period": "custom", "start": "2025-05-01", "end": "2025-05-02", "group_by": "service",
                            "granularity": "day", "metric": "billed", "service": ["Compute Cloud"]}
    detail = _text(alice.get(saved["Location"]))
    assert "117 150,00 ₽" in detail and "Object Storage" not in detail
    edit = alice.get(f"/reports/{report.pk}/edit/")
    assert edit.status_code == 200 and edit.context["form"].initial["service"] == "Compute Cloud"


def test_the_builder_explains_a_bad_period_in_russian(costs, w, client_for):
    alice = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    page = alice.post("/reports/new/", {**FORM, "start": "2025-05-02", "end": "2025-05-01", "action": "save"})
    assert page.status_code == 200
    assert page.context["form"].errors["end"] == [russian("The end date is before the start date.")]


def test_run_from_the_page_polls_then_downloads(report, w, client_for):
    alice = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    assert alice.post(f"/reports/{report.pk}/run/", {"output": "csv"}).status_code == 302
    with schema_context(w.alpha.schema_name):
        export = ReportExport.objects.get()
    page = _text(alice.get(f"/reports/{report.pk}/"))
    assert 'hx-trigger="every 2s"' in page  # queued: the archive polls itself
    assert alice.get(f"/reports/files/{export.pk}/status/").json()["status"] == "queued"
    assert alice.get(f"/reports/files/{export.pk}/").status_code == 404  # nothing to download yet
    with schema_context(w.alpha.schema_name):
        export_generate_task(export.pk)
    status = alice.get(f"/reports/files/{export.pk}/status/").json()
    assert (status["status"], status["progress"]) == ("done", 100)
    partial = alice.get(f"/reports/files/?report={report.pk}", HTTP_HX_REQUEST="true")
    html = _text(partial)
    assert "every 2s" not in html and "Alice Owner" in html and "data-file-download" in html
    download = alice.get(f"/reports/files/{export.pk}/")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert "117150,00" in download.content.decode("utf-8-sig")


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/reports/new/"), ("post", "/reports/{pk}/run/"), ("get", "/reports/{pk}/edit/"),
    ("post", "/reports/{pk}/delete/"),
])
def test_a_viewer_cannot_build_or_run(report, w, client_for, method, path):
    vera = client_for(w.vera, "alpha")
    answer = getattr(vera, method)(path.format(pk=report.pk), {"output": "csv"} if method == "post" else None)
    assert answer.status_code == 403
    assert vera.get(f"/reports/{report.pk}/").status_code == 200


def test_another_organization_cannot_open_the_file(report, w, client_for):
    with schema_context(w.alpha.schema_name):
        export = ReportExport.objects.create(report=report, title=report.name, output="csv")
        export_generate_task(export.pk)
    assert client_for(w.bob, "beta").get(f"/reports/files/{export.pk}/").status_code == 404
    assert client_for(w.bob, "beta").get(f"/reports/{report.pk}/").status_code == 404
