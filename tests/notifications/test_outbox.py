"""The alert outbox against a Bot-API-speaking fake server: enqueue once, deliver in Russian with the link and the
buttons, 429 retry_after, 403 blocked, Telegram down then back (once, in order), quiet hours, throttling, the 4096
limit and HTML escaping. Times are frozen; expected values are worked out by hand in the comments."""

from __future__ import annotations

import socket
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from apps.notifications.models import Alert, Channel
from apps.notifications.services import alert_enqueue, alerts_deliver, alerts_deliver_pending, telegram_html

from .conftest import send_calls

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=MSK)  # a Monday noon in Moscow


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def tg_channel(chat_id: str = "5551", **fields) -> Channel:
    return Channel.objects.create(kind="telegram", name=f"chat {chat_id}", chat_id=chat_id, **fields)


def enqueue(key: str = "budget:1:80", **fields) -> list[Alert]:
    values = {"kind": "budget_actual", "subject_type": "budget", "subject_id": "1", "dedup_key": key,
              "title": "Бюджет «Прод» израсходован на 80 %", "text": "Потрачено 80 000,00 ₽ из 100 000,00 ₽.",
              "link": "http://alpha.infrazen.test/budgets/1/", **fields}
    return alert_enqueue(**values)


def test_enqueue_is_once_per_channel_and_dedup_key(in_alpha, frozen):
    everything = tg_channel("1")
    anomalies_only = tg_channel("2", kinds=["anomaly"])
    tg_channel("3", enabled=False)
    first = enqueue()
    assert [a.channel_id for a in first] == [everything.pk]  # not the anomaly-only nor the disabled channel
    assert enqueue() == []  # same dedup key: nothing new
    assert Alert.objects.count() == 1
    # An explicit channel list reaches the anomaly-only channel, still once per (channel, key).
    second = enqueue(channel_ids=[everything.pk, anomalies_only.pk])
    assert [a.channel_id for a in second] == [anomalies_only.pk]
    assert Alert.objects.count() == 2
    alert = first[0]
    assert alert.status == "queued" and alert.attempts == 0 and alert.next_attempt_at == T0


def test_delivery_sends_russian_html_with_link_and_buttons(in_alpha, frozen, telegram, w):
    channel = tg_channel()
    [alert] = enqueue(title="Аномалия <Compute> & сеть", text="Ожидали 1 000 ₽, потратили 3 500 ₽ (x > y).",
                      kind="anomaly", buttons=[{"text": "Подтвердить", "action": "ack"}])
    assert alerts_deliver() == {"sent": 1, "retrying": 0, "failed": 0}
    [message] = telegram.messages
    assert message["chat_id"] == "5551" and message["parse_mode"] == "HTML"
    assert message["text"] == ("<b>Аномалия &lt;Compute&gt; &amp; сеть</b>\n\n"
                               "Ожидали 1 000 ₽, потратили 3 500 ₽ (x &gt; y).")
    assert message["reply_markup"] == {"inline_keyboard": [
        [{"text": "Открыть в InfraZen", "url": "http://alpha.infrazen.test/budgets/1/"}],
        [{"text": "Подтвердить", "callback_data": f"a:{w.alpha.pk}:{alert.pk}:ack"}],
    ]}
    alert.refresh_from_db()
    channel.refresh_from_db()
    assert alert.status == "sent" and alert.sent_at == T0 and alert.attempts == 1 and alert.error == ""
    assert channel.last_sent_at == T0
    assert alerts_deliver() == {"sent": 0, "retrying": 0, "failed": 0}  # never twice
    assert len(telegram.messages) == 1


def test_429_waits_at_least_retry_after(in_alpha, frozen, telegram):
    tg_channel()
    [alert] = enqueue()
    telegram.fail("flood", retry_after=30)
    assert alerts_deliver()["retrying"] == 1
    alert.refresh_from_db()
    assert alert.status == "retrying" and alert.next_attempt_at == T0 + timedelta(seconds=30)
    assert alert.error == "Telegram попросил подождать (слишком много сообщений)."
    frozen.move_to(T0 + timedelta(seconds=29))
    alerts_deliver()
    assert send_calls(telegram) == 1  # 29 s < retry_after: not asked again
    frozen.move_to(T0 + timedelta(seconds=30))
    assert alerts_deliver()["sent"] == 1
    alert.refresh_from_db()
    assert alert.status == "sent" and alert.attempts == 2 and alert.error == ""
    assert send_calls(telegram) == 2 and len(telegram.messages) == 1


def test_403_blocked_and_400_chat_not_found_fail_with_the_reason(in_alpha, frozen, telegram):
    blocked = tg_channel("5551")
    gone = tg_channel("-100999")
    telegram.blocked = {"5551"}
    telegram.chats = {"5551"}  # -100999 does not exist
    enqueue()
    assert alerts_deliver() == {"sent": 0, "retrying": 0, "failed": 2}
    errors = dict(Alert.objects.values_list("channel_id", "error"))
    assert errors[blocked.pk] == "Пользователь заблокировал бота."
    assert errors[gone.pk] == "Чат не найден: бота в него не добавляли, или чат удалён."
    assert set(Alert.objects.values_list("status", flat=True)) == {"failed"}
    frozen.move_to(T0 + timedelta(days=1))
    alerts_deliver()
    assert send_calls(telegram) == 2  # a failed alert is final


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_telegram_down_then_back_sends_each_once_in_order(in_alpha, frozen, telegram, settings):
    tg_channel()
    for number in (1, 2, 3):
        enqueue(key=f"k{number}", text=f"Сообщение {number}")
        frozen.shift(timedelta(seconds=1))
    start = T0 + timedelta(seconds=3)
    telegram.fail("down")  # 502 with nginx's HTML page
    assert alerts_deliver() == {"sent": 0, "retrying": 1, "failed": 0}
    first = Alert.objects.get(dedup_key="k1")
    assert first.error == "Telegram недоступен (HTTP 502)."
    assert first.next_attempt_at == start + timedelta(seconds=60)  # backoff 60 s after the 1st attempt
    assert set(Alert.objects.exclude(pk=first.pk).values_list("status", flat=True)) == {"queued"}
    assert send_calls(telegram) == 1  # the later alerts wait behind the first one
    # Connection refused a minute later: the second attempt backs off 120 s.
    good_url = settings.TELEGRAM_API_URL
    settings.TELEGRAM_API_URL = f"http://127.0.0.1:{_closed_port()}"
    frozen.move_to(start + timedelta(seconds=60))
    assert alerts_deliver() == {"sent": 0, "retrying": 1, "failed": 0}
    first.refresh_from_db()
    assert first.error == "Не удалось подключиться к Telegram." and first.attempts == 2
    assert first.next_attempt_at == start + timedelta(seconds=180)
    # Back: everything goes out, in the order it was queued, once.
    settings.TELEGRAM_API_URL = good_url
    frozen.move_to(start + timedelta(seconds=180))
    assert alerts_deliver() == {"sent": 3, "retrying": 0, "failed": 0}
    assert [m["text"].split("\n\n")[1] for m in telegram.messages] == ["Сообщение 1", "Сообщение 2", "Сообщение 3"]
    frozen.move_to(start + timedelta(hours=2))
    alerts_deliver()
    assert len(telegram.messages) == 3


def test_quiet_hours_delay_until_they_end_in_moscow_time(in_alpha, time_machine, telegram):
    time_machine.move_to(datetime(2026, 12, 7, 23, 30, tzinfo=MSK), tick=False)
    tg_channel(quiet_start=time(23, 0), quiet_end=time(8, 0))
    [alert] = enqueue()
    assert alerts_deliver()["sent"] == 0
    alert.refresh_from_db()
    assert alert.status == "queued" and alert.next_attempt_at == datetime(2026, 12, 8, 8, 0, tzinfo=MSK)
    time_machine.move_to(datetime(2026, 12, 8, 7, 59, tzinfo=MSK))
    assert alerts_deliver()["sent"] == 0 and telegram.messages == []
    time_machine.move_to(datetime(2026, 12, 8, 8, 0, tzinfo=MSK))
    assert alerts_deliver()["sent"] == 1 and len(telegram.messages) == 1


def test_throttle_spaces_the_messages_of_a_channel(in_alpha, frozen, telegram):
    tg_channel(throttle_seconds=600)
    enqueue(key="a")
    enqueue(key="b")
    assert alerts_deliver()["sent"] == 1
    second = Alert.objects.get(dedup_key="b")
    assert second.status == "queued" and second.next_attempt_at == T0 + timedelta(seconds=600)
    frozen.move_to(T0 + timedelta(seconds=600))
    assert alerts_deliver()["sent"] == 1 and len(telegram.messages) == 2


def test_4096_limit_and_escaping(in_alpha, frozen, telegram):
    assert telegram_html("A&B", "x<y>") == "<b>A&amp;B</b>\n\nx&lt;y&gt;"
    tg_channel()
    [alert] = enqueue(title="Т", text="<" * 5000)
    assert len(alert.text) == 4096 and alert.text.endswith("…")  # the stored plain text
    assert alerts_deliver()["sent"] == 1
    [message] = telegram.messages
    # "<b>Т</b>\n\n" is 10 characters; each "<" is "&lt;" (4): (4096 - 10 - 1) // 4 = 1021 of them, then "…".
    assert len(message["text"]) <= 4096
    assert message["text"] == "<b>Т</b>\n\n" + "&lt;" * 1021 + "…"
    assert message["visible"] == "Т\n\n" + "<" * 1021 + "…"


def test_email_channel_uses_send_mail(in_alpha, frozen):
    Channel.objects.create(kind="email", name="ФинОпс", address="finops@alpha.test")
    enqueue()
    assert alerts_deliver()["sent"] == 1
    [message] = mail.outbox
    assert message.to == ["finops@alpha.test"] and message.subject == "Бюджет «Прод» израсходован на 80 %"
    assert message.body == "Потрачено 80 000,00 ₽ из 100 000,00 ₽.\n\nhttp://alpha.infrazen.test/budgets/1/"


def test_without_a_token_telegram_alerts_wait(in_alpha, frozen, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    tg_channel()
    [alert] = enqueue()
    assert alerts_deliver()["retrying"] == 1
    alert.refresh_from_db()
    assert alert.status == "retrying" and alert.error == "Бот Telegram не настроен (TELEGRAM_BOT_TOKEN)."


def test_a_link_telegram_cannot_open_goes_into_the_text(in_alpha, frozen, telegram):
    tg_channel()
    enqueue(link="http://demo.localhost:8000/budgets/1/", buttons=[{"text": "Подтвердить", "action": "ack"}])
    assert alerts_deliver()["sent"] == 1
    [message] = telegram.messages  # the first try was refused with BUTTON_URL_INVALID
    assert send_calls(telegram) == 2
    assert message["visible"].endswith("\n\nhttp://demo.localhost:8000/budgets/1/")
    [[button]] = message["reply_markup"]["inline_keyboard"]
    assert button["text"] == "Подтвердить" and "url" not in button


def test_a_group_upgraded_to_a_supergroup_moves_to_its_new_id(in_alpha, frozen, telegram):
    channel = tg_channel("-4001")
    telegram.migrated = {"-4001": -1004001}
    enqueue()
    assert alerts_deliver()["sent"] == 1
    channel.refresh_from_db()
    assert channel.chat_id == "-1004001"
    assert [m["chat_id"] for m in telegram.messages] == ["-1004001"]


def test_a_switched_off_channel_keeps_its_alerts(in_alpha, frozen, telegram):
    channel = tg_channel()
    [alert] = enqueue()
    Channel.objects.filter(pk=channel.pk).update(enabled=False)
    assert alerts_deliver()["sent"] == 0
    alert.refresh_from_db()
    assert alert.status == "queued" and telegram.messages == []
    Channel.objects.filter(pk=channel.pk).update(enabled=True)
    assert alerts_deliver()["sent"] == 1


def test_deliver_pending_waits_out_a_short_retry_after_only(in_alpha, frozen, telegram):
    """``run_checks``' delivery: a 429 asking for 20 s is waited out (the sleep moves the frozen clock); one asking
    for 90 s (> 60 s) is left to the worker."""
    tg_channel()
    enqueue(key="a")
    telegram.fail("flood", retry_after=20)
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        frozen.shift(timedelta(seconds=seconds))

    sent = alerts_deliver_pending(max_wait=60, sleep=sleep)
    assert [a.dedup_key for a in sent] == ["a"] and slept == [20.0]
    enqueue(key="b")
    telegram.fail("flood", retry_after=90)
    assert alerts_deliver_pending(max_wait=60, sleep=sleep) == [] and slept == [20.0]
    assert Alert.objects.get(dedup_key="b").status == "retrying"
