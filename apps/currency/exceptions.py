from __future__ import annotations

import enum
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.common.errors import ApplicationError


class CurrencyErrorCode(str, enum.Enum):
    RATE_MISSING = "exchange_rate_missing"
    RATE_SOURCE_UNAVAILABLE = "exchange_rate_source_unavailable"
    RATE_SOURCE_INVALID = "exchange_rate_source_invalid"


def human_date(day: date) -> str:
    """A date as the active language writes it in a sentence (06.12.2026 in Russian), never ISO."""
    return date_format(day, "SHORT_DATE_FORMAT")


class RateMissing(ApplicationError):
    """No rate on or before the day: conversion is impossible (never guessed, never a 500)."""

    http_status = 422

    def __init__(self, *, currency: str, day: date | None = None, currencies: list[str] | None = None):
        self.currency = currency
        self.day = day
        extra = {"currency": currency}
        if day is not None:
            extra["date"] = day.isoformat()
        if currencies:
            extra["currencies"] = currencies
        super().__init__(
            _("No exchange rate for %(currency)s on %(date)s: fetch the Central Bank rates or enter one manually.")
            % {"currency": currency, "date": human_date(day) if day else "?"},
            CurrencyErrorCode.RATE_MISSING,
            extra,
        )


class RateSourceError(ApplicationError):
    http_status = 502
