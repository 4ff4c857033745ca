"""off_hours_schedule on hand-built hour-of-week profiles."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import translation

from apps.recommendations.calendar import non_working_days
from apps.recommendations.context import Context
from apps.recommendations.rules.schedule import OffHoursScheduleRule, suggested_schedule

from .factories import MSK, NOW, view

RULE = OffHoursScheduleRule()
BUSY, IDLE = Decimal(40), Decimal(1)


def office_profile():
    """Busy Monday to Friday 08:00-20:00, idle otherwise: 5 × 12 busy slots, 168 − 60 = 108 idle."""
    return [BUSY if day < 5 and 8 <= hour < 20 else IDLE for day in range(7) for hour in range(24)]


def context(profile, *, now=NOW, holidays=frozenset(), **fields):
    fields.setdefault("monthly_price", "16800")
    fields.setdefault("tags", {"env": "dev"})
    resource = view(**fields)
    return Context(now=now, resources=[resource], hour_profiles={1: {"cpu_percent": profile}}, holidays=holidays)


def run(ctx, **params):
    return list(RULE.evaluate(ctx, {**RULE.defaults(), **{k: Decimal(v) for k, v in params.items()}}))


def test_office_hours_dev_vm_saves_its_idle_share():
    # 108 idle slots / 168 × 16 800 = 10 800,00 ₽; no holiday in the window (holidays empty).
    [draft] = run(context(office_profile()))
    assert draft.savings == Decimal("10800.00")
    assert draft.evidence["idle_slots"] == 108
    assert len(draft.evidence["profile"]) == 168
    assert draft.action == "schedule"


def test_suggested_schedule_reads_as_weekly_windows():
    with translation.override("ru"):
        [draft] = run(context(office_profile()))
        assert draft.evidence["schedule"] == "пн–пт 20:00–08:00, сб–вс весь день"
        assert "108 ч простоя из 168 в неделю" in draft.formula
        assert draft.formula.endswith("= 10\xa0800,00\xa0₽")


def test_holidays_add_working_hours_when_weekends_are_idle():
    # Now Monday 2026-12-28 Moscow; the next 30 days (to 26.01.2027) hold the weekday holidays 31.12.2026 (Thu,
    # moved by the 2026 decree), 1.01.2027 (Fri) and 4-8.01.2027 (Mon-Fri): 7 weekdays.
    # Each weekday has 12 busy hours: 7 × 12 = 84 h × 16 800 / 720 = 1 960,00 ₽; 10 800 + 1 960 = 12 760,00 ₽.
    now = datetime(2026, 12, 28, 10, 0, tzinfo=MSK)
    holidays = non_working_days(date(2026, 10, 1), date(2027, 2, 28))
    [draft] = run(context(office_profile(), now=now, holidays=holidays))
    assert draft.savings == Decimal("12760.00")
    assert draft.evidence["holiday_hours"] == 84
    assert draft.evidence["holidays"] == ["2026-12-31", "2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06",
                                          "2027-01-07", "2027-01-08"]
    with translation.override("ru"):
        [draft] = run(context(office_profile(), now=now, holidays=holidays))
        assert "84 ч × 16\xa0800,00\xa0₽ ÷ 720 ч = 1\xa0960,00\xa0₽" in draft.formula
        assert "всего 12\xa0760,00\xa0₽" in draft.formula


def test_holidays_do_not_count_when_weekends_are_busy():
    profile = office_profile()
    profile[5 * 24 + 12] = BUSY  # Saturday noon busy: 107 idle slots
    now = datetime(2026, 12, 28, 10, 0, tzinfo=MSK)
    holidays = non_working_days(date(2026, 10, 1), date(2027, 2, 28))
    [draft] = run(context(profile, now=now, holidays=holidays))
    # 107 / 168 × 16 800 = 10 700,00 ₽
    assert draft.savings == Decimal("10700.00")
    assert draft.evidence["holiday_hours"] == 0


def test_production_resources_are_left_alone():
    assert run(context(office_profile(), tags={"env": "prod"})) == []


def test_too_few_measured_slots_is_no_guess():
    profile = office_profile()
    for slot in range(43):  # 125 of 168 measured < 126 (3/4)
        profile[slot] = None
    assert run(context(profile)) == []
    profile[0] = IDLE  # 126 measured: enough
    assert len(run(context(profile))) == 1


def test_min_idle_hours_and_idle_percent_overrides():
    # 108 idle hours: a 120-hour minimum finds nothing.
    assert run(context(office_profile()), min_idle_hours=120) == []
    # With idle below 50 % every slot is idle (busy = 40 %): 168 / 168 × 16 800 = 16 800,00 ₽.
    [draft] = run(context(office_profile()), idle_percent=50)
    assert draft.savings == Decimal("16800.00")


def test_ledger_cost_when_no_price():
    # spend 3 000 over 30 days -> 3 000 a month; 108 / 168 × 3 000 = 1 928,571... -> 1 928,57 ₽
    [draft] = run(context(office_profile(), monthly_price=None, spend="3000"))
    assert draft.savings == Decimal("1928.57")


def test_stopped_or_unprofiled_resources_are_skipped():
    assert run(context(office_profile(), status="stopped")) == []
    assert list(RULE.evaluate(Context(now=NOW, resources=[view(monthly_price="100", tags={"env": "dev"})]),
                              RULE.defaults())) == []


def test_schedule_words_for_a_night_window_only():
    idle = {day * 24 + hour for day in range(7) for hour in (0, 1, 2, 3, 4, 5)}
    with translation.override("ru"):
        assert suggested_schedule(idle) == "пн–вс 00:00–06:00"


def test_parameter_bounds_are_refused_in_russian():
    import pytest

    from apps.common.errors import ApplicationError
    from apps.recommendations.registry import rule_params_clean

    with translation.override("ru"), pytest.raises(ApplicationError) as error:
        rule_params_clean(RULE, {"min_idle_hours": "200", "idle_percent": "5"})
    assert list(error.value.extra["fields"]) == ["min_idle_hours"]
