"""The worker's side: the minute schedules exist, and the delivery task sends every organization's due alerts,
each in its own schema."""

from __future__ import annotations

from django_q.models import Schedule
from django_tenants.utils import schema_context

from apps.notifications.models import Alert, Channel
from apps.notifications.services import alert_enqueue
from apps.notifications.tasks import alerts_deliver_all_task


def test_minute_schedules_exist(w):
    schedules = {s.name: (s.func, s.schedule_type, s.minutes) for s in Schedule.objects.filter(
        name__startswith="notifications.")}
    assert schedules == {
        "notifications.alerts_deliver_all": ("apps.notifications.tasks.alerts_deliver_all_task", "I", 1),
        "notifications.telegram_poll": ("apps.notifications.tasks.telegram_poll_task", "I", 1),
    }


def test_delivery_task_covers_every_organization(w, telegram):
    for org, chat in ((w.alpha, "100"), (w.beta, "200")):
        with schema_context(org.schema_name):
            Channel.objects.create(kind="telegram", name=org.slug, chat_id=chat)
            alert_enqueue(kind="sync_failed", subject_type="connection", subject_id="1", dedup_key="sync:1",
                          title=f"Сбой синхронизации {org.slug}", text="Beget не ответил",
                          link=f"http://{org.slug}.infrazen.test/connections/1/")
    assert alerts_deliver_all_task() == {"sent": 2, "retrying": 0, "failed": 0}
    assert sorted((m["chat_id"], m["visible"].split("\n")[0]) for m in telegram.messages) == [
        ("100", "Сбой синхронизации alpha"), ("200", "Сбой синхронизации beta")]
    for schema in (w.alpha.schema_name, w.beta.schema_name):
        with schema_context(schema):
            assert list(Alert.objects.values_list("status", flat=True)) == ["sent"]
    assert alerts_deliver_all_task()["sent"] == 0
