"""A normal import runs quietly: no warning about its progress connection."""

from __future__ import annotations

import logging

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.common.tasks import run_in_tenant

from .conftest import DATA

AWS = DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"


def test_a_normal_import_logs_no_warning(w, client_for, caplog):
    client = client_for(w.alice, "alpha")
    upload = SimpleUploadedFile("focus.csv", AWS.read_bytes(), content_type="text/csv")
    response = client.post("/api/v1/costs/imports/", {"file": upload})
    assert response.status_code == 202, response.content
    with caplog.at_level(logging.DEBUG, logger="apps.costs"):
        run_in_tenant(w.alpha.schema_name, "apps.costs.tasks.billing_import_task", response.json()["id"])
    assert client.get(f"/api/v1/costs/imports/{response.json()['id']}/").json()["status"] == "success"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_the_progress_connection_honours_a_host_given_in_database_options(w, monkeypatch):
    # `make demo` on the embedded server: django-environ puts ?host=<socket dir> into OPTIONS, HOST is empty.
    from django.db import connection
    from django_tenants.utils import schema_context

    from apps.costs.models import BillingImport
    from apps.costs.services.import_run import _ProgressWriter

    connection.ensure_connection()
    host = connection.connection.info.host
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {**connection.settings_dict["OPTIONS"], "host": host})
    monkeypatch.setitem(connection.settings_dict, "HOST", "")
    with schema_context(w.alpha.schema_name):
        writer = _ProgressWriter(BillingImport.objects.create(file_name="focus.csv"))
        try:
            assert writer.conn is not None and writer.conn.info.host == host
        finally:
            writer.close()
