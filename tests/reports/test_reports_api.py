"""/api/v1/reports/: CRUD, the query checked like the explorer's (a bad one is a 400 per parameter), runs queued
with 202 and their archive rows, the permission matrix (read: everyone; write and run: reports.manage) and
tenant isolation."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.reports.models import Report, ReportExport
from tests.reports.conftest import QUERY
from tests.utils import api_error, russian

KEYS = {"id", "name", "description", "query", "chart", "created_at", "updated_at"}
EXPORT_KEYS = {"id", "kind", "report", "title", "output", "params", "status", "progress", "error", "filename",
               "size", "created_by_id", "created_at", "finished_at"}


def test_create_read_update_delete(costs, w, client_for):
    fiona = client_for(w.fiona, "alpha")  # finance may manage reports
    answer = fiona.post("/api/v1/reports/", {"name": "По сервисам", "query": QUERY, "chart": "line"},
                        content_type="application/json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert set(body) == KEYS
    assert (body["name"], body["description"], body["query"], body["chart"]) == ("По сервисам", "", QUERY, "line")
    listed = client_for(w.vera, "alpha").get("/api/v1/reports/").json()
    assert [item["id"] for item in listed] == [body["id"]]
    changed = fiona.patch(f"/api/v1/reports/{body['id']}/", {"chart": "pie", "query": {"period": "last_month",
                          "group_by": "region"}}, content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["chart"], changed.json()["query"]) == ("pie", {"period": "last_month",
                                                                          "group_by": "region"})
    put = fiona.put(f"/api/v1/reports/{body['id']}/", {"name": "Регионы", "query": {"group_by": "region"}},
                    content_type="application/json")
    assert put.status_code == 200 and (put.json()["name"], put.json()["chart"]) == ("Регионы", "bar")
    assert fiona.delete(f"/api/v1/reports/{body['id']}/").status_code == 204
    assert fiona.get(f"/api/v1/reports/{body['id']}/").status_code == 404
    with schema_context(w.alpha.schema_name):
        assert list(AuditEvent.objects.filter(action__startswith="report.").order_by("pk").values_list(
            "action", flat=True)) == ["report.create", "report.update", "report.update", "report.delete"]


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"group_by": "colour"}, "group_by", "Unknown grouping."),
    ({"period": "forever"}, "period", "Select a valid choice. %(value)s is not one of the available choices."),
    ({"start": "2025-13-01"}, "start", "Enter a date as YYYY-MM-DD."),
    ({"start": "2025-05-02", "end": "2025-05-01"}, "end", "The end date is before the start date."),
    ({"period": "custom"}, "start", "Enter the first day."),
    ({"frobnicate": "1"}, "frobnicate", "Unknown parameter."),
    ({"service": {"a": 1}}, "service", "Give a value or a list of values."),
    ({"alloc:nope": ["x"]}, "alloc:nope", "Unknown allocation dimension."),
    ({"granularity": "hour"}, "granularity", "Select a valid choice. %(value)s is not one of the available choices."),
    ({"start": "2000-01-01", "end": "2025-01-01"}, "start", "The period is too long (at most twenty years)."),
    ({"start": "9999-01-01"}, "start", "Enter a date between 2000 and 2100."),
])
def test_a_bad_query_is_a_400_per_parameter(w, client_for, query, field, message):
    answer = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").post(
        "/api/v1/reports/", {"name": "Плохой", "query": query}, content_type="application/json")
    error = api_error(answer, 400, "invalid")
    assert error["message"] == russian("Check the report's parameters.")
    expected = russian(message) % {"value": query.get(field)} if "%(value)s" in message else russian(message)
    assert error["details"] == {field: [expected]}
    with schema_context(w.alpha.schema_name):
        assert not Report.objects.exists()


def test_a_query_that_is_not_an_object_and_an_empty_name(w, client_for):
    alice = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    error = api_error(alice.post("/api/v1/reports/", {"name": "X", "query": ["service"]},
                                 content_type="application/json"), 400, "invalid")
    assert error["details"] == {"query": [russian("Give the parameters as an object.")]}
    error = api_error(alice.post("/api/v1/reports/", {"name": " ", "query": {}}, content_type="application/json"),
                      400, "invalid")
    assert "name" in error["details"]


def test_run_is_queued_with_202_and_listed_in_the_archive(report, w, client_for):
    alice = client_for(w.alice, "alpha")
    answer = alice.post(f"/api/v1/reports/{report.pk}/run/", {"output": "xlsx"}, content_type="application/json")
    assert answer.status_code == 202, answer.content
    export = answer.json()["export"]
    assert set(export) == EXPORT_KEYS
    assert (export["status"], export["progress"], export["output"], export["report"], export["created_by_id"]) == (
        "queued", 0, "xlsx", report.pk, w.alice.pk)
    listed = alice.get(f"/api/v1/reports/{report.pk}/exports/").json()
    assert [item["id"] for item in listed] == [export["id"]]
    assert alice.get(f"/api/v1/reports/exports/{export['id']}/").json()["status"] == "queued"
    not_ready = api_error(alice.get(f"/api/v1/reports/exports/{export['id']}/download/"), 409, "conflict")
    assert not_ready["message"]
    bad = api_error(alice.post(f"/api/v1/reports/{report.pk}/run/", {"output": "docx"},
                               content_type="application/json"), 400, "invalid")
    assert "output" in bad["details"]


def test_viewer_reads_but_cannot_write_or_run(report, w, client_for):
    vera = client_for(w.vera, "alpha")
    assert vera.get("/api/v1/reports/").status_code == 200
    assert vera.get(f"/api/v1/reports/{report.pk}/").status_code == 200
    assert vera.get(f"/api/v1/reports/{report.pk}/exports/").status_code == 200
    api_error(vera.post("/api/v1/reports/", {"name": "X", "query": {}}, content_type="application/json"), 403)
    api_error(vera.patch(f"/api/v1/reports/{report.pk}/", {"name": "X"}, content_type="application/json"), 403)
    api_error(vera.delete(f"/api/v1/reports/{report.pk}/"), 403)
    api_error(vera.post(f"/api/v1/reports/{report.pk}/run/", {"output": "csv"}, content_type="application/json"),
              403)
    with schema_context(w.alpha.schema_name):
        assert not ReportExport.objects.exists()
        assert Report.objects.get().name == "Облако по сервисам"


def test_another_organization_sees_none_of_it(report, w, client_for):
    with schema_context(w.alpha.schema_name):
        export = ReportExport.objects.create(report=report, title=report.name, output="csv")
    bob = client_for(w.bob, "beta")
    assert bob.get("/api/v1/reports/").json() == []
    api_error(bob.get(f"/api/v1/reports/{report.pk}/"), 404)
    api_error(bob.post(f"/api/v1/reports/{report.pk}/run/", {"output": "csv"}, content_type="application/json"),
              404)
    api_error(bob.get(f"/api/v1/reports/exports/{export.pk}/"), 404)
    api_error(bob.get(f"/api/v1/reports/exports/{export.pk}/download/"), 404)
    # Bob on alpha's host: not a member there.
    assert client_for(w.bob, "alpha").get(f"/api/v1/reports/{report.pk}/").status_code in (403, 404)


def test_the_brief_path_is_not_taken_by_a_report_id(w, client_for):
    """``/api/v1/reports/brief/`` is the CFO brief, not a report whose id is "brief"."""
    answer = client_for(w.alice, "alpha").get("/api/v1/reports/brief/", {"month": "2025-05", "output": "xlsx"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_null_query_is_a_400_not_a_server_error(w, client_for):
    """Found by the schema fuzzer: ``query`` null in a form body."""
    answer = client_for(w.alice, "alpha").post("/api/v1/reports/", {"name": "0", "query": "null", "chart": "pie"})
    error = api_error(answer, 400, "invalid")
    assert list(error["details"]) == ["query"]
