"""django-q2 entry points. Rates live in the public schema: no tenant to enter."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.utils import timezone

from .exceptions import RateSourceError
from .services import rates_fetch_cbr, rates_fetch_cbr_range

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "currency.rates_fetch_daily"
SCHEDULE_FUNC = "apps.currency.tasks.rates_fetch_daily"


def rates_fetch_daily() -> str:
    """Today's (and tomorrow's, once the Bank has set them) rates, plus any day missed in the last week.

    An unreachable Bank (offline machine, outage) is expected: one warning line and the failure as the
    task's result, no traceback; the pages say the rates are stale and the next run catches up."""
    today = timezone.localdate()
    try:
        rates_fetch_cbr_range(start=today - timedelta(days=7), end=today)
        daily = rates_fetch_cbr(day=today + timedelta(days=1))
    except RateSourceError as exc:
        logger.warning("CBR rates not fetched: %s (%s)", exc.message, exc.code.value)
        return f"CBR rates not fetched: {exc.code.value}"
    return f"CBR rates up to {daily.day}"


def rates_fetch_missing(start_iso: str, end_iso: str) -> str:
    """The Bank's rates for the days of ``[start, end]`` that have none yet (a weekend or holiday is answered
    with the last rates set, stored under their own date). Offline: one warning line, no traceback."""
    try:
        fetched = rates_fetch_cbr_range(start=date.fromisoformat(start_iso), end=date.fromisoformat(end_iso))
    except RateSourceError as exc:
        logger.warning("CBR rates not fetched: %s (%s)", exc.message, exc.code.value)
        return f"CBR rates not fetched: {exc.code.value}"
    return f"fetched {len(fetched)} days"
