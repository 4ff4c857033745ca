"""Which connections' costs in the ledger are estimates (``x_estimated``: computed from a price list, not read
from a bill), and the date of the price list behind them, for the connection cards. The providers pages sit
below costs and read it through the ``PROVIDER_COST_ESTIMATES`` setting."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db.models import Max
from django.db.models.fields.json import KT
from django.utils import timezone

from ..models import CostRecord

RECENT_DAYS = 35  # the window a sync's native cost pull rewrites (PROVIDER_COST_DAYS)


def connection_cost_estimates(connection_ids: Iterable[int], days: int = RECENT_DAYS) -> dict[int, dict[str, Any]]:
    """``{connection id: {"price_list_date": date | None, "last_day": date}}`` of the connections among
    ``connection_ids`` with estimated rows in the last ``days`` charge dates; one query for all of them."""
    ids = sorted(set(connection_ids))
    if not ids:
        return {}
    since = timezone.now().date() - timedelta(days=days)
    rows = (CostRecord.objects.filter(connection_id__in=ids, charge_date__gte=since,
                                      extras__contains={"x_estimated": True})
            .values("connection_id").annotate(price_list=Max(KT("extras__x_price_list_date")),
                                               last_day=Max("charge_date")))
    found = {}
    for row in rows:
        try:
            price_list = date.fromisoformat(row["price_list"]) if row["price_list"] else None
        except ValueError:
            price_list = None
        found[row["connection_id"]] = {"price_list_date": price_list, "last_day": row["last_day"]}
    return found
