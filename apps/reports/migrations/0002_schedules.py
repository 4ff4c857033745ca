"""The django-q2 schedule (public table) of report schedules: every 5 minutes, queue the due deliveries of every
organization. Created by whichever schema migrates first."""

from django.db import migrations

SCHEDULES = {
    "reports.schedules_due": "apps.reports.tasks_schedules.schedules_due_all_task",
}


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func in SCHEDULES.items():
        Schedule.objects.get_or_create(name=name, defaults={"func": func, "schedule_type": "I", "minutes": 5,
                                                            "repeats": -1})


def delete_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
