"""Reads for exchange rates. Rates are roubles per one unit; RUB -> RUB is 1.

Which rate a day uses: the newest one on or before it (the Bank publishes none on weekends and holidays, and
its Saturday rate also serves Sunday and Monday); on the same date a manual rate wins over the Bank's, and the
organization's own manual rate over support's. An organization sees the shared rates (the Bank's, support's)
and its own manual ones, never another organization's (``scope_schema``: the active schema by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Case, IntegerField, Max, Min, Q, QuerySet, Value, When
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from .exceptions import RateMissing
from .models import ExchangeRate, RateSource

BASE_CURRENCY = "RUB"
ROUBLE_CODES = (BASE_CURRENCY, "RUR")


def rate_list(*, currency: str | None = None) -> QuerySet[ExchangeRate]:
    qs = ExchangeRate.objects.select_related("created_by")
    return qs.filter(currency=currency.upper()) if currency else qs


def scope_schema(schema_name: str | None = None) -> str:
    """The organization whose manual rates count: ``schema_name``, else the active one ("" on the public host)."""
    schema = connection.schema_name if schema_name is None else schema_name
    return "" if schema in (None, "", get_public_schema_name()) else schema


def _visible(schema_name: str | None = None) -> QuerySet[ExchangeRate]:
    schema = scope_schema(schema_name)
    return ExchangeRate.objects.filter(Q(schema_name="") | Q(schema_name=schema)) if schema else \
        ExchangeRate.objects.filter(schema_name="")


# Same date: the organization's manual rate, then support's manual rate, then the Bank's.
_PRIORITY = Case(When(source=RateSource.MANUAL, schema_name__gt="", then=Value(0)),
                 When(source=RateSource.MANUAL, then=Value(1)), default=Value(2), output_field=IntegerField())


STALE_AFTER_DAYS = 3


def cbr_rates_stale_since(*, today: date | None = None) -> date | None:
    """The newest Central Bank rate date when it is more than ``STALE_AFTER_DAYS`` old (the daily fetch
    has been failing), else None. None as well when no rate was ever stored: nothing to call stale."""
    newest = ExchangeRate.objects.filter(source=RateSource.CBR).aggregate(newest=Max("date"))["newest"]
    if newest is None:
        return None
    today = today or timezone.localdate()
    return newest if (today - newest).days > STALE_AFTER_DAYS else None


def rate_lookup(*, currency: str, day: date, schema_name: str | None = None) -> ExchangeRate | None:
    """The rate row ``day`` uses for ``currency`` (see the module's docstring), or None."""
    return (_visible(schema_name).filter(currency=currency.upper(), date__lte=day)
            .annotate(priority=_PRIORITY).order_by("-date", "priority").first())


def rate_for(*, currency: str, day: date, schema_name: str | None = None) -> Decimal:
    """Roubles per one unit of ``currency`` on ``day``. Raises ``RateMissing`` when there is none."""
    currency = currency.upper()
    if currency in ROUBLE_CODES:
        return Decimal(1)
    rate = rate_lookup(currency=currency, day=day, schema_name=schema_name)
    if rate is None:
        raise RateMissing(currency=currency, day=day)
    return rate.rate_rub


def convert(*, amount: Decimal, from_currency: str, to_currency: str, day: date) -> Decimal:
    """``amount`` in ``from_currency`` expressed in ``to_currency`` at ``day``'s rates (not rounded)."""
    if from_currency.upper() == to_currency.upper():
        return Decimal(amount)
    return Decimal(amount) * rate_for(currency=from_currency, day=day) / rate_for(currency=to_currency, day=day)


@dataclass(frozen=True)
class DayRate:
    """The rate a day uses: roubles per one unit, the Bank's nominal, where it came from and its own date."""

    currency: str
    rate: Decimal
    nominal: int
    source: str
    source_date: date


def rates_on(*, day: date, schema_name: str | None = None) -> list[DayRate]:
    """Every currency known on ``day`` (a rate on or before it) with the rate that day uses, by currency code."""
    rows = (_visible(schema_name).filter(date__lte=day).annotate(priority=_PRIORITY)
            .order_by("currency", "-date", "priority").distinct("currency")
            .values_list("currency", "rate_rub", "nominal", "source", "date"))
    return [DayRate(currency=c, rate=r, nominal=n, source=s, source_date=d) for c, r, n, s, d in rows]


def rates_first_dates(*, currencies: list[str], schema_name: str | None = None) -> dict[str, date]:
    """The first date each currency has a rate: any day before it cannot be converted (rates carry forward, so
    a day on or after it always can). Currencies never quoted are absent; roubles are not asked."""
    codes = [c.upper() for c in currencies if c.upper() not in ROUBLE_CODES]
    if not codes:
        return {}
    return dict(_visible(schema_name).filter(currency__in=codes).order_by().values("currency")
                .annotate(first=Min("date")).values_list("currency", "first"))


def rate_next_date(*, currency: str, after: date, schema_name: str | None = None) -> date | None:
    """The first date after ``after`` with a rate of ``currency`` (where a rate entered for ``after`` stops
    applying), or None when it applies from then on."""
    return (_visible(schema_name).filter(currency=currency.upper(), date__gt=after).order_by()
            .aggregate(first=Min("date"))["first"])


def rate_list_manual(*, schema_name: str | None = None) -> QuerySet[ExchangeRate]:
    """The organization's own manual rates, newest date first."""
    schema = scope_schema(schema_name)
    return (ExchangeRate.objects.filter(source=RateSource.MANUAL, schema_name=schema).select_related("created_by")
            .order_by("-date", "currency")) if schema else ExchangeRate.objects.none()


def rates_stored_since(*, since) -> bool:
    """Whether any Central Bank rate was stored or updated at or after ``since`` (a fetch that failed halfway
    may still have brought some days)."""
    return ExchangeRate.objects.filter(source=RateSource.CBR, updated_at__gte=since).exists()
