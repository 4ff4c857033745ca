"""The MSP console's nightly refresh is one django-q2 schedule (public table) that queues a refresh per client."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import migrations

SCHEDULE_NAME = "partners.console_refresh_nightly_all"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    moscow = ZoneInfo("Europe/Moscow")
    next_run = datetime.combine(datetime.now(moscow).date() + timedelta(days=1), time(4, 30), tzinfo=moscow)
    Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": "apps.partners.tasks.console_refresh_nightly_all", "schedule_type": "D",
                  "repeats": -1, "next_run": next_run},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
