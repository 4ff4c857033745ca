"""The Russian production calendar against the published decrees (2025: No 1335, 2026: No 1466)."""

from __future__ import annotations

from datetime import date, timedelta

from apps.recommendations.calendar import holidays_on_weekdays, is_non_working, moved_holidays, non_working_days


def working_days(year: int) -> int:
    start, end = date(year, 1, 1), date(year, 12, 31)
    return (end - start).days + 1 - len(non_working_days(start, end))


def test_2025_has_247_working_days_and_the_decree_moves():
    # Official 2025 calendar: 247 working days, 118 days off (5-day week).
    assert working_days(2025) == 247
    for day in (date(2025, 5, 2), date(2025, 5, 8), date(2025, 6, 13), date(2025, 11, 3), date(2025, 12, 31)):
        assert is_non_working(day), day
    assert not is_non_working(date(2025, 11, 1))  # the working Saturday
    # 23.02 and 8.03 fell on a weekend; the decree moved them to 8.05 and 13.06, not to 24.02 / 10.03.
    assert not is_non_working(date(2025, 2, 24))
    assert not is_non_working(date(2025, 3, 10))


def test_2026_weekday_holidays():
    # 1-9 January (9.01 moved from 3.01), 23.02, 9.03 (8.03 is a Sunday), 1.05, 11.05 (9.05 is a Saturday),
    # 12.06, 4.11, 31.12 (moved from 4.01): 1.01-2.01 + 5.01-9.01 = 7 weekdays in January.
    days = holidays_on_weekdays(date(2026, 1, 1), date(2026, 12, 31))
    assert days == {date(2026, 1, d) for d in (1, 2, 5, 6, 7, 8, 9)} | {
        date(2026, 2, 23), date(2026, 3, 9), date(2026, 5, 1), date(2026, 5, 11), date(2026, 6, 12),
        date(2026, 11, 4), date(2026, 12, 31)}
    # 2026: 247 working days by the official calendar.
    assert working_days(2026) == 247


def test_years_without_a_decree_follow_the_labour_code():
    # 2027: 1.05 is a Saturday -> Monday 3.05; 9.05 a Sunday -> Monday 10.05; 12.06 a Saturday -> Monday 14.06;
    # 23.02 (Tue), 8.03 (Mon), 4.11 (Thu) are weekdays; January ones are not moved.
    assert moved_holidays(2027) == {date(2027, 5, 3), date(2027, 5, 10), date(2027, 6, 14)}
    assert is_non_working(date(2027, 5, 10)) and is_non_working(date(2027, 6, 14))
    assert not is_non_working(date(2027, 1, 11))


def test_non_working_days_include_weekends():
    days = non_working_days(date(2026, 12, 5), date(2026, 12, 11))
    assert days == {date(2026, 12, 5), date(2026, 12, 6)}
    assert all(d in days for d in (date(2026, 12, 5) + timedelta(days=n) for n in (0, 1)))
