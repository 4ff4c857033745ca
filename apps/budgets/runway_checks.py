"""The runway step of the checks (``settings.CHECKS_STEPS``): alert when a prepaid balance runs out within
``RUNWAY_ALERT_DAYS`` days."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from apps.common.numbers import format_money, format_number
from apps.notifications.links import absolute_url
from apps.notifications.services import alert_enqueue

from .selectors import Runway, runway_list


def runway_alert_text(runway: Runway) -> tuple[str, str]:
    name = runway.connection.name
    lines = [
        _("Connection: %(name)s") % {"name": name},
        _("Balance: %(balance)s") % {"balance": format_money(runway.balance, runway.currency)},
    ]
    if runway.daily_spend is not None:
        lines.append(_("Spend per day: %(amount)s") % {"amount": format_money(runway.daily_spend, runway.currency)})
    lines.append(_("Days left: %(days)s") % {"days": format_number(runway.days_left, places=1)})
    if runway.date is not None:
        lines.append(_("The balance runs out on %(day)s: top it up so the account is not blocked.") % {
            "day": formats.date_format(runway.date, "SHORT_DATE_FORMAT")})
    return _("The balance of %(name)s is running out") % {"name": name}, "\n".join(lines)


def runway_check_step(*, now: datetime) -> dict[str, int]:
    """A «runway» alert for each connection whose balance lasts fewer than ``RUNWAY_ALERT_DAYS`` days at the
    forecast spend; dedup ``runway:<connection>:<the day it runs out>`` (a new alert when that day moves)."""
    limit = Decimal(settings.RUNWAY_ALERT_DAYS)
    today = timezone.localdate(now)
    checked = alerted = queued = 0
    for runway in runway_list(today=today):
        checked += 1
        if runway.days_left is None or runway.days_left >= limit:
            continue
        alerted += 1
        title, text = runway_alert_text(runway)
        day = (runway.date or today).isoformat()
        queued += len(alert_enqueue(
            kind="runway", subject_type="connection", subject_id=str(runway.connection.pk),
            dedup_key=f"runway:{runway.connection.pk}:{day}", title=title, text=text,
            link=absolute_url(reverse("connections"))))
    return {"connections": checked, "alerted": alerted, "queued": queued}
