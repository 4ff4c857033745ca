"""Done when: a scheduled report is delivered by a real worker. A committed organization has a due daily schedule
of a saved report for a Telegram chat and an email address; the five-minute django-q Schedule is made due; a real
``manage.py qcluster`` process runs it, generates the file into the archive and delivers it: the document arrives
at the Bot-API-speaking test server (multipart sendDocument with the file's bytes and the caption) and the email,
with the file attached, in the files the worker's file-based email backend writes.

No ``db`` fixture: the worker is another process, so everything it reads is committed; the organization is dropped
at teardown."""

from __future__ import annotations

import email
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule
from django_tenants.utils import schema_context

from apps.notifications.models import Alert, Channel
from apps.reports.models import Report, ReportExport, ReportSchedule
from apps.reports.schedules import schedule_create
from tests import processes
from tests.fakecloud.server import FakeCloudServer
from tests.fakecloud.telegram import TOKEN, FakeTelegram

TITLE = "Отчёт «Сервисы за ноябрь» за 01.11.2026 – 30.11.2026"


def _emails(folder: Path) -> list[email.message.Message]:
    return [email.message_from_bytes(path.read_bytes()) for path in sorted(folder.glob("*.log"))]


@pytest.mark.worker
def test_a_scheduled_report_is_delivered_by_a_real_worker(committed_organization, django_db_blocker, tmp_path):
    organization = committed_organization("sched-worker", "Sched Worker")
    fake = FakeTelegram()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with FakeCloudServer(fake) as server, django_db_blocker.unblock():
        with schema_context(organization.schema_name):
            tg = Channel.objects.create(kind="telegram", name="Финансы", chat_id="4242")
            mailbox = Channel.objects.create(kind="email", name="CFO", address="cfo@sched.test")
            report = Report.objects.create(name="Сервисы за ноябрь",
                                           query={"start": "2026-11-01", "end": "2026-11-30", "group_by": "service"})
            schedule = schedule_create(actor=None, kind="report", report=report.pk, frequency="daily", hour=9,
                                       output="csv", channels=[tg.pk, mailbox.pk])
            ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_at=timezone.now() - timedelta(minutes=1))
        connection.set_schema_to_public()
        assert Schedule.objects.filter(name="reports.schedules_due").update(
            next_run=timezone.now() - timedelta(seconds=1)) == 1
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": server.url, "TELEGRAM_WEBHOOK_SECRET": "",
               "TEST_EMAIL_FILE_PATH": str(mail_dir)}
        with processes.worker_process(env=env) as worker:
            processes.wait_for(lambda: fake.documents and _emails(mail_dir), worker, seconds=120)
            assert fake.documents, "no document reached the Bot API test server"
        with schema_context(organization.schema_name):
            export = ReportExport.objects.get()
            assert export.status == "done" and export.schedule_id == schedule.pk and export.size > 0
            [document] = fake.documents
            assert str(document["chat_id"]) == "4242"
            assert document["filename"] == export.filename and document["content"] == bytes(export.content)
            assert document["visible"].split("\n")[0] == TITLE
            [message] = _emails(mail_dir)
            assert message["To"] == "cfo@sched.test"
            assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == TITLE
            [attachment] = [part for part in message.walk() if part.get_filename()]
            assert attachment.get_filename() == export.filename
            assert attachment.get_payload(decode=True) == bytes(export.content)
            assert sorted(Alert.objects.values_list("status", flat=True)) == ["sent", "sent"]
            schedule.refresh_from_db()
            assert schedule.last_run_at is not None and schedule.next_run_at > timezone.now()
