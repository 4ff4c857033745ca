"""Two django-q2 schedules (public table), every minute: deliver the outbox of every organization, and poll the
Telegram bot's updates (a no-op without TELEGRAM_BOT_TOKEN). Created by whichever schema migrates first."""

from django.db import migrations

SCHEDULES = {
    "notifications.alerts_deliver_all": "apps.notifications.tasks.alerts_deliver_all_task",
    "notifications.telegram_poll": "apps.notifications.tasks.telegram_poll_task",
}


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func in SCHEDULES.items():
        Schedule.objects.get_or_create(name=name, defaults={"func": func, "schedule_type": "I", "minutes": 1,
                                                            "repeats": -1})


def delete_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
