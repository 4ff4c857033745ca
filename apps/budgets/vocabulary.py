"""Choices of budgets: the period and the kind of a threshold."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BudgetPeriod(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class EventKind(models.TextChoices):
    ACTUAL = "actual", _("Actual spend")
    FORECAST = "forecast", _("Forecast")


DEFAULT_THRESHOLDS = [50, 80, 100]
DEFAULT_FORECAST_THRESHOLDS = [100]
ALLOCATION_KEYS = ("alloc:allocation_method", "alloc:allocated_resource")
SCOPE_KEYS = ("provider", "connection", "service", "region", "tag", *ALLOCATION_KEYS)
# Besides SCOPE_KEYS, a scope may hold ``alloc:<dimension key>: <value>`` for any allocation dimension of the
# organization (apps.allocation): the cost allocated that value.
ALLOC_PREFIX = "alloc:"


def alloc_dimension_key(key: str) -> str | None:
    """The allocation dimension of a scope key ``alloc:<dimension key>`` (not the FOCUS ALLOCATION_KEYS)."""
    if key.startswith(ALLOC_PREFIX) and key not in ALLOCATION_KEYS and len(key) > len(ALLOC_PREFIX):
        return key[len(ALLOC_PREFIX):]
    return None


def default_thresholds() -> list[int]:
    return list(DEFAULT_THRESHOLDS)


def default_forecast_thresholds() -> list[int]:
    return list(DEFAULT_FORECAST_THRESHOLDS)
