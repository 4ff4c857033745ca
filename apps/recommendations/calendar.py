"""The Russian production calendar: which days are non-working (weekends, public holidays and the days off the
Government moves each year), for off-hours schedules. Data from the Government's decrees on moving days off
(2025: No 1335 of 04.10.2024; 2026: No 1466 of 24.09.2025); years without a decree here get the fixed holidays of
the Labour Code (article 112), its automatic move of a weekend holiday to the next working day, and ordinary
weekends.

Checked on 2026-12-06 against public reports of the decrees: 2025 (teko.cntd.ru, klerk.ru: 4.01 -> 2.05,
5.01 -> 31.12, 23.02 -> 8.05, 8.03 -> 13.06, 1.11 -> 3.11, Saturday 1.11 a working day; 247 working days) and
2026 (profedu38.ru, tvzvezda.ru, TASS: 3.01 -> 9.01, 4.01 -> 31.12, plus the automatic 9.03 and 11.05; no
working Saturdays). The 2027 decree was not found (only a draft mentioned in December 2025), so 2027 uses the
Labour Code rule.
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


def moved_holidays(year: int) -> frozenset[date]:
    """The days off of ``year``: the decree's list when there is one; otherwise the Labour Code's own rule
    (article 112, part 2): a holiday outside 1-8 January that falls on a Saturday or Sunday moves to the next
    working day. (The January ones are moved by the yearly decree only, so they are not moved here.)"""
    if year in EXTRA_DAYS_OFF:
        return frozenset(EXTRA_DAYS_OFF[year])
    fixed = {date(year, month, day) for month, day in FIXED_HOLIDAYS}
    moved: set[date] = set()
    for holiday in sorted(fixed):
        if holiday.month == 1 and holiday.day <= 8 or holiday.weekday() < 5:
            continue
        day = holiday + timedelta(days=1)
        while day.weekday() >= 5 or day in fixed or day in moved:
            day += timedelta(days=1)
        moved.add(day)
    return frozenset(moved)


def is_non_working(day: date) -> bool:
    if day in WORKING_WEEKENDS.get(day.year, ()):
        return False
    if day.weekday() >= 5 or (day.month, day.day) in FIXED_HOLIDAYS:
        return True
    return day in moved_holidays(day.year)


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
