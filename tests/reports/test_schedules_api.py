"""The report schedules API and pages: CRUD by finance, read-only for the viewer (403 on change), another tenant
sees none of them (404), bad input is a Russian 400, «Send now» is a 202 that queues the delivery, and the page
lists, creates, switches off and deletes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from apps.notifications.models import Channel
from apps.reports.models import Report, ReportSchedule
from tests.utils import api_error

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=MSK)  # Monday noon in Moscow
KEYS = {"id", "kind", "report", "report_name", "frequency", "weekday", "day", "hour", "output", "channels",
        "enabled", "next_run_at", "last_run_at", "created_at"}


def send(client, method, url, body=None):
    return getattr(client, method)(url, json.dumps(body) if body is not None else "",
                                   content_type="application/json")


@pytest.fixture
def alpha_data(w, time_machine):
    time_machine.move_to(T0, tick=False)
    with schema_context(w.alpha.schema_name):
        report = Report.objects.create(name="Сервисы", query={"group_by": "service"})
        channel = Channel.objects.create(kind="email", name="CFO", address="cfo@alpha.test")
    return report, channel


def test_crud_send_and_permissions(w, client_for, alpha_data, monkeypatch):
    report, channel = alpha_data
    queued = []
    monkeypatch.setattr("apps.reports.api_schedules.enqueue_in_tenant",
                        lambda schema, func, *args, **kw: queued.append((schema, func, args)))
    fiona = client_for(w.fiona, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    vera = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    bob = client_for(w.bob, "beta", HTTP_ACCEPT_LANGUAGE="ru")
    created = send(fiona, "post", "/api/v1/report-schedules/",
                   {"kind": "report", "report": report.pk, "frequency": "monthly", "day": 31, "hour": 10,
                    "output": "xlsx", "channels": [channel.pk]})
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == KEYS and body["report_name"] == "Сервисы" and body["channels"] == [channel.pk]
    # Monthly on the 31st at 10 MSK after 7 Dec: 31 Dec 2026 10:00 MSK = 07:00 UTC.
    assert datetime.fromisoformat(body["next_run_at"]) == datetime(2026, 12, 31, 7, 0, tzinfo=UTC)
    url = f"/api/v1/report-schedules/{body['id']}/"
    assert vera.get("/api/v1/report-schedules/").json()[0]["id"] == body["id"]
    api_error(send(vera, "patch", url, {"enabled": False}), 403)
    api_error(send(vera, "post", url + "send/"), 403)
    assert bob.get("/api/v1/report-schedules/").json() == []
    api_error(bob.get(url), 404)
    bad = api_error(send(fiona, "post", "/api/v1/report-schedules/", {"kind": "report", "output": "csv"}), 400)
    assert bad["message"] == "Выберите отчёт для рассылки."
    bad_output = api_error(send(fiona, "post", "/api/v1/report-schedules/", {"kind": "brief", "output": "csv"}),
                           400)
    assert bad_output["message"] == "Сводка для финансового директора рассылается в формате PDF или XLSX."
    bad_channel = api_error(send(fiona, "patch", url, {"channels": [999999]}), 400)
    assert bad_channel["message"] == "Выберите каналы уведомлений организации."
    changed = send(fiona, "patch", url, {"frequency": "weekly", "weekday": 4, "hour": 9})
    assert changed.status_code == 200 and changed.json()["channels"] == [channel.pk]
    # Friday 11 Dec 2026 09:00 MSK = 06:00 UTC.
    assert datetime.fromisoformat(changed.json()["next_run_at"]) == datetime(2026, 12, 11, 6, 0, tzinfo=UTC)
    sent = send(fiona, "post", url + "send/")
    assert sent.status_code == 202 and sent.json() == {"queued": True}
    assert queued == [(w.alpha.schema_name, "apps.reports.tasks_schedules.schedule_send_task", (body["id"],))]
    assert send(fiona, "delete", url).status_code == 204
    with schema_context(w.alpha.schema_name):
        assert not ReportSchedule.objects.exists()


def test_schedules_page(w, client_for, alpha_data, monkeypatch):
    report, channel = alpha_data
    monkeypatch.setattr("apps.reports.views_schedules.enqueue_in_tenant", lambda *a, **kw: None)
    fiona = client_for(w.fiona, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    vera = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    empty = fiona.get("/reports/schedules/")
    assert empty.status_code == 200 and "Расписаний пока нет" in empty.content.decode()
    assert vera.get("/reports/schedules/new/").status_code == 403
    bad = fiona.post("/reports/schedules/new/", {"what": "brief", "frequency": "monthly", "day": "1", "hour": "8",
                                                 "output": "csv", "weekday": "0"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["output"] == [
        "Сводка для финансового директора рассылается в формате PDF или XLSX."]
    made = fiona.post("/reports/schedules/new/", {"what": str(report.pk), "frequency": "weekly", "weekday": "2",
                                                  "day": "1", "hour": "8", "output": "xlsx",
                                                  "channels": [str(channel.pk)], "enabled": "on"})
    assert made.status_code == 302
    with schema_context(w.alpha.schema_name):
        schedule = ReportSchedule.objects.get()
    page = fiona.get("/reports/schedules/").content.decode()
    assert "Сервисы" in page and "Каждую неделю, Среда, в 8:00" in page and "Отправить сейчас" in page
    assert "Отправить сейчас" not in vera.get("/reports/schedules/").content.decode()
    assert fiona.post(f"/reports/schedules/{schedule.pk}/send/").status_code == 302
    assert fiona.post(f"/reports/schedules/{schedule.pk}/disable/").status_code == 302
    with schema_context(w.alpha.schema_name):
        schedule.refresh_from_db()
        assert schedule.enabled is False
    assert client_for(w.bob, "beta").post(f"/reports/schedules/{schedule.pk}/delete/").status_code == 404
    assert fiona.post(f"/reports/schedules/{schedule.pk}/delete/").status_code == 302
    with schema_context(w.alpha.schema_name):
        assert not ReportSchedule.objects.exists()
