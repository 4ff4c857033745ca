"""Forecasting on crafted series (apps.budgets.forecasting, pure): expected figures by hand in the comments."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from apps.budgets.forecasting import forecast_spend
from tests.utils import russian

AS_OF = date(2026, 12, 9)  # a Wednesday; the forecast covers 10-31 December (22 days)
DEC = {"period_start": date(2026, 12, 1), "period_end": date(2026, 12, 31)}


def _history(days: int, amount) -> dict[date, Decimal]:
    return {AS_OF - timedelta(days=i): Decimal(amount(AS_OF - timedelta(days=i))) for i in range(days)}


def test_a_flat_series_forecasts_its_level():
    result = forecast_spend(history=_history(60, lambda day: 100), as_of=AS_OF, **DEC)
    assert result.method == "ets"
    # 9 days × 100 = 900 spent; 22 days × 100 = 2200 to come: 3100.
    assert result.actual_to_date == Decimal("900.00")
    assert abs(result.forecast - Decimal(3100)) <= Decimal(31)
    assert result.lower <= Decimal(3100) <= result.upper
    # January (31 days), February (28), March (31) at 100 a day.
    assert [m.month for m in result.months] == [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]
    for month, expected in zip(result.months, (3100, 2800, 3100), strict=True):
        assert abs(month.forecast - expected) <= expected / 100
    assert abs(result.daily_mean - 100) <= 1


def test_a_weekly_pattern_is_followed():
    # 100 on weekdays, 20 at weekends, ten weeks of it.
    result = forecast_spend(history=_history(70, lambda day: 100 if day.weekday() < 5 else 20), as_of=AS_OF, **DEC)
    assert result.method == "ets"
    coming = [d for d in result.series if d.date > AS_OF]
    assert len(coming) == 22 and all(d.actual is None for d in coming)
    for day in coming:
        expected = 100 if day.date.weekday() < 5 else 20
        assert abs(day.forecast - expected) <= 5, (day.date, day.forecast)
        assert day.lower <= day.forecast <= day.upper
    # 1-9 Dec: 7 weekdays, 2 weekend days = 740; 10-31 Dec: 16 weekdays, 6 weekend days = 1720; 2460 in all.
    assert result.actual_to_date == Decimal("740.00")
    assert abs(result.forecast - Decimal(2460)) <= Decimal("24.6")


def test_a_growing_series_forecasts_above_the_run_rate():
    # +2 a day for 60 days, ending at 200 on AS_OF: a run-rate (mean of the last 7 days, 194) would under-forecast.
    result = forecast_spend(history=_history(60, lambda day: 200 - 2 * (AS_OF - day).days), as_of=AS_OF, **DEC)
    assert result.method == "ets"
    assert result.series[9].forecast > Decimal(200)


def test_short_history_falls_back_to_the_run_rate_with_a_wide_band():
    # 10 days: AS_OF - i costs 10 × i. Spent 1-9 Dec: 10 × (8 + 7 + ... + 0) = 360. The last 7 days (i = 0..6)
    # average 30: 22 days × 30 = 660 to come, ±50 % = 330: forecast 1020, band 690-1350.
    result = forecast_spend(history=_history(10, lambda day: 10 * (AS_OF - day).days), as_of=AS_OF, **DEC)
    assert result.method == "run_rate"
    assert (result.actual_to_date, result.forecast, result.lower, result.upper) == (
        Decimal("360.00"), Decimal("1020.00"), Decimal("690.00"), Decimal("1350.00"))
    assert result.reason == russian("Only %(days)s days of history (an ETS model needs %(min)s): run-rate of the "
                                    "last %(n)s days, with a wide band (±%(band)s %%).", days=10, min=28, n=7,
                                    band=50)
    assert "ETS" in result.reason
    day = result.series[9]
    assert (day.date, day.forecast, day.lower, day.upper) == (
        date(2026, 12, 10), Decimal("30.00"), Decimal("15.00"), Decimal("45.00"))
    # January: 31 × 30 = 930 ± 465.
    assert (result.months[0].forecast, result.months[0].lower, result.months[0].upper) == (
        Decimal("930.00"), Decimal("465.00"), Decimal("1395.00"))


def test_missing_days_count_as_zero():
    # Costs on 1 and 9 December only (100 each): 7 zero days between; the run-rate of the last 7 days is 100/7.
    history = {date(2026, 12, 1): Decimal(100), AS_OF: Decimal(100)}
    result = forecast_spend(history=history, as_of=AS_OF, **DEC)
    assert result.method == "run_rate"
    assert result.actual_to_date == Decimal("200.00")
    # 22 × 100 / 7 = 314.2857...: 514.29.
    assert result.forecast == Decimal("514.29")


def test_no_data_makes_no_numbers():
    result = forecast_spend(history={}, as_of=AS_OF, **DEC)
    assert result.method == "none"
    assert (result.actual_to_date, result.forecast, result.lower, result.upper) == (None, None, None, None)
    assert result.series == []
    assert [(m.forecast, m.lower, m.upper) for m in result.months] == [(None, None, None)] * 3
    assert result.reason == russian("No costs in this scope yet: nothing to forecast from.")
