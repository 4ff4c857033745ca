"""Fixed vocabularies of reports: chart types, outputs, schedule frequencies, export states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChartType(models.TextChoices):
    TABLE = "table", _("Table only")
    BAR = "bar", _("Bars")
    STACKED = "stacked", _("Stacked bars")
    LINE = "line", _("Lines")
    PIE = "pie", _("Pie")


class Output(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"
    PNG = "png", "PNG"


class ExportKind(models.TextChoices):
    REPORT = "report", _("Report")
    BRIEF = "brief", _("CFO brief")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Generating")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
