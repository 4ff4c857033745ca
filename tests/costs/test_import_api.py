"""Import API and pages: permissions, isolation between organizations, progress and report."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from apps.costs.models import BillingImport, CostRecord
from apps.costs.services.imports import billing_import_run, focus_file_import

from .conftest import DATA

pytestmark = pytest.mark.django_db
AWS = DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"


def _upload(client, **extra):
    payload = {"file": SimpleUploadedFile("focus.csv", AWS.read_bytes(), content_type="text/csv"), **extra}
    return client.post("/api/v1/costs/imports/", payload)


def test_finance_member_uploads_a_file_and_the_queued_import_reports_progress_then_success(w, client_for):
    client = client_for(w.fiona, "alpha")
    response = _upload(client, skip_invalid="false")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["percent"] == 0 and body["file_name"] == "focus.csv"
    with schema_context(w.alpha.schema_name):
        billing_import_run(import_id=body["id"])  # what the worker does
        import os

        assert not os.path.exists(BillingImport.objects.get(pk=body["id"]).stored_path)  # file dropped
    detail = client.get(f"/api/v1/costs/imports/{body['id']}/").json()
    assert detail["status"] == "success" and detail["percent"] == 100
    assert detail["rows_imported"] == 100 and detail["report"] == []
    listing = client.get("/api/v1/costs/imports/").json()
    assert listing["count"] == 1 and "report" not in listing["results"][0]


def test_viewer_cannot_upload_but_can_read_imports(w, client_for):
    client = client_for(w.vera, "alpha")
    assert _upload(client).status_code == 403
    assert client.get("/api/v1/costs/imports/").status_code == 200
    assert client.post("/costs/imports/", {}).status_code == 403


def test_engineer_cannot_upload(w, client_for):
    assert _upload(client_for(w.erin, "alpha")).status_code == 403


def test_alphas_import_is_invisible_to_beta(w, client_for):
    with schema_context(w.alpha.schema_name):
        bi = focus_file_import(path=str(AWS))
        assert CostRecord.objects.count() == 100
    beta = client_for(w.bob, "beta")
    assert beta.get("/api/v1/costs/imports/").json()["count"] == 0
    assert beta.get(f"/api/v1/costs/imports/{bi.pk}/").status_code == 404
    with schema_context(w.beta.schema_name):
        assert not CostRecord.objects.exists()
    assert client_for(w.charlie, "alpha").get("/api/v1/costs/imports/").status_code == 403


def test_upload_without_a_file_is_a_400_in_the_error_shape(w, client_for):
    response = client_for(w.alice, "alpha").post("/api/v1/costs/imports/", {})
    assert response.status_code == 400
    assert "file" in response.json()["error"]["details"]


def test_upload_page_queues_the_file_and_the_detail_page_shows_the_report(w, client_for, tmp_path):
    client = client_for(w.alice, "alpha")
    page = client.get("/costs/imports/")
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.content
    bad = tmp_path / "bad.csv"
    text = AWS.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([text[0], text[1].replace(",Usage,", ",Usage-ish,", 1)]) + "\n", encoding="utf-8")
    response = client.post("/costs/imports/", {"file": SimpleUploadedFile("bad.csv", bad.read_bytes())})
    assert response.status_code == 302
    pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    with schema_context(w.alpha.schema_name):
        billing_import_run(import_id=pk)
    detail = client.get(f"/costs/imports/{pk}/")
    assert detail.status_code == 200
    assert b'id="import-report"' in detail.content and b"Usage-ish" in detail.content
    assert b'id="import-status"' in detail.content and b"hx-trigger" not in detail.content  # finished: no polling


def test_viewer_sees_the_imports_page_without_the_upload_form(w, client_for):
    page = client_for(w.vera, "alpha").get("/costs/imports/")
    assert page.status_code == 200 and b"multipart/form-data" not in page.content


def _stored_uploads(settings, schema: str) -> list:
    from pathlib import Path

    folder = Path(settings.BILLING_IMPORT_DIR) / schema
    return sorted(folder.glob("*.upload")) if folder.exists() else []


def test_a_file_over_the_size_limit_is_refused_in_russian_and_nothing_is_kept(w, client_for, settings, tmp_path):
    settings.BILLING_IMPORT_DIR = tmp_path
    settings.BILLING_IMPORT_MAX_MB = 1
    big = SimpleUploadedFile("big.csv", AWS.read_bytes() * 40, content_type="text/csv")  # ~1.5 MB
    assert big.size > 1024 * 1024
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    response = client.post("/api/v1/costs/imports/", {"file": big})
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "file_too_large" and "1 МБ" in error["message"]
    big.seek(0)
    page = client.post("/costs/imports/", {"file": big})
    assert page.status_code == 200 and "1 МБ" in page.content.decode()
    with schema_context(w.alpha.schema_name):
        assert not BillingImport.objects.exists()
    assert _stored_uploads(settings, w.alpha.schema_name) == []


def test_a_full_disk_while_storing_the_upload_is_a_clear_error_not_a_500(w, client_for, settings, tmp_path,
                                                                          monkeypatch):
    import builtins
    import errno

    from apps.costs.services import imports as services

    settings.BILLING_IMPORT_DIR = tmp_path

    def full_disk(path, mode="r", *args, **kwargs):
        handle = builtins.open(path, mode, *args, **kwargs)

        class Full:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                handle.close()
                return False

            def write(self, data):
                handle.write(data[:10])  # part of it made it to disk
                raise OSError(errno.ENOSPC, "No space left on device")

        return Full()

    monkeypatch.setattr(services, "open", full_disk, raising=False)
    response = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").post(
        "/api/v1/costs/imports/", {"file": SimpleUploadedFile("focus.csv", AWS.read_bytes(), content_type="text/csv")})
    assert response.status_code == 507
    assert response.json()["error"]["code"] == "storage_full"
    assert "места на диске" in response.json()["error"]["message"]
    with schema_context(w.alpha.schema_name):
        assert not BillingImport.objects.exists()
    assert _stored_uploads(settings, w.alpha.schema_name) == []


def test_the_imports_list_filters_by_status_and_format_and_rejects_unknown_values(w, client_for):
    with schema_context(w.alpha.schema_name):
        good = focus_file_import(path=str(AWS))
        BillingImport.objects.create(file_name="broken.csv", status="error", error_code="invalid")
    client = client_for(w.vera, "alpha")
    assert [i["id"] for i in client.get("/api/v1/costs/imports/", {"status": "success"}).json()["results"]] \
        == [good.pk]
    assert client.get("/api/v1/costs/imports/", {"status": "error"}).json()["count"] == 1
    assert client.get("/api/v1/costs/imports/", {"file_format": good.format}).json()["count"] == 1
    assert client.get("/api/v1/costs/imports/", {"created_after": "2000-01-01"}).json()["count"] == 2
    refused = client.get("/api/v1/costs/imports/", {"status": "lost", "created_after": "yesterday"},
                         HTTP_ACCEPT_LANGUAGE="ru")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "invalid" and set(error["details"]) == {"status", "created_after"}
