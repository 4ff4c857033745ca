"""The daily Central Bank rate fetch is a django-q2 schedule, created once with the public schema."""

from django.db import migrations

SCHEDULE_NAME = "currency.rates_fetch_daily"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    # Runs daily from the first migration on; each run also catches up the days missed in the last week.
    Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": "apps.currency.tasks.rates_fetch_daily", "schedule_type": "D",
                  "repeats": -1, "cron": None},
    )


def drop_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("currency", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedule, drop_schedule)]
