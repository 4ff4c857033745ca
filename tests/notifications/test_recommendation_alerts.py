"""The recommendations engine's alerts: a «recommendation» alert for each new finding saving at least
NOTIFY_RECOMMENDATION_MIN_RUB a month (default 1000), a «policy» alert for each new violation, dedup
``finding:<id>``, never again on re-evaluation."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.notifications.models import Alert, Channel
from apps.recommendations.models import Finding, Policy
from apps.recommendations.services import evaluate_now
from tests.recommendations.conftest import connection_make, in_alpha, volume_make  # noqa: F401

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=MSK)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_new_findings_over_the_threshold_and_violations_are_alerted_once(in_alpha, _frozen):  # noqa: F811
    channel = Channel.objects.create(kind="telegram", name="ops", chat_id="1")
    conn = connection_make()
    big = volume_make(conn, "disk-big", monthly="1500.00")
    small = volume_make(conn, "disk-small", monthly="999.99")
    Policy.objects.create(name="Не дороже 1 000 ₽", kind="max_monthly_cost", params={"amount": "1000"})
    evaluate_now()
    big_finding = Finding.objects.get(rule="unattached_volume", subject=str(big.pk))
    assert Finding.objects.filter(rule="unattached_volume", subject=str(small.pk)).exists()  # found, not alerted
    violation = Finding.objects.get(category="policy")
    assert violation.resource_id == big.pk
    alerts = {a.kind: a for a in Alert.objects.all()}
    assert set(alerts) == {"recommendation", "policy"} and Alert.objects.count() == 2
    alert = alerts["recommendation"]
    assert (alert.channel_id, alert.subject_type, alert.subject_id, alert.dedup_key) == (
        channel.pk, "finding", str(big_finding.pk), f"finding:{big_finding.pk}")
    assert alert.title == "Новая рекомендация"
    assert "Экономия: 1\u00a0500,00\u00a0₽ в месяц" in alert.text
    assert alert.link == f"http://alpha.infrazen.test/recommendations/{big_finding.pk}/"
    assert alert.buttons == [{"text": "Отложить", "action": "snooze"}]
    assert alerts["policy"].dedup_key == f"finding:{violation.pk}" and alerts["policy"].title == "Нарушение политики"
    # Re-evaluations (same moment, and a day later) alert nothing new.
    evaluate_now()
    _frozen.shift(timedelta(days=1))
    evaluate_now()
    assert Alert.objects.count() == 2


def test_threshold_is_a_setting(in_alpha, settings):  # noqa: F811
    settings.NOTIFY_RECOMMENDATION_MIN_RUB = 100
    Channel.objects.create(kind="email", name="ops", address="ops@alpha.test")
    volume_make(connection_make(), "disk-small", monthly="150.00")
    evaluate_now()
    assert list(Alert.objects.values_list("kind", flat=True)) == ["recommendation"]
