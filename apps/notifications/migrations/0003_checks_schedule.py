"""The nightly checks (apps.budgets.checks: anomalies, runway, budgets) are one django-q2 schedule (public table)
that queues the checks in each organization's schema. Created by whichever schema migrates first."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import migrations

SCHEDULE_NAME = "budgets.checks_nightly_all"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    moscow = ZoneInfo("Europe/Moscow")
    # After the nightly syncs and the recommendations' evaluation (03:00), before the working day.
    next_run = datetime.combine(datetime.now(moscow).date() + timedelta(days=1), time(4, 0), tzinfo=moscow)
    Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": "apps.budgets.checks.checks_nightly_all", "schedule_type": "D", "repeats": -1,
                  "next_run": next_run},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_schedules"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
