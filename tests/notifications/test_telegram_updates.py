"""Linking a chat with ``/start <one-time code>`` received by getUpdates polling or by the webhook, and the inline
buttons' callbacks, against the fake Bot API."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.notifications.models import Alert, Channel, LinkCode
from apps.notifications.services import alert_enqueue, link_code_create, telegram_poll
from tests.conftest import host

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=MSK)
PRIVATE = {"id": 5551, "type": "private", "first_name": "Алиса", "username": "alice_ops"}
GROUP = {"id": -1001234567890, "type": "supergroup", "title": "FinOps дежурные"}
LINKED = "Чат подключён к «Alpha LLC»: сюда будут приходить уведомления InfraZen."
BAD_CODE = "Код не найден или истёк. Получите новый на странице «Уведомления» в InfraZen."


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def _code(schema: str, user=None) -> str:
    with schema_context(schema):
        return link_code_create(actor=user).code


def _channels(schema: str) -> list[tuple[str, str, str]]:
    with schema_context(schema):
        return list(Channel.objects.order_by("id").values_list("kind", "chat_id", "name"))


def test_start_code_by_polling_links_private_chat_and_group_once(w, frozen, telegram):
    code = _code(w.alpha.schema_name, w.alice)
    assert code.startswith(f"{w.alpha.pk}-")
    telegram.push_text(PRIVATE, f"/start {code}")
    assert telegram_poll() == 1
    assert _channels(w.alpha.schema_name) == [("telegram", "5551", "@alice_ops")]
    assert _channels(w.beta.schema_name) == []
    assert [m["visible"] for m in telegram.sent_to(5551)] == [LINKED]
    with schema_context(w.alpha.schema_name):
        link = LinkCode.objects.get(code=code)
        assert link.used_at == T0 and link.channel.chat_id == "5551" and link.created_by_id == w.alice.pk
    # The code is one-time: sent again (from another chat) it links nothing.
    telegram.push_text({"id": 6000, "type": "private", "first_name": "Мэллори"}, f"/start {code}")
    assert telegram_poll() == 1  # the first update was confirmed by the offset: only the new one comes
    assert [m["visible"] for m in telegram.sent_to(6000)] == [BAD_CODE]
    assert len(_channels(w.alpha.schema_name)) == 1
    # A group, with the bot's name on the command as Telegram sends it there.
    second = _code(w.alpha.schema_name)
    telegram.push_text(GROUP, f"/start@infrazen_test_bot {second}")
    assert telegram_poll() == 1
    assert _channels(w.alpha.schema_name)[1] == ("telegram", "-1001234567890", "FinOps дежурные")
    assert telegram_poll() == 0


def test_expired_or_foreign_codes_link_nothing(w, frozen, telegram):
    code = _code(w.alpha.schema_name)
    frozen.move_to(T0 + timedelta(minutes=61))  # NOTIFY_LINK_CODE_MINUTES = 60
    telegram.push_text(PRIVATE, f"/start {code}")
    # Beta's organization id with alpha's random part: not beta's code.
    telegram.push_text(PRIVATE, f"/start {w.beta.pk}-{code.split('-', 1)[1]}")
    telegram.push_text(PRIVATE, "/start")
    assert telegram_poll() == 3
    assert _channels(w.alpha.schema_name) == [] and _channels(w.beta.schema_name) == []
    assert [m["visible"] for m in telegram.sent_to(5551)] == [BAD_CODE] * 3


def test_callback_button_is_recorded_and_answered(w, frozen, telegram):
    with schema_context(w.alpha.schema_name):
        Channel.objects.create(kind="telegram", name="ops", chat_id="5551")
        [alert] = alert_enqueue(kind="anomaly", subject_type="anomaly", subject_id="7", dedup_key="anomaly:7",
                                title="Аномалия", text="Рост расходов", link="http://alpha.infrazen.test/",
                                buttons=[{"text": "Подтвердить", "action": "ack"}])
    telegram.push_update(callback_query={"id": "cb-1", "from": {"id": 5551, "is_bot": False, "first_name": "A",
                                                               "username": "alice_ops"},
                                         "data": f"a:{w.alpha.pk}:{alert.pk}:ack", "chat_instance": "1"})
    telegram.push_update(callback_query={"id": "cb-2", "from": {"id": 1, "is_bot": False, "first_name": "B"},
                                         "data": "a:999999:1:ack", "chat_instance": "1"})
    assert telegram_poll() == 2
    with schema_context(w.alpha.schema_name):
        alert = Alert.objects.get(pk=alert.pk)
    assert alert.callbacks == [{"action": "ack", "user": 5551, "username": "alice_ops", "at": T0.isoformat()}]
    assert [(a["callback_query_id"], a["text"]) for a in telegram.answers] == [
        ("cb-1", "Этой аномалии больше нет."), ("cb-2", "Неизвестная кнопка.")]  # no anomaly 7: the press is kept


def test_webhook_needs_the_secret_header_and_links(w, frozen, telegram, settings):
    client = Client(HTTP_HOST=host())
    update = {"update_id": 1, "message": {"message_id": 1, "from": {"id": 5551, "is_bot": False, "first_name": "A"},
                                          "chat": PRIVATE, "date": 0,
                                          "text": f"/start {_code(w.alpha.schema_name)}"}}
    body = json.dumps(update)
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    assert client.post("/telegram/webhook/", body, content_type="application/json").status_code == 404
    settings.TELEGRAM_WEBHOOK_SECRET = "s3cret-Token_1"
    assert client.post("/telegram/webhook/", body, content_type="application/json",
                       HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="wrong").status_code == 403
    assert _channels(w.alpha.schema_name) == []
    answer = client.post("/telegram/webhook/", body, content_type="application/json",
                         HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="s3cret-Token_1")
    assert answer.status_code == 200
    assert _channels(w.alpha.schema_name) == [("telegram", "5551", "@alice_ops")]


def test_polling_task_is_off_without_a_token(settings, telegram):
    from apps.notifications.tasks import telegram_poll_task

    telegram.push_text(PRIVATE, "/start 1-abc")
    settings.TELEGRAM_BOT_TOKEN = ""
    assert telegram_poll_task() == 0
    assert telegram.server.count("/bot") == 0
