"""Report schedules: when the next delivery is due, creating/changing/deleting schedules, and the delivery itself.

Time zone: every slot is computed in the ORGANIZATION's time zone (``Organization.timezone``, zoneinfo, so a slot
stays at its local hour across daylight-saving changes): daily at ``hour``, weekly on ``weekday`` (0 = Monday) at
``hour``, monthly on ``day`` at ``hour`` (the day clamped to the month's length: the 31st is the 30th in April and
the 28th/29th in February).

Channels: a schedule delivers to the channels chosen on it; a schedule without channels delivers to the
organization's default channels, i.e. every enabled channel subscribed to the «Scheduled report» alert kind (a
channel with no kinds chosen receives everything), as any other alert (``alert_enqueue`` without ``channel_ids``).

A delivery (``schedule_deliver``) generates the file into the archive (a ``ReportExport`` with the schedule's
creator as its author), then queues one outbox alert per channel with the file attached; the worker's outbox
delivery sends it by email (attachment) and Telegram (``sendDocument``). A failed generation is recorded on the
export and the channels get the error text instead of a file. ``schedules_due_run`` claims each due schedule with
``SELECT ... FOR UPDATE SKIP LOCKED`` and moves ``next_run_at`` past now in the same transaction, and the alerts'
deduplication key names the slot, so one slot is delivered once even when the scheduler runs twice.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.common.errors import ApplicationError, ErrorCode
from apps.notifications.links import absolute_url, current_organization
from apps.notifications.models import Channel
from apps.notifications.services import alert_enqueue

from .generation import export_generate
from .models import Report, ReportExport, ReportSchedule
from .vocabulary import ExportKind, ExportStatus, Frequency, Output

logger = logging.getLogger(__name__)

REPORT_OUTPUTS = tuple(Output)
BRIEF_OUTPUTS = (Output.PDF, Output.XLSX)
ALERT_KIND = "report"


# --- when --------------------------------------------------------------------------------------------------------

def organization_zone() -> ZoneInfo:
    return ZoneInfo(getattr(current_organization(), "timezone", None) or "Europe/Moscow")


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone)


def _month_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_run(schedule: ReportSchedule, *, after: datetime, zone: ZoneInfo | None = None) -> datetime:
    """The first slot of ``schedule`` strictly after ``after``, in the organization's time zone."""
    zone = zone or organization_zone()
    local = after.astimezone(zone)
    if schedule.frequency == Frequency.DAILY:
        candidate = _at(local.date(), schedule.hour, zone)
        if candidate <= after:
            candidate = _at(local.date() + timedelta(days=1), schedule.hour, zone)
        return candidate
    if schedule.frequency == Frequency.WEEKLY:
        day = local.date() + timedelta(days=(schedule.weekday - local.weekday()) % 7)
        candidate = _at(day, schedule.hour, zone)
        if candidate <= after:
            candidate = _at(day + timedelta(days=7), schedule.hour, zone)
        return candidate
    year, month = local.year, local.month
    for _step in range(3):
        candidate = _at(_month_day(year, month, schedule.day), schedule.hour, zone)
        if candidate > after:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("unreachable: a month always has a later slot")


def last_full_month(now: datetime, zone: ZoneInfo | None = None) -> date:
    """The first day of the last full month in the organization's time zone."""
    local = now.astimezone(zone or organization_zone()).date()
    previous = local.replace(day=1) - timedelta(days=1)
    return previous.replace(day=1)


# --- create, update, delete --------------------------------------------------------------------------------------

FIELDS = ("kind", "report", "frequency", "weekday", "day", "hour", "output", "enabled")


def _clean(schedule: ReportSchedule) -> None:
    errors: dict[str, list[str]] = {}
    if schedule.kind not in ExportKind.values:
        errors["kind"] = [_("Choose a report or the CFO brief.")]
    if schedule.frequency not in Frequency.values:
        errors["frequency"] = [_("Choose daily, weekly or monthly.")]
    if not isinstance(schedule.hour, int) or not 0 <= schedule.hour <= 23:
        errors["hour"] = [_("The hour must be from 0 to 23.")]
    if not isinstance(schedule.weekday, int) or not 0 <= schedule.weekday <= 6:
        errors["weekday"] = [_("The weekday must be from 0 (Monday) to 6 (Sunday).")]
    if not isinstance(schedule.day, int) or not 1 <= schedule.day <= 31:
        errors["day"] = [_("The day of the month must be from 1 to 31.")]
    if schedule.kind == ExportKind.REPORT:
        if schedule.report_id is None:
            errors["report"] = [_("Choose the report to deliver.")]
        if schedule.output not in REPORT_OUTPUTS:
            errors["output"] = [_("A report is delivered as CSV, XLSX, PDF or PNG.")]
    elif schedule.kind == ExportKind.BRIEF:
        schedule.report = None
        if schedule.output not in BRIEF_OUTPUTS:
            errors["output"] = [_("The CFO brief is delivered as PDF or XLSX.")]
    if errors:
        field = next(iter(errors))
        raise ApplicationError(errors[field][0], ErrorCode.INVALID, extra={"fields": errors, "field": field})


def _channels(channel_ids: list[int] | None) -> list[Channel]:
    if not channel_ids:
        return []
    ids = sorted({int(pk) for pk in channel_ids})
    channels = list(Channel.objects.filter(pk__in=ids, user_id__isnull=True))
    if len(channels) != len(ids):
        raise ApplicationError(_("Choose the organization's notification channels."), ErrorCode.INVALID,
                               extra={"fields": {"channels": [_("Unknown channel.")]}, "field": "channels"})
    return channels


def _report(value: Any) -> Report | None:
    if value is None or isinstance(value, Report):
        return value
    report = Report.objects.filter(pk=value).first()
    if report is None:
        raise ApplicationError(_("Choose the report to deliver."), ErrorCode.INVALID,
                               extra={"fields": {"report": [_("Unknown report.")]}, "field": "report"})
    return report


@transaction.atomic
def schedule_create(*, actor, channels: list[int] | None = None, now: datetime | None = None,
                    **values: Any) -> ReportSchedule:
    schedule = ReportSchedule(created_by_id=getattr(actor, "pk", None))
    if "report" in values:
        values["report"] = _report(values["report"])
    for field in FIELDS:
        if field in values and values[field] is not None:
            setattr(schedule, field, values[field])
    _clean(schedule)
    chosen = _channels(channels)
    schedule.next_run_at = next_run(schedule, after=now or timezone.now())
    schedule.save()
    schedule.channels.set(chosen)
    return schedule


@transaction.atomic
def schedule_update(*, schedule: ReportSchedule, actor, channels: list[int] | None = None,
                    now: datetime | None = None, **values: Any) -> ReportSchedule:
    if "report" in values:
        values["report"] = _report(values["report"])
    for field in FIELDS:
        if field in values:
            setattr(schedule, field, values[field])
    _clean(schedule)
    chosen = _channels(channels) if channels is not None else None
    schedule.next_run_at = next_run(schedule, after=now or timezone.now())
    schedule.save()
    if chosen is not None:
        schedule.channels.set(chosen)
    return schedule


def schedule_delete(*, schedule: ReportSchedule, actor) -> None:
    schedule.delete()


# --- delivery ----------------------------------------------------------------------------------------------------

def _month_label(month: date) -> str:
    return date_format(month, "F Y").lower()


def _report_period(report: Report) -> str:
    from apps.costs.forms import explorer_params

    from .generation import query_dict

    try:
        params = explorer_params(query_dict(report.query))
    except ApplicationError:
        return date_format(timezone.localdate(), "d.m.Y")
    return f"{params['start']:%d.%m.%Y} – {params['end']:%d.%m.%Y}"


def schedule_deliver(schedule: ReportSchedule, *, now: datetime, dedup: str) -> ReportExport:
    """Generate the schedule's file into the archive and queue it for every channel (one alert per channel, the
    file attached; a failure: the error text instead). ``dedup`` names the slot (or the manual send)."""
    with translation.override(settings.LANGUAGE_CODE):  # the worker has no request language
        return _deliver(schedule, now=now, dedup=dedup)


def _deliver(schedule: ReportSchedule, *, now: datetime, dedup: str) -> ReportExport:
    params: dict[str, Any] = {}
    if schedule.kind == ExportKind.BRIEF:
        month = last_full_month(now)
        params["month"] = f"{month:%Y-%m}"
        title = _("CFO brief for %(month)s") % {"month": _month_label(month)}
    else:
        title = _("Report «%(name)s» for %(period)s") % {"name": schedule.report.name,
                                                        "period": _report_period(schedule.report)}
    export = ReportExport.objects.create(kind=schedule.kind, report=schedule.report, schedule=schedule,
                                         title=title[:300], output=schedule.output, params=params,
                                         created_by_id=schedule.created_by_id)
    try:
        with transaction.atomic():
            export = export_generate(export.pk)
    except Exception:  # noqa: BLE001 -- recorded on the export; the channels hear about it
        logger.exception("scheduled export %s failed", export.pk)
        ReportExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED, error=_("internal error"),
                                                         finished_at=timezone.now())
        export.refresh_from_db()
    # The file in the archive when it was generated, the archive otherwise.
    link = absolute_url(reverse("report_file_download", args=[export.pk]) if export.status == ExportStatus.DONE
                        else reverse("report_files"))
    channel_ids = list(schedule.channels.values_list("pk", flat=True)) or None
    common = {"kind": ALERT_KIND, "subject_type": "report_export", "subject_id": str(export.pk),
              "dedup_key": dedup, "title": title, "link": link, "channel_ids": channel_ids}
    if export.status == ExportStatus.DONE:
        alert_enqueue(**common, text=_("The file is attached. Every generated file is kept in the reports "
                                       "archive."),
                      attachment=bytes(export.content), attachment_name=export.filename,
                      attachment_type=export.content_type)
    else:
        alert_enqueue(**common, text=_("The file could not be generated: %(error)s") % {
            "error": export.error or _("internal error")})
    return export


def schedules_due_run(now: datetime | None = None) -> int:
    """Deliver every enabled schedule of the current organization whose ``next_run_at`` has come; returns how many
    were delivered. Missed slots (the worker was down) are delivered once, then the next slot after now."""
    now = now or timezone.now()
    due = list(ReportSchedule.objects.filter(enabled=True, next_run_at__lte=now).order_by("next_run_at", "pk")
               .values_list("pk", flat=True))
    done = 0
    for pk in due:
        with transaction.atomic():
            schedule = (ReportSchedule.objects.select_for_update(skip_locked=True, of=("self",))
                        .select_related("report").filter(pk=pk, enabled=True, next_run_at__lte=now).first())
            if schedule is None:
                continue  # another worker has it, or it was delivered meanwhile
            slot = schedule.next_run_at
            if schedule.kind == ExportKind.REPORT and schedule.report is None:
                schedule.enabled = False  # its report was deleted (the schedule goes with it; belt and braces)
                schedule.save(update_fields=["enabled"])
                continue
            schedule.last_run_at = now
            schedule.next_run_at = next_run(schedule, after=now)
            schedule.save(update_fields=["last_run_at", "next_run_at"])
            schedule_deliver(schedule, now=now, dedup=f"report-schedule:{schedule.pk}:{slot:%Y%m%dT%H%M}")
            done += 1
    return done


def schedule_send_now(schedule_id: int, *, now: datetime | None = None) -> ReportExport:
    """«Send now»: deliver outside the schedule (its next slot stays)."""
    now = now or timezone.now()
    schedule = ReportSchedule.objects.select_related("report").get(pk=schedule_id)
    stamp = f"{now:%Y%m%dT%H%M%S%f}"
    return schedule_deliver(schedule, now=now, dedup=f"report-schedule:{schedule.pk}:now:{stamp}")
