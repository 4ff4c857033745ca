"""The Russian production calendar: which days are non-working (weekends, public holidays and the days off the
Government moves each year), for off-hours schedules. Data from the Government's decrees on moving days off
(2025: No 1335 of 04.10.2024; 2026: No 1466 of 24.09.2025); years without a decree here get the fixed holidays of
the Labour Code (article 112) and ordinary weekends.
"""

from __future__ import annotations

from datetime import date, timedelta

# Article 112 of the Labour Code: public holidays on fixed dates (month, day).
FIXED_HOLIDAYS = ((1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (2, 23), (3, 8), (5, 1), (5, 9),
                  (6, 12), (11, 4))
# Per year: the non-working days beyond weekends and fixed holidays (moved days off, holidays falling on a
# weekend moved to the next working day), and the Saturdays/Sundays that are working days.
EXTRA_DAYS_OFF = {
    2025: {date(2025, 5, 2), date(2025, 5, 8), date(2025, 6, 13), date(2025, 11, 3), date(2025, 12, 31)},
    2026: {date(2026, 1, 9), date(2026, 3, 9), date(2026, 5, 11), date(2026, 12, 31)},
}
WORKING_WEEKENDS = {
    2025: {date(2025, 11, 1)},
    2026: set(),
}


def is_non_working(day: date) -> bool:
    if day in WORKING_WEEKENDS.get(day.year, ()):
        return False
    if day.weekday() >= 5 or (day.month, day.day) in FIXED_HOLIDAYS:
        return True
    return day in EXTRA_DAYS_OFF.get(day.year, ())


def non_working_days(start: date, end: date) -> frozenset[date]:
    """Every non-working day from ``start`` to ``end`` inclusive (weekends included)."""
    days, day = set(), start
    while day <= end:
        if is_non_working(day):
            days.add(day)
        day += timedelta(days=1)
    return frozenset(days)


def holidays_on_weekdays(start: date, end: date) -> frozenset[date]:
    """The non-working days from ``start`` to ``end`` that fall Monday to Friday (public holidays, moved days)."""
    return frozenset(d for d in non_working_days(start, end) if d.weekday() < 5)
