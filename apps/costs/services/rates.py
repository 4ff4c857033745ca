"""A manual exchange rate entered in an organization (its rate form): stored for that organization only,
audited, and the converted rollups of the days it applies to rebuilt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max

from apps.audit.services import audit_event_record
from apps.common.tasks import enqueue_in_tenant
from apps.currency.models import ExchangeRate
from apps.currency.selectors import rate_lookup, rate_next_date
from apps.currency.services import rate_set_manual

from ..models import CostRecord
from .rollups import cost_rollups_refresh

# A rate whose days span at most this many charge dates rebuilds them at once (the explorer shows the new
# figures on the next page); a longer span is rebuilt in the background.
REFRESH_NOW_MAX_DAYS = 62


@dataclass(frozen=True)
class RateEntered:
    rate: ExchangeRate
    refreshed: bool  # the rollups already use it (else a background task rebuilds them)


def exchange_rate_enter(*, day: date, currency: str, rate_rub: Decimal, nominal: int = 1, actor=None,
                        note: str = "") -> RateEntered:
    """``rate_rub`` roubles per ``nominal`` units of ``currency`` from ``day`` on (until the next known rate),
    for the active organization only."""
    schema = connection.schema_name
    currency = currency.upper()
    with transaction.atomic():
        before = rate_lookup(currency=currency, day=day)
        rate = rate_set_manual(day=day, currency=currency, rate_rub=rate_rub, nominal=nominal, actor=actor,
                               note=note, schema_name=schema)
        audit_event_record(schema_name=schema, action="currency.rate_set", actor=actor, target=currency, data={
            "currency": currency, "date": day.isoformat(), "rate": format(Decimal(rate_rub), "f"),
            "nominal": nominal,
            "previous_rate": format(before.rate_rub * nominal, "f") if before is not None else None,
        })
        refreshed = _rollups_refresh_for_rate(currency=currency, day=day)
    return RateEntered(rate=rate, refreshed=refreshed)


def _rollups_refresh_for_rate(*, currency: str, day: date) -> bool:
    """Rebuild the charge dates the rate applies to: from ``day`` to the day before the next known rate (or the
    ledger's last day). Short spans now, long ones queued; True when done now."""
    # Only the ledger's rows in that currency are converted with it: the span ends at their last charge date.
    last = (CostRecord.objects.filter(charge_date__gte=day, billing_currency=currency)
            .aggregate(last=Max("charge_date"))["last"])
    if last is None:
        return True  # no costs in that currency on or after that day: nothing to rebuild
    following = rate_next_date(currency=currency, after=day)
    end = min(last, following - timedelta(days=1)) if following else last
    if (end - day).days + 1 <= REFRESH_NOW_MAX_DAYS:
        cost_rollups_refresh(start=day, end=end)
        return True
    enqueue_in_tenant(connection.schema_name, "apps.costs.tasks.cost_rollups_refresh_task", day.isoformat(),
                      end.isoformat(), task_name="costs.rates_refresh")
    return False


# How long a background fetch asked for the same days is not asked again (a page may be reloaded often).
BACKFILL_THROTTLE_SECONDS = 15 * 60


def rates_backfill_request(*, warnings: list[dict]) -> bool:
    """Amounts without an exchange rate were shown: queue the Central Bank fetch of those days and the rebuild
    of their rollups (``cost_rollups_fetch_rates_task``), at most once per ``BACKFILL_THROTTLE_SECONDS`` for
    the same days. True when queued."""
    days = [day if isinstance(day, date) else date.fromisoformat(str(day))
            for warning in warnings for day in warning["dates"]]
    if not days or not settings.CURRENCY_FETCH_MISSING:
        return False
    start, end = min(days), max(days)
    key = f"costs:rates_backfill:{connection.schema_name}:{start.isoformat()}:{end.isoformat()}"
    if not cache.add(key, 1, BACKFILL_THROTTLE_SECONDS):
        return False
    enqueue_in_tenant(connection.schema_name, "apps.costs.tasks.cost_rollups_fetch_rates_task", start.isoformat(),
                      end.isoformat(), task_name="costs.rates_backfill")
    return True
