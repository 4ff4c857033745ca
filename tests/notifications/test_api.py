"""The channels and alerts API: CRUD, the test message (a wrong bot token says so in Russian), the link code, the
alert history's item shape, the permission matrix and tenant isolation."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.notifications.models import Channel
from apps.notifications.services import alert_enqueue, alerts_deliver
from tests.utils import api_error

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=MSK)
CHANNEL_KEYS = {"id", "kind", "name", "chat_id", "address", "enabled", "kinds", "quiet_start", "quiet_end",
                "throttle_seconds", "personal", "created_at", "updated_at"}


def post(client, url, body=None):
    return client.post(url, json.dumps(body) if body is not None else "", content_type="application/json")


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)


def test_channel_crud_by_finance_and_read_only_for_viewer(w, client_for):
    fiona = client_for(w.fiona, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    vera = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    erin = client_for(w.erin, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    created = post(fiona, "/api/v1/channels/", {"kind": "telegram", "chat_id": " -1001234 ", "name": "Дежурные",
                                                "kinds": ["anomaly", "budget_actual"], "quiet_start": "23:00",
                                                "quiet_end": "08:00"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == CHANNEL_KEYS
    assert (body["chat_id"], body["address"], body["quiet_start"], body["quiet_end"]) == (
        "-1001234", "", "23:00", "08:00")
    pk = body["id"]
    # Reading: every role with costs.view; writing: costs.manage (owner, admin, finops, finance).
    assert [c["id"] for c in vera.get("/api/v1/channels/").json()] == [pk]
    assert vera.get(f"/api/v1/channels/{pk}/").json()["name"] == "Дежурные"
    api_error(post(vera, "/api/v1/channels/", {"kind": "email", "address": "v@alpha.test"}), 403)
    api_error(erin.patch(f"/api/v1/channels/{pk}/", json.dumps({"enabled": False}),
                         content_type="application/json"), 403)
    api_error(post(erin, f"/api/v1/channels/{pk}/test/"), 403)
    api_error(post(vera, "/api/v1/channels/link-code/"), 403)
    changed = fiona.patch(f"/api/v1/channels/{pk}/", json.dumps({"enabled": False, "kinds": []}),
                          content_type="application/json")
    assert changed.status_code == 200 and changed.json()["enabled"] is False and changed.json()["kinds"] == []
    # Bad input: an email channel without an address, an unknown kind, half quiet hours.
    error = api_error(post(fiona, "/api/v1/channels/", {"kind": "email"}), 400)
    assert error["message"] == "Укажите адрес эл. почты."
    api_error(post(fiona, "/api/v1/channels/", {"kind": "telegram", "chat_id": "1", "kinds": ["bogus"]}), 400)
    error = api_error(post(fiona, "/api/v1/channels/", {"kind": "telegram", "chat_id": "1", "quiet_start": "22:00"}),
                      400)
    assert error["message"] == "Укажите и начало, и конец тихих часов — или не указывайте их вовсе."
    assert fiona.delete(f"/api/v1/channels/{pk}/").status_code == 204
    with schema_context(w.alpha.schema_name):
        assert not Channel.objects.exists()
        assert list(AuditEvent.objects.filter(action__startswith="notification_channel.").order_by("id")
                    .values_list("action", flat=True)) == [
            "notification_channel.created", "notification_channel.updated", "notification_channel.deleted"]


def test_tenant_isolation(w, client_for):
    with schema_context(w.alpha.schema_name):
        channel = Channel.objects.create(kind="email", name="alpha", address="a@alpha.test")
        alert_enqueue(kind="runway", subject_type="connection", subject_id="1", dedup_key="runway:1",
                      title="Баланс", text="Осталось 3 дня", link="http://alpha.infrazen.test/")
    bob = client_for(w.bob, "beta")
    assert bob.get("/api/v1/channels/").json() == []
    assert bob.get("/api/v1/alerts/").json()["count"] == 0
    api_error(bob.get(f"/api/v1/channels/{channel.pk}/"), 404)
    api_error(post(bob, f"/api/v1/channels/{channel.pk}/test/"), 404)
    # beta's member cannot reach alpha's host at all.
    assert client_for(w.charlie, "alpha").get("/api/v1/channels/").status_code in (403, 404)


def test_channel_test_message_and_wrong_token(w, client_for, telegram, settings):
    alice = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    pk = post(alice, "/api/v1/channels/", {"kind": "telegram", "chat_id": "5551"}).json()["id"]
    answer = post(alice, f"/api/v1/channels/{pk}/test/")
    assert answer.status_code == 200 and answer.json() == {"sent": True}
    [message] = telegram.messages
    assert message["visible"] == "InfraZen: тестовое сообщение\n\nСюда будут приходить уведомления «Alpha LLC»."
    settings.TELEGRAM_BOT_TOKEN = "123456:WRONG"
    error = api_error(post(alice, f"/api/v1/channels/{pk}/test/"), 400)
    assert error["message"] == "Telegram не принял токен бота (TELEGRAM_BOT_TOKEN): проверьте его."
    telegram.blocked = {"5551"}
    settings.TELEGRAM_BOT_TOKEN = telegram.token
    assert api_error(post(alice, f"/api/v1/channels/{pk}/test/"), 400)["message"] == "Пользователь заблокировал бота."
    assert len(telegram.messages) == 1


def test_link_code_api(w, client_for, telegram, frozen):
    alice = client_for(w.alice, "alpha")
    answer = post(alice, "/api/v1/channels/link-code/")
    assert answer.status_code == 201
    body = answer.json()
    assert body["code"].startswith(f"{w.alpha.pk}-") and body["command"] == f"/start {body['code']}"
    assert body["bot_url"] == f"https://t.me/infrazen_test_bot?start={body['code']}"
    assert body["expires_at"] == "2026-12-07T13:00:00+03:00"


def test_alert_history_items(w, client_for, telegram, frozen):
    with schema_context(w.alpha.schema_name):
        ok = Channel.objects.create(kind="telegram", name="ok", chat_id="1")
        blocked = Channel.objects.create(kind="telegram", name="blocked", chat_id="2")
        alert_enqueue(kind="budget_forecast", subject_type="budget", subject_id="4", dedup_key="budget:4:f100",
                      title="Прогноз", text="Прогноз превысит бюджет", link="http://alpha.infrazen.test/budgets/4/")
        telegram.blocked = {"2"}
        alerts_deliver()
    vera = client_for(w.vera, "alpha")
    body = vera.get("/api/v1/alerts/").json()
    assert body["count"] == 2
    items = {item["channel"]: item for item in body["results"]}
    assert set(items[ok.pk]) == {"id", "kind", "subject", "channel", "status", "error", "text", "link", "created",
                                 "sent"}
    assert items[ok.pk]["kind"] == "budget_forecast" and items[ok.pk]["subject"] == {"type": "budget", "id": "4"}
    assert (items[ok.pk]["status"], items[ok.pk]["error"], items[ok.pk]["sent"]) == (
        "sent", "", "2026-12-07T12:00:00+03:00")
    assert items[ok.pk]["text"] == "Прогноз превысит бюджет"
    assert items[ok.pk]["link"] == "http://alpha.infrazen.test/budgets/4/"
    assert (items[blocked.pk]["status"], items[blocked.pk]["error"], items[blocked.pk]["sent"]) == (
        "failed", "Пользователь заблокировал бота.", None)
    failed = vera.get("/api/v1/alerts/", {"status": "failed"}).json()
    assert [item["channel"] for item in failed["results"]] == [blocked.pk]
    assert client_for(w.erin, "alpha").get("/api/v1/alerts/").status_code == 200
