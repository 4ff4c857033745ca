"""django-q2 entry points of report schedules.

``schedules_due_all_task`` is the public task of the five-minute Schedule (migration 0002): it looks at every
organization in the worker (never in a request) and queues ``schedules_due_run_task`` in each organization that has
a due schedule; that task delivers them and sends the outbox right away (the minute outbox schedule would too)."""

from __future__ import annotations

from django.utils import timezone

from apps.common.tasks import enqueue_in_tenant


def schedules_due_all_task() -> int:
    """Queue the due schedules' delivery per organization; returns how many organizations were queued. Only the
    organizations with a schedule due are visited (one query per 250 organizations finds them)."""
    from apps.common.tenancy import schemas_having

    from .models import ReportSchedule

    due = schemas_having(ReportSchedule.objects.filter(enabled=True, next_run_at__lte=timezone.now()))
    for schema in due:
        enqueue_in_tenant(schema, "apps.reports.tasks_schedules.schedules_due_run_task",
                          task_name=f"report-schedules:{schema}")
    return len(due)


def schedules_due_run_task() -> dict[str, int]:
    """In the organization's schema: deliver the due schedules, then send the outbox."""
    from apps.notifications.services import alerts_deliver

    from .schedules import schedules_due_run

    delivered = schedules_due_run()
    return {"schedules": delivered, **(alerts_deliver() if delivered else {})}


def schedule_send_task(schedule_id: int) -> dict[str, int]:
    """«Send now» in the background: deliver one schedule, then send the outbox."""
    from apps.notifications.services import alerts_deliver

    from .schedules import schedule_send_now

    export = schedule_send_now(schedule_id)
    return {"export": export.pk, **alerts_deliver()}
