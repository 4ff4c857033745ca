"""Reads for exchange rates. Rates are roubles per one unit; RUB -> RUB is 1."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Case, IntegerField, Max, QuerySet, Value, When
from django.utils import timezone

from .exceptions import RateMissing
from .models import ExchangeRate, RateSource

BASE_CURRENCY = "RUB"


def rate_list(*, currency: str | None = None) -> QuerySet[ExchangeRate]:
    qs = ExchangeRate.objects.select_related("created_by")
    return qs.filter(currency=currency.upper()) if currency else qs


STALE_AFTER_DAYS = 3


def cbr_rates_stale_since(*, today: date | None = None) -> date | None:
    """The newest Central Bank rate date when it is more than ``STALE_AFTER_DAYS`` old (the daily fetch
    has been failing), else None. None as well when no rate was ever stored: nothing to call stale."""
    newest = ExchangeRate.objects.filter(source=RateSource.CBR).aggregate(newest=Max("date"))["newest"]
    if newest is None:
        return None
    today = today or timezone.localdate()
    return newest if (today - newest).days > STALE_AFTER_DAYS else None


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
