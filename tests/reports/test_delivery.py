"""A due schedule creates one archive file and one outbox alert per channel, once per slot; the outbox delivers the
file by email (attachment) and Telegram (sendDocument, multipart, HTML caption); a failed generation sends the
error instead; a file over Telegram's 50 MB goes as a message with the link. Times frozen in Moscow."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import translation

from apps.notifications.models import Alert, Channel
from apps.notifications.services import alert_enqueue, alerts_deliver
from apps.reports.models import Report, ReportExport, ReportSchedule
from apps.reports.schedules import schedule_create, schedules_due_run
from apps.reports.tasks_schedules import schedules_due_all_task

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=MSK)  # Monday noon in Moscow


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def channels(in_alpha):
    tg = Channel.objects.create(kind="telegram", name="Финансы", chat_id="5551")
    email = Channel.objects.create(kind="email", name="CFO", address="cfo@alpha.test")
    return tg, email


def report_schedule(channels, **fields) -> ReportSchedule:
    report = Report.objects.create(name="Расходы по сервисам",
                                   query={"start": "2026-11-01", "end": "2026-11-30",
                                          "group_by": "service"})
    values = {"kind": "report", "report": report.pk, "frequency": "daily", "hour": 9, "output": "csv", **fields}
    return schedule_create(actor=None, channels=[c.pk for c in channels], **values)


def test_due_run_creates_one_export_and_one_alert_per_channel_once_per_slot(channels, frozen):
    schedule = report_schedule(channels)
    # Created Monday 12:00 MSK, daily at 9: first slot Tuesday 8 Dec 09:00 MSK = 06:00 UTC.
    assert schedule.next_run_at == datetime(2026, 12, 8, 6, 0, tzinfo=UTC)
    assert schedules_due_run() == 0  # not yet
    frozen.move_to(datetime(2026, 12, 8, 9, 5, tzinfo=MSK))
    assert schedules_due_run() == 1
    assert schedules_due_run() == 0  # the scheduler ran twice in the same slot: nothing more
    export = ReportExport.objects.get()
    assert export.schedule_id == schedule.pk and export.status == "done" and export.filename.endswith(".csv")
    assert export.title == "Отчёт «Расходы по сервисам» за 01.11.2026 – 30.11.2026"
    alerts = list(Alert.objects.order_by("channel_id"))
    assert [a.channel_id for a in alerts] == sorted(c.pk for c in channels)
    assert {a.kind for a in alerts} == {"report"}
    assert all(bytes(a.attachment) == bytes(export.content) and a.attachment_name == export.filename
               for a in alerts)
    schedule.refresh_from_db()
    # Next: Wednesday 9 Dec 09:00 MSK = 06:00 UTC; last run: when it ran.
    assert schedule.next_run_at == datetime(2026, 12, 9, 6, 0, tzinfo=UTC)
    assert schedule.last_run_at == datetime(2026, 12, 8, 6, 5, tzinfo=UTC)
    # The same slot claimed again (an old next_run_at) does not queue the alerts twice (dedup key of the slot).
    ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_at=datetime(2026, 12, 8, 6, 0, tzinfo=UTC))
    assert schedules_due_run() == 1
    assert Alert.objects.count() == 2


def test_email_and_telegram_receive_the_file(channels, frozen, telegram):
    tg, _email = channels
    report_schedule(channels)
    frozen.move_to(datetime(2026, 12, 8, 9, 0, tzinfo=MSK))
    schedules_due_run()
    export = ReportExport.objects.get()
    assert alerts_deliver() == {"sent": 2, "retrying": 0, "failed": 0}
    [message] = mail.outbox
    assert message.to == ["cfo@alpha.test"]
    assert message.subject == "Отчёт «Расходы по сервисам» за 01.11.2026 – 30.11.2026"
    [attachment] = message.attachments  # a MIME part, base64: the file byte for byte
    assert attachment.get_filename() == export.filename
    assert attachment.get_content_type() == export.content_type.split(";")[0]
    assert attachment.get_payload(decode=True) == bytes(export.content)
    [document] = telegram.documents
    assert str(document["chat_id"]) == tg.chat_id
    assert document["content"] == bytes(export.content) and document["filename"] == export.filename
    assert document["parse_mode"] == "HTML"
    assert document["visible"].split("\n")[0] == "Отчёт «Расходы по сервисам» за 01.11.2026 – 30.11.2026"
    assert telegram.messages == []


def test_a_failed_generation_alerts_with_the_error(channels, frozen, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("apps.reports.generation.report_file", broken)
    report_schedule(channels)
    frozen.move_to(datetime(2026, 12, 8, 9, 0, tzinfo=MSK))
    assert schedules_due_run() == 1
    export = ReportExport.objects.get()
    assert export.status == "failed"
    alerts = list(Alert.objects.all())
    assert len(alerts) == 2 and all(a.attachment is None for a in alerts)
    assert {a.text for a in alerts} == {"Не удалось сформировать файл: внутренняя ошибка"}


def test_brief_schedule_asks_for_the_last_full_month(channels, frozen, monkeypatch):
    seen = {}

    def fake_brief(*, month, output):
        seen["month"] = month
        return "brief.pdf", "application/pdf", b"%PDF-1.7 brief"

    monkeypatch.setattr("apps.reports.brief.brief_file", fake_brief, raising=False)
    schedule = schedule_create(actor=None, kind="brief", frequency="monthly", day=1, hour=8, output="pdf",
                               channels=[c.pk for c in channels])
    # Monthly on the 1st at 8 MSK after Monday 7 Dec: 1 Jan 2027 08:00 MSK = 05:00 UTC.
    assert schedule.next_run_at == datetime(2027, 1, 1, 5, 0, tzinfo=UTC)
    frozen.move_to(datetime(2027, 1, 1, 8, 1, tzinfo=MSK))
    assert schedules_due_run() == 1
    export = ReportExport.objects.get()
    assert export.params == {"month": "2026-12"} and seen["month"].isoformat() == "2026-12-01"
    assert export.title == "Сводка для финансового директора за декабрь 2026"


def test_a_file_over_50_mb_goes_to_telegram_as_a_link(channels, frozen, telegram, monkeypatch):
    monkeypatch.setattr("apps.notifications.services.DOCUMENT_LIMIT", 10)
    tg, _email = channels
    alert_enqueue(kind="report", subject_type="report_export", subject_id="1", dedup_key="r:1", title="Отчёт",
                  text="Файл во вложении.", link="https://alpha.infrazen.ru/reports/schedules/",
                  channel_ids=[tg.pk], attachment=b"x" * 11, attachment_name="big.csv", attachment_type="text/csv")
    assert alerts_deliver()["sent"] == 1
    assert telegram.documents == []
    [message] = telegram.messages
    with translation.override("ru"):
        assert "больше, чем позволяет Telegram" in message["visible"]


def test_the_public_task_queues_only_organizations_with_due_schedules(channels, frozen, monkeypatch, w):
    queued = []
    monkeypatch.setattr("apps.reports.tasks_schedules.enqueue_in_tenant",
                        lambda schema, func, **kw: queued.append((schema, func)))
    report_schedule(channels)
    assert schedules_due_all_task() == 0
    frozen.move_to(datetime(2026, 12, 8, 9, 0, tzinfo=MSK))
    assert schedules_due_all_task() == 1
    assert queued == [(w.alpha.schema_name, "apps.reports.tasks_schedules.schedules_due_run_task")]
