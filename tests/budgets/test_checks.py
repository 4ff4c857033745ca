"""The checks (apps.budgets.checks.checks_run and the CHECKS_STEPS steps): each producer queues an alert once, a
failing step does not stop the others, and ``run_checks --org`` delivers to a Bot-API-speaking server."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from apps.anomalies.models import Anomaly
from apps.budgets.checks import checks_run
from apps.notifications.models import Alert, Channel
from apps.providers.models import ProviderConnection
from tests.anomalies.conftest import MSK, NOW, frozen, spike_ledger  # noqa: F401
from tests.notifications.conftest import telegram  # noqa: F401

ANOMALY_STEP = "apps.anomalies.alerts.anomalies_check_step"
RUNWAY_STEP = "apps.budgets.runway_checks.runway_check_step"


def broken_step(*, now):
    raise RuntimeError("a bug in a step")


@pytest.fixture
def steps(settings):
    settings.CHECKS_STEPS = [ANOMALY_STEP, RUNWAY_STEP]
    return settings


def test_the_anomaly_step_alerts_each_anomaly_once(w, spike_ledger, steps):  # noqa: F811
    with schema_context(w.alpha.schema_name):
        channel = Channel.objects.create(kind="telegram", name="ops", chat_id="100")
        result = checks_run()
        anomalies = {a.scope_type: a for a in Anomaly.objects.all()}
        # The 25 May spike shows in the provider, the service, the connection and the project=web group.
        assert set(anomalies) == {"provider", "service", "connection", "resource_group"}
        assert result["errors"] == {}
        assert result["steps"][ANOMALY_STEP]["alerted"] == 4
        alerts = {a.subject_id: a for a in Alert.objects.filter(kind="anomaly")}
        assert set(alerts) == {str(a.pk) for a in anomalies.values()}
        assert all(a.alerted_at is not None for a in Anomaly.objects.all())
        service = anomalies["service"]
        alert = alerts[str(service.pk)]
        assert (alert.channel_id, alert.subject_type, alert.dedup_key) == (channel.pk, "anomaly",
                                                                           f"anomaly:{service.pk}")
        assert alert.title == "Аномалия расходов: Compute Cloud"
        # 10 000 ₽ a day expected, 16 000 ₽ on 25 May: +6 000 ₽, +60 %; vm-b went from 4 000 to 10 000.
        assert alert.text.splitlines() == [
            "Где: Сервис «Compute Cloud»",
            "Тип: Всплеск",
            "Ожидалось: 10\u00a0000,00\u00a0₽, фактически: 16\u00a0000,00\u00a0₽",
            "Влияние: +6\u00a0000,00\u00a0₽ (+60,0\u00a0%)",
            "Первый день: 25.05.2026",
            "Основной вклад:",
            "• vm-b (Compute Cloud): +6\u00a0000,00\u00a0₽",
        ]
        assert alert.link == f"http://alpha.infrazen.test/anomalies/?status=open#anomaly-{service.pk}"
        assert alert.buttons == [{"text": "Принять к сведению", "action": "ack"}]
        # Again, the same night and the next: nothing new is queued.
        again = checks_run()
        assert again["steps"][ANOMALY_STEP]["alerted"] == 0
        checks_run(now=datetime(2026, 6, 2, 9, 0, tzinfo=MSK))
        assert Alert.objects.filter(kind="anomaly").count() == 4


def test_a_failing_step_is_reported_and_the_others_run(w, spike_ledger, steps):  # noqa: F811
    steps.CHECKS_STEPS = [f"{__name__}.broken_step", ANOMALY_STEP]
    with schema_context(w.alpha.schema_name):
        Channel.objects.create(kind="telegram", name="ops", chat_id="100")
        result = checks_run()
        assert result["errors"] == {f"{__name__}.broken_step": "RuntimeError: a bug in a step"}
        assert result["steps"][ANOMALY_STEP]["alerted"] == 4
        assert Alert.objects.filter(kind="anomaly").count() == 4


def _beget(name: str, balance: str, daily_rate: str) -> ProviderConnection:
    return ProviderConnection.objects.create(
        provider="beget", name=name, credentials={},
        account_info={"balance": balance, "currency": "RUB", "daily_rate": daily_rate})


def test_the_runway_step_alerts_a_balance_running_out_once(w, frozen, steps):  # noqa: F811
    steps.CHECKS_STEPS = [RUNWAY_STEP]
    with schema_context(w.alpha.schema_name):
        Channel.objects.create(kind="telegram", name="ops", chat_id="100")
        # No costs in the ledger: the provider's daily rate. 1 000 / 250 = 4 days (alerted, under 7);
        # 7 000 / 1 000 = 7 days (not under 7); 10 000 / 250 = 40 days.
        short = _beget("Бегет сайт", "1000", "250")
        _beget("Бегет ровно неделя", "7000", "1000")
        _beget("Бегет запас", "10000", "250")
        result = checks_run()
        assert result["steps"][RUNWAY_STEP] == {"connections": 3, "alerted": 1, "queued": 1}
        alert = Alert.objects.get()
        # Today is 1 June 2026 (Moscow): 4 days -> 5 June.
        assert (alert.kind, alert.subject_type, alert.subject_id, alert.dedup_key) == (
            "runway", "connection", str(short.pk), f"runway:{short.pk}:2026-06-05")
        assert alert.title == "Заканчивается баланс: Бегет сайт"
        assert alert.text.splitlines() == [
            "Подключение: Бегет сайт", "Баланс: 1\u00a0000,00\u00a0₽", "Расход в день: 250,00\u00a0₽",
            "Осталось дней: 4,0", "Баланс закончится 05.06.2026: пополните его, чтобы аккаунт не заблокировали."]
        assert alert.link == "http://alpha.infrazen.test/connections/"
        checks_run()
        assert Alert.objects.count() == 1
        steps.RUNWAY_ALERT_DAYS = 8  # a setting: now the week-long balance is alerted too
        checks_run()
        assert Alert.objects.count() == 2


def test_run_checks_delivers_the_russian_anomaly_alert(w, spike_ledger, steps, telegram):  # noqa: F811
    steps.CHECKS_STEPS = [ANOMALY_STEP]
    with schema_context(w.alpha.schema_name):
        channel = Channel.objects.create(kind="telegram", name="ops", chat_id="100", kinds=["anomaly"])
    out = io.StringIO()
    call_command("run_checks", "--org", w.alpha.slug, stdout=out)  # returns: exit code 0
    with schema_context(w.alpha.schema_name):
        service = Anomaly.objects.get(scope_type="service")
        assert Alert.objects.filter(status="sent").count() == 4
    lines = [line for line in out.getvalue().splitlines() if line.startswith("anomaly\t")]
    assert len(lines) == 4
    assert all(line.split("\t")[1:3] == ["telegram:ops", "sent"] for line in lines)
    assert "sent 4, still queued 0" in out.getvalue()
    messages = telegram.sent_to(channel.chat_id)
    assert len(messages) == 4
    message = next(m for m in messages if "Compute Cloud" in m["visible"].splitlines()[0])
    assert message["parse_mode"] == "HTML"
    assert message["visible"].startswith("Аномалия расходов: Compute Cloud\n\nГде: Сервис «Compute Cloud»")
    assert "Влияние: +6\u00a0000,00\u00a0₽ (+60,0\u00a0%)" in message["visible"]
    keyboard = message["reply_markup"]["inline_keyboard"]
    link = f"http://alpha.infrazen.test/anomalies/?status=open#anomaly-{service.pk}"
    assert keyboard[0] == [{"text": "Открыть в InfraZen", "url": link}]
    assert [b["text"] for b in keyboard[1]] == ["Принять к сведению"]
    assert keyboard[1][0]["callback_data"].endswith(":ack")
    # Run again: nothing new to send.
    out = io.StringIO()
    call_command("run_checks", "--org", w.alpha.slug, stdout=out)
    assert "sent 0, still queued 0" in out.getvalue() and len(telegram.sent_to(channel.chat_id)) == 4


def test_run_checks_for_an_unknown_organization_fails(db):
    with pytest.raises(CommandError):
        call_command("run_checks", "--org", "no-such-org")


def test_the_nightly_schedule_exists(db):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="budgets.checks_nightly_all")
    assert (schedule.func, schedule.schedule_type) == ("apps.budgets.checks.checks_nightly_all", "D")


def test_the_nightly_job_runs_the_checks_in_each_organizations_schema(w, spike_ledger, steps,  # noqa: F811
                                                                       django_capture_on_commit_callbacks):
    from django.utils.module_loading import import_string
    from django_q.models import OrmQ

    from apps.budgets.checks import checks_nightly_all
    from apps.tenants.models import Organization

    steps.CHECKS_STEPS = [ANOMALY_STEP]
    with schema_context(w.alpha.schema_name):
        Channel.objects.create(kind="telegram", name="ops", chat_id="100")
    before = OrmQ.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        queued = checks_nightly_all()
    schemas = set(Organization.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
    assert queued == len(schemas) and OrmQ.objects.count() == before + queued
    tasks = [q.task for q in OrmQ.objects.order_by("id")][before:]
    assert {t["args"][0] for t in tasks} == schemas
    assert {t["args"][1] for t in tasks} == {"apps.budgets.checks.checks_nightly_task"}
    alpha_task = next(t for t in tasks if t["args"][0] == w.alpha.schema_name)
    import_string(alpha_task["func"])(*alpha_task["args"], **alpha_task["kwargs"])  # what the worker does
    with schema_context(w.alpha.schema_name):
        assert Alert.objects.filter(kind="anomaly").count() == 4
