"""Fixed vocabularies of the MSP console: statement statuses, budget states, sync health."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

VAT_RATE = Decimal("0.20")  # НДС 20 %
VAT_PERCENT = 20


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    SUPERSEDED = "superseded", _("Superseded")


class BudgetState(models.TextChoices):
    NONE = "none", _("No budgets")
    OK = "ok", _("Within budget")
    AT_RISK = "at_risk", _("Forecast over budget")
    OVER = "over", _("Over budget")


class SyncHealth(models.TextChoices):
    NONE = "none", _("No connections")
    OK = "ok", _("Synchronized")
    PARTIAL = "partial", _("Partly synchronized")
    ERROR = "error", _("Synchronization failed")
    STALE = "stale", _("Not synchronized for over a day")


class LineKind(models.TextChoices):
    USAGE = "usage", _("Cloud services")
    FEE = "fee", _("Fixed monthly fee")
    MINIMUM = "minimum", _("Top-up to the minimum charge")
