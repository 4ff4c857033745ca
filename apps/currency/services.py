"""Writes for exchange rates: the Central Bank of Russia daily feed and manual overrides."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError

import requests
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.http import OutboundHTTPError, build_session, send

from .exceptions import CurrencyErrorCode, RateSourceError
from .models import ExchangeRate, RateSource

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CbrRate:
    currency: str
    nominal: int
    rate_rub: Decimal  # per ONE unit


@dataclass(frozen=True)
class CbrDaily:
    day: date | None  # the date the Bank set these rates for (ValCurs/@Date), may differ from the one asked
    rates: list[CbrRate]


def _decimal(text: str | None) -> Decimal:
    # The Bank writes "68,6319": comma decimals, sometimes with spaces.
    return Decimal((text or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", "."))


def cbr_daily_parse(content: bytes) -> CbrDaily:
    """Parse an XML_daily answer (windows-1251 as declared in its prolog). Pure function."""
    try:
        root = ElementTree.fromstring(content)
        if root.tag != "ValCurs":
            raise ValueError(root.tag)
        if not root.attrib.get("Date", "").strip() and root.find("Valute") is None:
            return CbrDaily(day=None, rates=[])  # a date before any rate was set
        day = datetime.strptime(root.attrib["Date"].strip(), "%d.%m.%Y").date()
    except (ParseError, DefusedXmlException, KeyError, ValueError) as exc:
        raise RateSourceError(_("The Central Bank answered with something that is not a rate list."),
                              CurrencyErrorCode.RATE_SOURCE_INVALID, {"reason": type(exc).__name__}) from None
    rates = []
    for valute in root.iter("Valute"):
        code = (valute.findtext("CharCode") or "").strip().upper()
        try:
            nominal = int((valute.findtext("Nominal") or "1").strip() or 1)
            unit_rate = valute.findtext("VunitRate")
            if unit_rate and unit_rate.strip():
                rate = _decimal(unit_rate)
            else:
                rate = _decimal(valute.findtext("Value")) / nominal
        except (InvalidOperation, ValueError, ZeroDivisionError):
            logger.warning("CBR rate for %s on %s is not a number; skipped", code, day)
            continue
        if len(code) != 3 or rate <= 0:
            continue
        rates.append(CbrRate(currency=code, nominal=nominal, rate_rub=rate.quantize(Decimal("1e-10"))))
    return CbrDaily(day=day, rates=rates)


def _cbr_session() -> requests.Session:
    session = build_session(read_timeout=settings.CBR_TIMEOUT)
    session.headers["Accept"] = "application/xml, text/xml"
    return session


@transaction.atomic
def rates_store_cbr(*, daily: CbrDaily) -> int:
    """Upsert one day's Central Bank rates; manual rates are never touched."""
    if daily.day is None:
        return 0
    for rate in daily.rates:
        ExchangeRate.objects.update_or_create(
            date=daily.day, currency=rate.currency, source=RateSource.CBR, schema_name="",
            defaults={"rate_rub": rate.rate_rub, "nominal": rate.nominal},
        )
    return len(daily.rates)


def rates_fetch_cbr(*, day: date | None = None, session: requests.Session | None = None) -> CbrDaily:
    """Fetch the Bank's rates for ``day`` (today when None) and store them under the date the Bank set.

    For a weekend or holiday the Bank answers with the last rates set (their own date), which is what
    ``rate_for`` would pick for that day anyway.
    """
    params = {"date_req": day.strftime("%d/%m/%Y")} if day else None
    try:
        response = send(session or _cbr_session(), "GET", settings.CBR_DAILY_URL, params=params)
    except OutboundHTTPError as exc:
        raise RateSourceError(_("The Central Bank rate service is unavailable. Try again later."),
                              CurrencyErrorCode.RATE_SOURCE_UNAVAILABLE, {"reason": exc.kind}) from None
    daily = cbr_daily_parse(response.content)
    stored = rates_store_cbr(daily=daily)
    logger.info("CBR rates for %s (asked %s): %d currencies", daily.day, day, stored)
    return daily


def rates_fetch_cbr_range(*, start: date, end: date, only_missing: bool = True,
                          session: requests.Session | None = None) -> list[date]:
    """Fetch every day of ``[start, end]`` (only the days without a Bank rate, by default)."""
    session = session or _cbr_session()
    have = set()
    if only_missing:
        have = set(ExchangeRate.objects.filter(source=RateSource.CBR, date__range=(start, end))
                   .values_list("date", flat=True).distinct())
    fetched = []
    day = start
    while day <= end:
        if day not in have:
            daily = rates_fetch_cbr(day=day, session=session)
            if daily.day is not None:
                have.add(daily.day)
            fetched.append(day)
        day += timedelta(days=1)
    return fetched


@transaction.atomic
def rate_set_manual(*, day: date, currency: str, rate_rub: Decimal, nominal: int = 1, actor=None,
                    note: str = "", schema_name: str = "") -> ExchangeRate:
    """A manual rate for ``day``: wins over the Bank's rate of the same day (and carries forward like any rate).

    ``rate_rub`` is roubles per ``nominal`` units, as the Bank quotes it. ``schema_name`` is the organization
    the rate belongs to (its rate form); empty for a rate every organization uses (support, admin).
    """
    rate, _created = ExchangeRate.objects.update_or_create(
        date=day, currency=currency.upper(), source=RateSource.MANUAL, schema_name=schema_name,
        defaults={"rate_rub": (Decimal(rate_rub) / nominal).quantize(Decimal("1e-10")), "nominal": nominal,
                  "created_by": actor, "note": note},
    )
    return rate
