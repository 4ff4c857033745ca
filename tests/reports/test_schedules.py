"""When a schedule is due: ``next_run`` in the organization's time zone (Moscow, UTC+3 all year, no DST), month
ends clamped (31st in February/April), weekly and daily slots; a zone with DST keeps the local hour. Validation of
schedules in Russian."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.common.errors import ApplicationError
from apps.reports.models import Report, ReportSchedule
from apps.reports.schedules import last_full_month, next_run, schedule_create, schedule_update

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")


def sched(**fields) -> ReportSchedule:
    return ReportSchedule(**{"frequency": "monthly", "day": 1, "hour": 9, "weekday": 0, **fields})


def test_monthly_31st_is_clamped_to_the_month_end():
    s = sched(day=31, hour=9)
    # After 31 Jan 2027 09:00 MSK the next 31st-slot is February's last day: 2027 is not a leap year -> 28 Feb.
    after = datetime(2027, 1, 31, 9, 0, tzinfo=MSK)
    assert next_run(s, after=after, zone=MSK) == datetime(2027, 2, 28, 9, 0, tzinfo=MSK)
    # 2028 is a leap year -> 29 Feb.
    assert next_run(s, after=datetime(2028, 2, 1, tzinfo=MSK), zone=MSK) == datetime(2028, 2, 29, 9, tzinfo=MSK)
    # April has 30 days.
    assert next_run(s, after=datetime(2027, 3, 31, 10, tzinfo=MSK), zone=MSK) == datetime(2027, 4, 30, 9,
                                                                                          tzinfo=MSK)
    # Before the hour on the day itself: that same day.
    assert next_run(s, after=datetime(2027, 3, 31, 8, 59, tzinfo=MSK), zone=MSK) == datetime(2027, 3, 31, 9,
                                                                                            tzinfo=MSK)


def test_monthly_across_the_year_end_and_in_utc():
    s = sched(day=1, hour=0)
    # 31 Dec 2026 22:00 UTC is already 1 Jan 2027 01:00 in Moscow (UTC+3): the 1 Jan 00:00 slot has passed,
    # so the next is 1 Feb 2027 00:00 MSK = 31 Jan 2027 21:00 UTC.
    after = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)
    assert next_run(s, after=after, zone=MSK) == datetime(2027, 1, 31, 21, 0, tzinfo=UTC)
    # 31 Dec 2026 20:00 UTC = 23:00 MSK: the 1 Jan 00:00 MSK slot (= 21:00 UTC) is still ahead.
    assert next_run(s, after=datetime(2026, 12, 31, 20, 0, tzinfo=UTC), zone=MSK) == datetime(
        2026, 12, 31, 21, 0, tzinfo=UTC)


def test_weekly_and_daily():
    monday_noon = datetime(2026, 12, 7, 12, 0, tzinfo=MSK)  # 7 Dec 2026 is a Monday
    # Friday (4) 9:00: Monday + 4 days = 11 Dec.
    assert next_run(sched(frequency="weekly", weekday=4), after=monday_noon, zone=MSK) == datetime(
        2026, 12, 11, 9, tzinfo=MSK)
    # Monday 9:00 has passed today (noon) -> next Monday 14 Dec.
    assert next_run(sched(frequency="weekly", weekday=0), after=monday_noon, zone=MSK) == datetime(
        2026, 12, 14, 9, tzinfo=MSK)
    # Monday 13:00 is still ahead today.
    assert next_run(sched(frequency="weekly", weekday=0, hour=13), after=monday_noon, zone=MSK) == datetime(
        2026, 12, 7, 13, tzinfo=MSK)
    # Daily at 9: tomorrow; daily at 18: today.
    assert next_run(sched(frequency="daily"), after=monday_noon, zone=MSK) == datetime(2026, 12, 8, 9, tzinfo=MSK)
    assert next_run(sched(frequency="daily", hour=18), after=monday_noon, zone=MSK) == datetime(
        2026, 12, 7, 18, tzinfo=MSK)
    # Exactly on the slot: the slot is taken, the next day's.
    at_nine = datetime(2026, 12, 8, 9, tzinfo=MSK)
    assert next_run(sched(frequency="daily"), after=at_nine, zone=MSK) == datetime(2026, 12, 9, 9, tzinfo=MSK)


def test_daily_keeps_the_local_hour_across_a_dst_change():
    # Berlin switches to summer time on 28 Mar 2027 (02:00 -> 03:00): 9:00 is 08:00 UTC before, 07:00 UTC after.
    s = sched(frequency="daily", hour=9)
    before = next_run(s, after=datetime(2027, 3, 27, 10, tzinfo=BERLIN), zone=BERLIN)
    assert before == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
    assert next_run(s, after=datetime(2027, 3, 26, 10, tzinfo=BERLIN), zone=BERLIN) == datetime(
        2027, 3, 27, 8, 0, tzinfo=UTC)


def test_last_full_month_in_the_organization_zone():
    # 1 Jan 2027 00:30 MSK is still 31 Dec 2026 21:30 UTC: in Moscow December 2026 is the last full month.
    assert last_full_month(datetime(2026, 12, 31, 21, 30, tzinfo=UTC), zone=MSK).isoformat() == "2026-12-01"
    assert last_full_month(datetime(2026, 12, 31, 20, 30, tzinfo=UTC), zone=MSK).isoformat() == "2026-11-01"


def test_create_sets_the_first_slot_and_validates_in_russian(in_alpha, time_machine):
    time_machine.move_to(datetime(2026, 12, 7, 12, 0, tzinfo=MSK), tick=False)
    report = Report.objects.create(name="Расходы по сервисам", query={"period": "last_month", "group_by": "service"})
    schedule = schedule_create(actor=None, kind="report", report=report.pk, frequency="weekly", weekday=2, hour=8,
                               output="xlsx")
    # Wednesday 9 Dec 2026 08:00 MSK = 05:00 UTC.
    assert schedule.next_run_at == datetime(2026, 12, 9, 5, 0, tzinfo=UTC)
    with pytest.raises(ApplicationError) as bad_hour:
        schedule_update(schedule=schedule, actor=None, hour=24)
    assert str(bad_hour.value.message) == "Час должен быть от 0 до 23."
    with pytest.raises(ApplicationError) as no_report:
        schedule_create(actor=None, kind="report", report=None, output="csv")
    assert str(no_report.value.message) == "Выберите отчёт для рассылки."
    with pytest.raises(ApplicationError) as bad_day:
        schedule_create(actor=None, kind="brief", day=32, output="pdf")
    assert str(bad_day.value.message) == "День месяца должен быть от 1 до 31."
