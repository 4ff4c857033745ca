"""Cost anomalies found by the daily detection (apps.anomalies.services.anomalies_detect), with the user's verdict.
In the organization's schema."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .vocabulary import Kind, ScopeType, Status

MONEY = {"max_digits": 16, "decimal_places": 2}


class Anomaly(models.Model):
    """One anomaly of one scope: the days from ``first_date`` to ``date`` (the latest anomalous day), with the
    expected and actual spend summed over them. Detection runs again every day and updates the same row (one per
    scope and first day), never its status."""

    scope_type = models.CharField(_("scope type"), max_length=16, choices=ScopeType.choices)
    # The provider or service name, the connection id, "<tag key>=<value>" for a resource group or
    # "<dimension key>=<value>" for an allocation dimension value.
    scope_key = models.CharField(_("scope"), max_length=500)
    scope_label = models.CharField(_("scope name"), max_length=500, blank=True)
    first_date = models.DateField(_("first day"))
    date = models.DateField(_("last day"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    expected = models.DecimalField(_("expected"), **MONEY)
    actual = models.DecimalField(_("actual"), **MONEY)
    impact = models.DecimalField(_("impact"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    # [{"key", "label", "service", "actual", "expected", "increase"}]: the resources behind the increase.
    contributors = models.JSONField(_("contributors"), default=list, blank=True)
    # [{"date", "actual", "expected"}]: the scope's days around the anomaly, for its chart (expected only on the
    # anomalous days).
    series = models.JSONField(_("series"), default=list, blank=True)
    feedback_by_id = models.BigIntegerField(_("feedback by (user ID)"), null=True, blank=True)
    feedback_by_email = models.CharField(_("feedback by"), max_length=254, blank=True)
    feedback_at = models.DateTimeField(_("feedback given"), null=True, blank=True)
    # Set by the step that sends alerts (anomalies_alert_candidates() lists the open ones without it).
    alerted_at = models.DateTimeField(_("alerted"), null=True, blank=True)
    created_at = models.DateTimeField(_("found"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ("-date", "-impact", "-id")
        verbose_name = _("anomaly")
        verbose_name_plural = _("anomalies")
        constraints = [
            models.UniqueConstraint(fields=["scope_type", "scope_key", "first_date"], name="anomaly_scope_first_day"),
        ]
        indexes = [models.Index(fields=["status", "date"], name="anomaly_status_date")]

    def __str__(self) -> str:
        return f"{self.get_scope_type_display()} {self.scope_label or self.scope_key} {self.first_date}"
