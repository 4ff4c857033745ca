"""One django-q2 schedule per auto-synced connection (the queue's tables live in the public schema)."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection as db_connection
from django.utils import timezone

from .models import ProviderConnection

SCHEDULE_TASK = "apps.providers.tasks.sync_scheduled"


def _schedule_name(connection: ProviderConnection) -> str:
    return f"sync:{db_connection.schema_name}:{connection.pk}"


def sync_schedule_update(*, connection: ProviderConnection) -> None:
    """Keep one django-q2 schedule per auto-synced connection, at its interval (public schema table)."""
    from django_q.models import Schedule

    name = _schedule_name(connection)
    if not connection.auto_sync:
        Schedule.objects.filter(name=name).delete()
        return
    minutes = int(connection.sync_interval_minutes)
    args = repr((db_connection.schema_name, connection.pk))
    schedule = Schedule.objects.filter(name=name).first()
    if schedule is None:
        Schedule.objects.create(name=name, func=SCHEDULE_TASK, args=args, schedule_type=Schedule.MINUTES,
                                minutes=minutes, repeats=-1, next_run=timezone.now() + timedelta(minutes=minutes))
    elif schedule.minutes != minutes or schedule.args != args or schedule.func != SCHEDULE_TASK:
        schedule.minutes, schedule.args, schedule.func = minutes, args, SCHEDULE_TASK
        schedule.next_run = timezone.now() + timedelta(minutes=minutes)
        schedule.save(update_fields=["minutes", "args", "func", "next_run"])


def sync_schedule_delete(*, connection: ProviderConnection) -> None:
    from django_q.models import Schedule

    Schedule.objects.filter(name=_schedule_name(connection)).delete()
