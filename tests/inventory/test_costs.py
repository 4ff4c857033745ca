from __future__ import annotations

from decimal import Decimal

import pytest

from apps.inventory.costs import cost_baseline, normalize_to_daily
from apps.providers.plugins.base import ResourceRecord


@pytest.mark.parametrize(("amount", "period", "daily"), [
    ("22", "daily", "22.0000"), ("660", "monthly", "22.0000"), ("3650", "yearly", "10.0000"),
    ("0.5", "hourly", "12.0000"), ("90", "weird", "3.0000"),
])
def test_prices_are_normalized_to_a_daily_cost(amount, period, daily):
    assert normalize_to_daily(Decimal(amount), period) == Decimal(daily)


def _record(**costs) -> ResourceRecord:
    return ResourceRecord(provider="x", resource_id="1", resource_name="n", resource_type="vm",
                          service_name="Compute", **costs)


def test_the_providers_own_daily_and_monthly_figures_win():
    baseline = cost_baseline(_record(daily_cost=Decimal("60.73"), monthly_cost=Decimal("1847")))
    assert (baseline.daily_cost, baseline.monthly_cost) == (Decimal("60.73"), Decimal("1847.00"))
    assert (baseline.original_price, baseline.original_period) == (Decimal("1847"), "monthly")


def test_a_missing_daily_cost_is_derived_from_the_monthly_price():
    baseline = cost_baseline(_record(monthly_cost=Decimal("291.90")))
    assert baseline.daily_cost == Decimal("9.7300") and baseline.monthly_cost == Decimal("291.90")


def test_an_hourly_price_becomes_daily_times_24_and_monthly_times_30():
    baseline = cost_baseline(_record(daily_cost=Decimal("24"), billing_period="hourly"))
    assert baseline.original_price == Decimal("1") and baseline.original_period == "hourly"
    assert baseline.monthly_cost == Decimal("720.00")


def test_a_resource_without_a_price_has_no_cost():
    baseline = cost_baseline(_record())
    assert (baseline.daily_cost, baseline.monthly_cost, baseline.original_price) == (None, None, None)
