"""Reads for exchange rates. Rates are roubles per one unit; RUB -> RUB is 1."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Case, IntegerField, QuerySet, Value, When

from .exceptions import RateMissing
from .models import ExchangeRate, RateSource

BASE_CURRENCY = "RUB"


def rate_list(*, currency: str | None = None) -> QuerySet[ExchangeRate]:
    qs = ExchangeRate.objects.select_related("created_by")
    return qs.filter(currency=currency.upper()) if currency else qs


def rate_for(*, currency: str, day: date) -> Decimal:
    """Roubles per one unit of ``currency`` on ``day``: the nearest rate on or before ``day``; on the
    same date a manual rate wins over the Central Bank's. Raises ``RateMissing`` when there is none."""
    currency = currency.upper()
    if currency in (BASE_CURRENCY, "RUR"):
        return Decimal(1)
    rate = (
        ExchangeRate.objects.filter(currency=currency, date__lte=day)
        .annotate(manual_first=Case(When(source=RateSource.MANUAL, then=Value(0)), default=Value(1),
                                    output_field=IntegerField()))
        .order_by("-date", "manual_first")
        .values_list("rate_rub", flat=True)
        .first()
    )
    if rate is None:
        raise RateMissing(currency=currency, day=day)
    return rate


def convert(*, amount: Decimal, from_currency: str, to_currency: str, day: date) -> Decimal:
    """``amount`` in ``from_currency`` expressed in ``to_currency`` at ``day``'s rates (not rounded)."""
    if from_currency.upper() == to_currency.upper():
        return Decimal(amount)
    return Decimal(amount) * rate_for(currency=from_currency, day=day) / rate_for(currency=to_currency, day=day)
