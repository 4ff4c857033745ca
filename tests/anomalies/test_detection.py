"""The detector on crafted series with hand-chosen values (no database)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from apps.anomalies.detection import DRIFT, LEVEL_SHIFT, SPIKE, Accepted, Params, detect, series_fill

START = date(2026, 3, 2)  # a Monday
WEEK = [10_000, 10_000, 10_000, 10_000, 10_000, 4_000, 4_000]  # Monday .. Sunday
NOISE = [0.0, 0.03, -0.03, 0.015, -0.015]  # a deterministic wobble of a few percent


def weekly(days: int, *, noise: bool = False) -> list[float]:
    return [WEEK[t % 7] * (1 + (NOISE[t % 5] if noise else 0)) for t in range(days)]


def day(t: int) -> date:
    return START + timedelta(days=t)


def test_a_weekly_pattern_alone_is_not_an_anomaly():
    # Monday costs 2.5 times Sunday every week: the same weekday's median expects exactly that.
    assert detect(weekly(84), start=START) == []
    assert detect(weekly(84, noise=True), start=START) == []


def test_a_spike_is_an_anomaly_with_its_impact():
    values = weekly(70)
    values[59] = 16_000  # a Thursday (day 59 of a series starting on a Monday)
    [anomaly] = detect(values, start=START)
    # The same weekday the four weeks before cost 10 000, no trend: 6 000 over it, 60 %.
    assert anomaly.kind == SPIKE
    assert anomaly.first_date == anomaly.date == day(59)
    assert anomaly.expected == Decimal("10000.00")
    assert anomaly.actual == Decimal("16000.00")
    assert anomaly.impact == Decimal("6000.00")


def test_a_spike_on_a_weekend_is_measured_against_the_weekend():
    values = weekly(70)
    values[61] = 7_000  # a Sunday: usually 4 000, so +3 000 (75 %), though below a weekday's 10 000
    [anomaly] = detect(values, start=START)
    assert (anomaly.kind, anomaly.date, anomaly.impact) == (SPIKE, day(61), Decimal("3000.00"))


def test_small_noise_under_the_minimum_in_roubles_never_flags():
    # A scope of about 1 000 ₽ a day: +400 ₽ is 40 % but under the 500 ₽ minimum.
    values = [1_000.0] * 70
    values[60] = 1_400
    values[65] = 1_450
    assert detect(values, start=START) == []
    # A tiny scope swinging from 50 to 300 ₽.
    assert detect([[50, 300, 120, 80, 260][t % 5] for t in range(90)], start=START) == []


def test_an_increase_under_the_minimum_percent_never_flags():
    values = [100_000.0] * 70
    values[60] = 115_000  # 15 000 ₽ but 15 % < 20 %
    assert detect(values, start=START) == []


def test_steady_growth_is_not_an_anomaly():
    # The weekly pattern plus 100 ₽ more every day: the week-over-week change is 700 ₽, the trend 100 ₽ a day,
    # and the same weekday moved forward by it is exactly today's cost.
    values = [WEEK[t % 7] + 100 * t for t in range(98)]
    assert detect(values, start=START) == []
    # Compound growth of 1 % a day (+170 % over the quarter) with noise.
    assert detect([WEEK[t % 7] * 1.01 ** t * (1 + NOISE[t % 5]) for t in range(98)], start=START) == []


def test_a_level_shift_is_one_anomaly_from_its_first_day():
    values = [10_000.0] * 60 + [14_000.0] * 20
    [anomaly] = detect(values, start=START)
    # Three days over the line make a level shift; from then on 14 000 is the baseline.
    assert anomaly.kind == LEVEL_SHIFT
    assert (anomaly.first_date, anomaly.date) == (day(60), day(62))
    assert (anomaly.expected, anomaly.actual, anomaly.impact) == (
        Decimal("30000.00"), Decimal("42000.00"), Decimal("12000.00"))


def test_a_slow_drift_is_found_from_the_start_of_the_climb():
    # 10 000 a day with a few percent of noise, then 2 % more every day for 25 days (+50 %), then flat.
    values = [10_000 * (1 + NOISE[t % 5]) * (1 + 0.02 * min(25, max(0, t - 69))) for t in range(120)]
    anomalies = detect(values, start=START)
    assert [a.kind for a in anomalies] == [DRIFT]
    # No single day jumps; the first day is where the climb began, within its first week and a half.
    assert day(70) <= anomalies[0].first_date <= day(80)
    assert anomalies[0].impact > 0


def test_a_dismissed_level_is_expected_afterwards():
    values = [10_000.0] * 60 + [14_000.0] * 20
    accepted = [Accepted(first_date=day(60), last_date=day(62), kind=LEVEL_SHIFT)]
    assert detect(values, start=START, accepted=accepted) == []
    # A day-one verdict: the user dismissed the first day; the days after it at that level are expected too.
    assert detect(values, start=START, accepted=[Accepted(first_date=day(60), last_date=day(60))]) == []
    # Without the verdict the same series has its anomaly (the test can fail).
    assert len(detect(values, start=START)) == 1


def test_a_dismissed_spike_does_not_hide_a_later_one():
    values = weekly(84)
    values[59] = 16_000
    values[73] = 16_000
    accepted = [Accepted(first_date=day(59), last_date=day(59), kind=SPIKE)]
    [anomaly] = detect(values, start=START, accepted=accepted)
    assert (anomaly.date, anomaly.impact) == (day(73), Decimal("6000.00"))


def test_parameters_change_the_verdict():
    values = weekly(70)
    values[59] = 16_000
    assert detect(values, start=START, params=Params(min_rub=7_000)) == []
    assert detect(values, start=START, params=Params(min_percent=70)) == []


def test_series_fill_puts_zero_on_days_without_costs():
    points = [(day(0), Decimal("5")), (day(2), Decimal("7")), (day(2), 1)]
    assert series_fill(points, start=day(0), end=day(3)) == [5.0, 0.0, 8.0, 0.0]
