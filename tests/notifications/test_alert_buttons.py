"""The alert buttons act (``settings.NOTIFY_CALLBACK_ACTIONS``): a callback query from the fake Bot API confirms the
anomaly («Acknowledge») or snoozes the finding for 7 days («Snooze»), audited ``by: telegram``, and is answered in
Russian; a subject that no longer allows it answers why."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from apps.anomalies.models import Anomaly
from apps.audit.models import AuditEvent
from apps.notifications.models import Alert, Channel
from apps.notifications.services import alert_enqueue, telegram_poll
from apps.recommendations.models import Finding

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=MSK)
USER = {"id": 5551, "is_bot": False, "first_name": "A", "username": "alice_ops"}


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def _anomaly(**fields) -> Anomaly:
    values = {"scope_type": "service", "scope_key": "yandex|Compute Cloud", "scope_label": "Compute Cloud",
              "first_date": date(2026, 12, 5), "date": date(2026, 12, 6), "kind": "spike",
              "expected": Decimal("100.00"), "actual": Decimal("400.00"), "impact": Decimal("300.00"),
              "currency": "RUB"}
    values.update(fields)
    return Anomaly.objects.create(**values)


def _finding(**fields) -> Finding:
    values = {"rule": "unattached_volume", "subject": "1", "category": "cleanup", "title": "Диск без ВМ",
              "action": "delete", "first_seen_at": T0, "last_seen_at": T0, "status_changed_at": T0,
              "currency": "RUB", "estimated_monthly_savings": Decimal("1500.00")}
    values.update(fields)
    return Finding.objects.create(**values)


def _alert(kind: str, subject_type: str, subject_id: int, action: str) -> Alert:
    [alert] = alert_enqueue(kind=kind, subject_type=subject_type, subject_id=str(subject_id),
                            dedup_key=f"{subject_type}:{subject_id}", title="t", text="x",
                            link="http://alpha.infrazen.test/", buttons=[{"text": "B", "action": action}])
    return alert


def _press(telegram, org_pk: int, alert: Alert, action: str, cb: str) -> None:
    telegram.push_update(callback_query={"id": cb, "from": USER, "data": f"a:{org_pk}:{alert.pk}:{action}",
                                         "chat_instance": "1"})


def test_acknowledge_confirms_the_anomaly_once(w, frozen, telegram):
    with schema_context(w.alpha.schema_name):
        Channel.objects.create(kind="telegram", name="ops", chat_id="5551")
        open_one, dismissed = _anomaly(), _anomaly(scope_key="yandex|Object Storage", status="dismissed")
        first, second = _alert("anomaly", "anomaly", open_one.pk, "ack"), _alert("anomaly", "anomaly",
                                                                                 dismissed.pk, "ack")
        gone = _alert("anomaly", "anomaly", 999999, "ack")
    _press(telegram, w.alpha.pk, first, "ack", "cb-1")
    _press(telegram, w.alpha.pk, first, "ack", "cb-2")  # pressed again
    _press(telegram, w.alpha.pk, second, "ack", "cb-3")
    _press(telegram, w.alpha.pk, gone, "ack", "cb-4")
    assert telegram_poll() == 4
    assert [(a["callback_query_id"], a["text"]) for a in telegram.answers] == [
        ("cb-1", "Аномалия подтверждена."), ("cb-2", "Аномалия уже подтверждена."),
        ("cb-3", "Аномалия уже отклонена как ожидаемая."), ("cb-4", "Этой аномалии больше нет.")]
    with schema_context(w.alpha.schema_name):
        open_one.refresh_from_db()
        dismissed.refresh_from_db()
        assert (open_one.status, open_one.feedback_by_id, open_one.feedback_at) == ("confirmed", None, T0)
        assert dismissed.status == "dismissed"
        [event] = AuditEvent.objects.filter(action="anomaly.confirmed")
        assert event.actor_id is None
        assert event.data["by"] == "telegram" and event.data["anomaly"] == open_one.pk
        assert event.data["previous"] == "open"
        assert len(Alert.objects.get(pk=first.pk).callbacks) == 2  # each press is still recorded


def test_snooze_snoozes_the_finding_for_seven_days(w, frozen, telegram):
    with schema_context(w.alpha.schema_name):
        Channel.objects.create(kind="telegram", name="ops", chat_id="5551")
        finding = _finding()
        dismissed = _finding(subject="2", status="dismissed", dismiss_reason="нужен")
        first = _alert("recommendation", "finding", finding.pk, "snooze")
        second = _alert("recommendation", "finding", dismissed.pk, "snooze")
    _press(telegram, w.alpha.pk, first, "snooze", "cb-1")
    _press(telegram, w.alpha.pk, first, "snooze", "cb-2")
    _press(telegram, w.alpha.pk, second, "snooze", "cb-3")
    assert telegram_poll() == 3
    # 7 December + 7 days = 14 December 2026.
    assert [(a["callback_query_id"], a["text"]) for a in telegram.answers] == [
        ("cb-1", "Рекомендация отложена до 14.12.2026."),
        ("cb-2", "Рекомендация уже отложена до 14.12.2026."),
        ("cb-3", "Рекомендацию в статусе «Отклонена» нельзя перевести в статус «Отложена».")]
    with schema_context(w.alpha.schema_name):
        finding.refresh_from_db()
        dismissed.refresh_from_db()
        assert (finding.status, finding.snoozed_until, finding.status_changed_by_id) == (
            "snoozed", date(2026, 12, 14), None)
        assert dismissed.status == "dismissed" and dismissed.snoozed_until is None
        [event] = AuditEvent.objects.filter(action="recommendation.snoozed")
        assert event.actor_id is None
        assert event.data["by"] == "telegram" and event.data["until"] == "2026-12-14"
        assert event.data["finding"] == finding.pk


def test_an_ack_on_an_alert_about_something_else_acts_on_nothing(w, frozen, telegram):
    with schema_context(w.alpha.schema_name):
        Channel.objects.create(kind="telegram", name="ops", chat_id="5551")
        anomaly = _anomaly()
        # A finding alert whose subject id happens to be the anomaly's: the anomaly is not touched.
        alert = _alert("recommendation", "finding", anomaly.pk, "ack")
    _press(telegram, w.alpha.pk, alert, "ack", "cb-1")
    assert telegram_poll() == 1
    assert [a["text"] for a in telegram.answers] == ["Этой аномалии больше нет."]
    with schema_context(w.alpha.schema_name):
        anomaly.refresh_from_db()
        assert anomaly.status == "open"
