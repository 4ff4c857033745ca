from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One row per change to money, budgets, credentials or memberships, in the organization's schema."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # The actor lives in the public schema; keep a plain id and email so history survives user deletion.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_email = models.CharField(_("actor"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target = models.CharField(_("target"), max_length=254, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target}"
