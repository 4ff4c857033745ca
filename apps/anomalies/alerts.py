"""The anomaly step of the checks (``settings.CHECKS_STEPS``): detect, then alert each new open anomaly once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from apps.common.numbers import format_money, format_percent
from apps.notifications.links import absolute_url
from apps.notifications.services import alert_enqueue

from .models import Anomaly
from .selectors import anomalies_alert_candidates
from .services import anomalies_detect, anomaly_confirm
from .vocabulary import Status

TOP_CONTRIBUTORS = 3


def anomaly_alert_text(anomaly: Anomaly) -> tuple[str, str]:
    """(title, Russian plain text): where, expected vs actual, the impact, the first day, what drove it."""
    currency = anomaly.currency
    scope = f"{anomaly.get_scope_type_display()} «{anomaly.scope_label or anomaly.scope_key}»"
    lines = [
        _("Scope: %(scope)s") % {"scope": scope},
        _("Kind: %(kind)s") % {"kind": anomaly.get_kind_display()},
        _("Expected: %(expected)s, actual: %(actual)s") % {
            "expected": format_money(anomaly.expected, currency), "actual": format_money(anomaly.actual, currency)},
    ]
    impact = _("Impact: %(impact)s") % {"impact": format_money(anomaly.impact, currency, signed=True)}
    if anomaly.expected and anomaly.expected > 0:
        percent = anomaly.impact / anomaly.expected * Decimal(100)
        impact += f" ({format_percent(percent, signed=True)})"
    lines.append(impact)
    if anomaly.first_date == anomaly.date:
        lines.append(_("First day: %(day)s") % {"day": formats.date_format(anomaly.first_date, "SHORT_DATE_FORMAT")})
    else:
        lines.append(_("First day: %(day)s (through %(last)s)") % {
            "day": formats.date_format(anomaly.first_date, "SHORT_DATE_FORMAT"),
            "last": formats.date_format(anomaly.date, "SHORT_DATE_FORMAT")})
    contributors = [c for c in (anomaly.contributors or []) if isinstance(c, dict)][:TOP_CONTRIBUTORS]
    if contributors:
        lines.append(_("Top contributors:"))
        for item in contributors:
            label = item.get("label") or item.get("key") or "—"
            service = f" ({item['service']})" if item.get("service") else ""
            lines.append(f"• {label}{service}: {format_money(item.get('increase'), currency, signed=True)}")
    title = _("Cost anomaly: %(scope)s") % {"scope": anomaly.scope_label or anomaly.scope_key}
    return title, "\n".join(lines)


def anomalies_check_step(*, now: datetime) -> dict[str, int]:
    """Detect anomalies as of ``now``, then queue an «anomaly» alert (dedup ``anomaly:<id>``, a button to
    acknowledge it) for each open anomaly not alerted yet, and mark it alerted."""
    detected = anomalies_detect(now=now)
    alerted = queued = 0
    for anomaly in anomalies_alert_candidates():
        title, text = anomaly_alert_text(anomaly)
        link = absolute_url(f"{reverse('anomalies')}?status=open#anomaly-{anomaly.pk}")
        queued += len(alert_enqueue(
            kind="anomaly", subject_type="anomaly", subject_id=str(anomaly.pk), dedup_key=f"anomaly:{anomaly.pk}",
            title=title, text=text, link=link, buttons=[{"text": _("Acknowledge"), "action": "ack"}]))
        Anomaly.objects.filter(pk=anomaly.pk).update(alerted_at=timezone.now())
        alerted += 1
    return {"scopes": detected.scopes, "created": len(detected.created), "updated": len(detected.updated),
            "alerted": alerted, "queued": queued}


def anomaly_ack_callback(*, alert, subject_id: str) -> str:
    """The «Acknowledge» button of an anomaly alert (``settings.NOTIFY_CALLBACK_ACTIONS["ack"]``), in the
    organization's schema: confirm the anomaly as the organization (no actor, audited ``by: telegram``)."""
    anomaly = None
    if alert.subject_type == "anomaly" and str(subject_id).isdigit():
        anomaly = Anomaly.objects.select_for_update().filter(pk=int(subject_id)).first()
    if anomaly is None:
        return _("This anomaly no longer exists.")
    if anomaly.status == Status.CONFIRMED:
        return _("The anomaly has already been confirmed.")
    if anomaly.status == Status.DISMISSED:
        return _("The anomaly has already been dismissed as expected.")
    anomaly_confirm(anomaly=anomaly, actor=None, audit_data={"by": "telegram"})
    return _("The anomaly is confirmed.")
