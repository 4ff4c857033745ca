"""The words of anomalies: what kind of change, where, and what the user said about it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import detection


class Kind(models.TextChoices):
    SPIKE = detection.SPIKE, _("Spike")
    LEVEL_SHIFT = detection.LEVEL_SHIFT, _("Level shift")
    DRIFT = detection.DRIFT, _("Slow drift")


class ScopeType(models.TextChoices):
    PROVIDER = "provider", _("Provider")
    SERVICE = "service", _("Service")
    CONNECTION = "connection", _("Connection")
    RESOURCE_GROUP = "resource_group", _("Resource group")
    ALLOCATION = "allocation", pgettext_lazy("anomaly scope", "Allocation")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed as expected")
