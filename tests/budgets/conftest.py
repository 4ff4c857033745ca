"""Budgets on a real PostgreSQL in tenant alpha: daily rollup rows (what the cost selectors read) and channels."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from apps.costs.models import CostDaily
from apps.notifications.models import Channel

MSK = ZoneInfo("Europe/Moscow")
JUNE_20 = datetime(2026, 6, 20, 12, 0, tzinfo=MSK)


def daily_rows(start: date, end: date, amount: str, **dims) -> None:
    """One CostDaily row a day from ``start`` to ``end`` of ``amount`` ₽ (provider Yandex Cloud by default)."""
    dims.setdefault("provider_name", "Yandex Cloud")
    value = Decimal(amount)
    rows, day = [], start
    while day <= end:
        rows.append(CostDaily(charge_date=day, billing_currency="RUB", billed_cost=value, effective_cost=value,
                              list_cost=value, billed_cost_org=value, effective_cost_org=value, org_currency="RUB",
                              row_count=1, **dims))
        day += timedelta(days=1)
    CostDaily.objects.bulk_create(rows)


@pytest.fixture
def in_alpha(w):
    with schema_context(w.alpha.schema_name):
        yield w


@pytest.fixture
def june(time_machine):
    """Now: 20 June 2026, 12:00 Moscow time."""
    time_machine.move_to(JUNE_20, tick=False)
    return time_machine


@pytest.fixture
def spend(in_alpha):
    """3 000 ₽ a day of Yandex Cloud from 1 April to 19 June 2026 (yesterday): June so far is 19 × 3 000 =
    57 000 ₽; at the same pace June ends at 30 × 3 000 = 90 000 ₽."""
    daily_rows(date(2026, 4, 1), date(2026, 6, 19), "3000")


@pytest.fixture
def channels(in_alpha):
    """Two e-mail channels subscribed to every kind, one subscribed to anomalies only."""
    return {
        "finance": Channel.objects.create(kind="email", name="Финансы", address="fin@alpha.test"),
        "ops": Channel.objects.create(kind="email", name="Эксплуатация", address="ops@alpha.test"),
        "anomalies": Channel.objects.create(kind="email", name="Аномалии", address="an@alpha.test",
                                            kinds=["anomaly"]),
    }
