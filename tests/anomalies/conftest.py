"""Anomalies on a real PostgreSQL in tenant alpha: ledger rows and their daily rollup made with the real models and
services (``cost_rollups_refresh``), as the costs and recommendations tests make them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from apps.costs.services.rollups import cost_rollups_refresh
from apps.providers.models import ProviderConnection
from tests.costs.explorer_data import ledger, row

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=MSK)  # the detection reads up to 31 May
FIRST = date(2026, 3, 23)  # ten weeks of history
SPIKE_DAY = date(2026, 5, 25)


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def rollup(rows) -> None:
    ledger(rows)
    charge_days = [r.charge_date for r in rows]
    cost_rollups_refresh(start=min(charge_days), end=max(charge_days), fetch_missing_rates=False)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def spike_ledger(w, frozen):
    """alpha, one Yandex connection, every day from 23 March to 31 May: vm-a 6 000 ₽ (project api) and vm-b 4 000 ₽
    (project web) of Compute Cloud, a bucket of 2 000 ₽ in Object Storage; on 25 May vm-b cost 10 000 ₽."""
    with schema_context(w.alpha.schema_name):
        conn = ProviderConnection.objects.create(provider="yandex", name="Яндекс прод", credentials={})
        rows = []
        for day in days(FIRST, NOW.date() - timedelta(days=1)):
            rows.append(row(day, "6000", resource="vm-a", tags={"project": "api"}, connection=conn))
            rows.append(row(day, "10000" if day == SPIKE_DAY else "4000", resource="vm-b",
                            tags={"project": "web"}, connection=conn))
            rows.append(row(day, "2000", resource="bucket-1", service="Object Storage", connection=conn))
        rollup(rows)
    return conn
