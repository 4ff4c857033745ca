"""The chart's «В среднем в день» divides by the days the ledger covers, not by the period's length (issue 9,
point 1: one day of 121,46 ₽ of data showed 4,05 ₽ = 121,46 / 30)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django_tenants.utils import schema_context

from apps.costs.selectors.spend import spend_series
from apps.costs.services.rollups import cost_rollups_refresh
from apps.dashboard.selectors import dashboard_period
from tests.costs.explorer_data import ledger, row

TODAY = date(2026, 5, 20)


def test_one_day_of_data_averages_to_that_day(w):
    with schema_context(w.alpha.schema_name):
        ledger([row(TODAY, "100.00", provider="Beget"), row(TODAY, "21.46", provider="Beget", service="VPS")])
        cost_rollups_refresh(start=TODAY, end=TODAY)
        series = spend_series(period=dashboard_period(raw_range=30, today=TODAY))
    assert series["average"] == Decimal("121.46")  # was 4.05 (121.46 / 30)


def test_the_average_counts_the_days_since_the_ledger_starts_including_days_without_spend(w):
    first = TODAY - timedelta(days=5)
    with schema_context(w.alpha.schema_name):
        ledger([row(first, "10.00"), row(TODAY - timedelta(days=2), "20.00")])
        cost_rollups_refresh(start=first, end=TODAY)
        month = spend_series(period=dashboard_period(raw_range=30, today=TODAY))
        # Six days covered (five days ago to today): 30 / 6.
        assert month["average"] == Decimal("5.00")
        # A period the ledger covers entirely divides by its own length: 30 / 7.
        whole = dashboard_period(raw_range=7, today=TODAY + timedelta(days=1))
        assert whole.start == first and spend_series(period=whole)["average"] == Decimal("4.29")


def test_no_data_averages_to_zero(w):
    with schema_context(w.alpha.schema_name):
        assert spend_series(period=dashboard_period(raw_range=30, today=TODAY))["average"] == Decimal(0)
