"""Off-hours schedules: non-production servers and databases that sit idle at the same hours every week."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus

from ..context import MONTH_HOURS
from ..vocabulary import Action, Category, Confidence
from .base import FindingDraft, Param, Rule, money
from .common import monthly_cost_words

SLOTS = 168
WEEKEND_SLOTS = range(5 * 24, 7 * 24)  # Saturday and Sunday, Moscow time
HORIZON_DAYS = 30


def day_names() -> list[str]:
    return [pgettext("weekday short", "Mon"), pgettext("weekday short", "Tue"), pgettext("weekday short", "Wed"),
            pgettext("weekday short", "Thu"), pgettext("weekday short", "Fri"), pgettext("weekday short", "Sat"),
            pgettext("weekday short", "Sun")]


def _day_window(idle: set[int]) -> str:
    """One day's idle hours (0..23) in words: «весь день», «20:00–08:00» (across midnight), «01:00–05:00, ...»."""
    if len(idle) == 24:
        return _("all day")
    # Start the circle at a busy hour so a stretch across midnight reads as one range.
    busy = min(h for h in range(24) if h not in idle)
    ranges, start = [], None
    for step in range(1, 25):
        hour = (busy + step) % 24
        if hour in idle and start is None:
            start = hour
        if hour not in idle and start is not None:
            ranges.append(f"{start:02d}:00–{hour:02d}:00")
            start = None
    return ", ".join(ranges)


def suggested_schedule(idle_slots: set[int]) -> str:
    """«пн–пт 20:00–08:00, сб–вс весь день»: each weekday's idle hours, equal neighbouring days grouped."""
    names = day_names()
    windows = [_day_window({s - day * 24 for s in idle_slots if day * 24 <= s < day * 24 + 24})
               if any(day * 24 <= s < day * 24 + 24 for s in idle_slots) else "" for day in range(7)]
    parts, day = [], 0
    while day < 7:
        end = day
        while end + 1 < 7 and windows[end + 1] == windows[day]:
            end += 1
        if windows[day]:
            days = names[day] if end == day else f"{names[day]}–{names[end]}"
            parts.append(f"{days} {windows[day]}")
        day = end + 1
    return ", ".join(parts)


class OffHoursScheduleRule(Rule):
    key = "off_hours_schedule"
    version = 1
    category = Category.SCHEDULE
    title = gettext_lazy("Off-hours schedules for non-production")
    description = gettext_lazy("A non-production server or database that has no load at the same hours every "
                               "week can be stopped on a schedule for those hours (Moscow time, holidays of the "
                               "Russian production calendar included).")
    kinds = (ResourceKind.COMPUTE, ResourceKind.DATABASE)
    params = (
        Param("idle_percent", gettext_lazy("An hour is idle below this CPU load"), Decimal(5), Decimal(0),
              Decimal(50), unit="%"),
        Param("min_idle_hours", gettext_lazy("Smallest number of idle hours a week"), Decimal(40), Decimal(1),
              Decimal(168), unit="h", integer=True),
    )

    def evaluate(self, context, params):
        today = timezone.localdate(context.now)
        horizon = [today + timedelta(days=n) for n in range(HORIZON_DAYS)]
        weekday_holidays = sorted(d for d in horizon if d in context.holidays and d.weekday() < 5)
        for resource in self.resources(context):
            if not resource.is_non_production or resource.status != ResourceStatus.RUNNING:
                continue
            profile = context.hour_profiles.get(resource.pk, {}).get(MetricName.CPU_PERCENT)
            if not profile or len(profile) != SLOTS:
                continue
            covered = sum(1 for value in profile if value is not None)
            if covered * 4 < SLOTS * 3:  # fewer than 3/4 of the week's hours measured: no guess
                continue
            idle = {slot for slot, value in enumerate(profile)
                    if value is not None and Decimal(value) < params["idle_percent"]}
            if len(idle) < params["min_idle_hours"]:
                continue
            cost, words, confidence, reason = monthly_cost_words(context, resource)
            if cost is None:
                continue
            savings = Decimal(len(idle)) / SLOTS * cost
            formula = _("%(idle)s idle hours of %(week)s a week × %(words)s = %(part)s") % {
                "idle": len(idle), "week": SLOTS, "words": words,
                "part": money(savings, context.currency)}
            holiday_hours = 0
            if weekday_holidays and all(slot in idle for slot in WEEKEND_SLOTS):
                holiday_hours = sum(24 - sum(1 for h in range(24) if d.weekday() * 24 + h in idle)
                                    for d in weekday_holidays)
            if holiday_hours:
                extra = Decimal(holiday_hours) * cost / MONTH_HOURS
                savings += extra
                formula += _("; the weekends are idle, so the %(count)s holidays of the production calendar in the "
                             "next 30 days (%(dates)s) add their %(hours)s working hours: %(hours)s h × %(cost)s ÷ "
                             "720 h = %(extra)s; in all %(total)s") % {
                    "count": len(weekday_holidays), "dates": ", ".join(d.strftime("%d.%m") for d in weekday_holidays),
                    "hours": holiday_hours, "cost": money(cost, context.currency),
                    "extra": money(extra, context.currency), "total": money(savings, context.currency)}
            if confidence == Confidence.HIGH:
                confidence, reason = Confidence.MEDIUM, _("The load of the past four weeks may change.")
            schedule = suggested_schedule(idle)
            yield FindingDraft(
                resource=resource, action=Action.SCHEDULE,
                title=_("Stop «%(name)s» outside working hours") % {"name": resource.label},
                action_text=_("Stop it on a schedule (Moscow time): %(schedule)s.") % {"schedule": schedule},
                formula=formula, savings=savings, confidence=confidence, confidence_reason=reason,
                evidence={"metric": MetricName.CPU_PERCENT, "profile": [None if v is None else Decimal(v)
                                                                        for v in profile],
                          "idle_slots": len(idle), "covered_slots": covered, "idle_percent": params["idle_percent"],
                          "schedule": schedule, "timezone": "Europe/Moscow", "monthly_cost": cost,
                          "holidays": [d.isoformat() for d in weekday_holidays] if holiday_hours else [],
                          "holiday_hours": holiday_hours})

