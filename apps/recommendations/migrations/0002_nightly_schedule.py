"""The nightly evaluation is one django-q2 schedule (public table) that queues an evaluation per organization.

Created by whichever schema migrates first (the template schema); every later run of this migration finds it.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import migrations

SCHEDULE_NAME = "recommendations.evaluation_nightly_all"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    moscow = ZoneInfo("Europe/Moscow")
    next_run = datetime.combine(datetime.now(moscow).date() + timedelta(days=1), time(3, 0), tzinfo=moscow)
    Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": "apps.recommendations.tasks.evaluation_nightly_all", "schedule_type": "D",
                  "repeats": -1, "next_run": next_run},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedule, migrations.RunPython.noop)]
