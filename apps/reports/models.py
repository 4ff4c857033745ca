"""Saved reports, their schedules and the archive of generated files, in the organization's schema.

A ``Report`` is a saved explorer question (``query``: the explorer's own parameters: period, group-by, filters,
cost view, granularity) with a chart type. A ``ReportSchedule`` delivers a report or the monthly CFO brief by
email and Telegram through the notification outbox. Every generated file, on demand or on schedule, is a
``ReportExport`` (who, when, which parameters; the file itself, kept for the archive)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.notifications.models import Channel

from .vocabulary import ChartType, ExportKind, ExportStatus, Frequency, Output


class Report(models.Model):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # The explorer's parameters: {"period": "last_30_days"|"this_month"|"last_month"|"custom", "start", "end",
    # "group_by", "filters": {...}, "view": "invoiced"|"amortized", "granularity": "day"|"week"|"month"}.
    query = models.JSONField(_("query"), default=dict)
    chart = models.CharField(_("chart"), max_length=16, choices=ChartType.choices, default=ChartType.BAR)
    created_by_id = models.BigIntegerField(_("created by (user ID)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReportSchedule(models.Model):
    """Deliver ``report`` (or, with no report, the CFO brief for the last full month) on a schedule, in the
    organization's time zone: daily at ``hour``, weekly on ``weekday`` (0 = Monday), monthly on ``day``."""

    kind = models.CharField(_("what"), max_length=16, choices=ExportKind.choices, default=ExportKind.REPORT)
    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, null=True, blank=True, related_name="schedules"
    )
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices, default=Frequency.MONTHLY)
    weekday = models.PositiveSmallIntegerField(_("weekday"), default=0)
    day = models.PositiveSmallIntegerField(_("day of month"), default=1)
    hour = models.PositiveSmallIntegerField(_("hour"), default=9)
    output = models.CharField(_("file format"), max_length=8, choices=Output.choices, default=Output.PDF)
    channels = models.ManyToManyField(Channel, verbose_name=_("channels"), blank=True, related_name="report_schedules")
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run_at = models.DateTimeField(_("next delivery"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last delivery"), null=True, blank=True)
    created_by_id = models.BigIntegerField(_("created by (user ID)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        ordering = ["next_run_at"]

    def __str__(self) -> str:
        what = self.report.name if self.report_id else self.get_kind_display()
        return f"{what} ({self.get_frequency_display()})"


class ReportExport(models.Model):
    """One generated file: a report run or a brief, with progress while it is generated."""

    kind = models.CharField(_("what"), max_length=16, choices=ExportKind.choices, default=ExportKind.REPORT)
    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.SET_NULL, null=True, blank=True, related_name="exports"
    )
    schedule = models.ForeignKey(
        ReportSchedule,
        verbose_name=_("schedule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exports",
    )
    title = models.CharField(_("title"), max_length=300)
    output = models.CharField(_("file format"), max_length=8, choices=Output.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    error = models.TextField(_("error"), blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    content = models.BinaryField(_("file"), null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(_("size, bytes"), default=0)
    created_by_id = models.BigIntegerField(_("created by (user ID)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("generated file")
        verbose_name_plural = _("generated files")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename or self.title
