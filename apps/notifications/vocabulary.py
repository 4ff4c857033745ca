"""Choices of the notifications app: channel kinds, alert kinds and statuses, callback actions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram")
    EMAIL = "email", _("Email")


class AlertKind(models.TextChoices):
    BUDGET_ACTUAL = "budget_actual", _("Budget threshold (actual)")
    BUDGET_FORECAST = "budget_forecast", _("Budget threshold (forecast)")
    ANOMALY = "anomaly", _("Cost anomaly")
    SYNC_FAILED = "sync_failed", _("Sync failure")
    RUNWAY = "runway", _("Balance runway")
    RECOMMENDATION = "recommendation", _("New recommendation")
    POLICY = "policy", _("Policy violation")
    REPORT = "report", _("Scheduled report")


class AlertStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


PENDING = (AlertStatus.QUEUED, AlertStatus.RETRYING)

# Inline buttons that act: {"text": ..., "action": one of these}; the callback is recorded on the alert.
CALLBACK_ACTIONS = ("ack", "snooze")
