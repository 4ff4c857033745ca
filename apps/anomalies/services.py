"""Writes of anomalies: the daily detection over every scope (upserting one row per scope and first day), and the
user's verdict on an anomaly (confirmed, or dismissed as expected: later detection takes that level as expected).

Alerts are not sent from here: ``apps.anomalies.selectors.anomalies_alert_candidates`` lists the new open anomalies
for the step that sends them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_event_record
from apps.costs.selectors.daily_series import (
    daily_cost_by_allocation,
    daily_cost_by_scope,
    daily_cost_by_tag,
    scope_contributors,
    scope_labels,
)
from apps.costs.selectors.ledger import organization_currency

from .detection import Accepted, Params, detect, series_fill
from .models import Anomaly
from .vocabulary import ScopeType, Status

CHART_DAYS_BEFORE = 21
CHART_DAYS_AFTER = 7
CONTRIBUTORS_BASELINE_DAYS = 28
# Allocation dimension values watched as scopes: the ones with the most cost, per dimension (bounds the work).
ALLOCATION_VALUES_PER_DIMENSION = 20


@dataclass
class DetectionResult:
    end: date
    scopes: int = 0
    created: list[Anomaly] = field(default_factory=list)
    updated: list[Anomaly] = field(default_factory=list)


def detection_params() -> Params:
    """The detector's parameters from the settings (``ANOMALY_*``)."""
    return Params(k=settings.ANOMALY_MAD_K, min_rub=settings.ANOMALY_MIN_RUB,
                  min_percent=settings.ANOMALY_MIN_PERCENT, shift_days=settings.ANOMALY_SHIFT_DAYS)


def _series_by_scope(start: date, end: date) -> list[tuple[str, str, dict]]:
    out = []
    for scope_type in (ScopeType.PROVIDER, ScopeType.SERVICE, ScopeType.CONNECTION):
        for key, days in daily_cost_by_scope(scope_type=scope_type, start=start, end=end).items():
            out.append((str(scope_type), key, days))
    for key, days in daily_cost_by_tag(keys=settings.ANOMALY_RESOURCE_GROUP_TAGS, start=start, end=end).items():
        out.append((str(ScopeType.RESOURCE_GROUP), key, days))
    # Allocation dimension values (when the organization has allocated cost): "<dimension key>=<value>".
    for key, days in daily_cost_by_allocation(start=start, end=end, limit=ALLOCATION_VALUES_PER_DIMENSION).items():
        out.append((str(ScopeType.ALLOCATION), key, days))
    return out


def anomalies_detect(*, now: datetime | None = None) -> DetectionResult:
    """Detect anomalies over the last ``ANOMALY_LOOKBACK_DAYS`` complete days (up to yesterday, Europe/Moscow) of
    every provider, service, connection, resource group (the ``ANOMALY_RESOURCE_GROUP_TAGS`` tags) and allocation
    dimension value (the ``ALLOCATION_VALUES_PER_DIMENSION`` costliest values of each dimension), and save
    those that reach into the last ``ANOMALY_REPORT_DAYS`` days. Running it again updates the same rows: an
    anomaly is found by its scope and first day (or, when the first day moved, by its days), and keeps its status.
    An anomaly dismissed as expected is passed to the detector, which takes its level as expected."""
    now = now or timezone.now()
    end = timezone.localdate(now) - timedelta(days=1)
    start = end - timedelta(days=settings.ANOMALY_LOOKBACK_DAYS - 1)
    report_from = end - timedelta(days=settings.ANOMALY_REPORT_DAYS - 1)
    result = DetectionResult(end=end)
    params = detection_params()
    currency = organization_currency()
    existing: dict[tuple[str, str], list[Anomaly]] = {}
    for anomaly in Anomaly.objects.filter(date__gte=start):
        existing.setdefault((anomaly.scope_type, anomaly.scope_key), []).append(anomaly)
    found: list[tuple[str, str, object, list[float], date]] = []
    for scope_type, key, days in _series_by_scope(start, end):
        result.scopes += 1
        # The series starts at the scope's first cost: before it the ledger knows nothing, which is not zero (a
        # new scope is judged once it has the detector's minimum history).
        scope_start = max(start, min(days))
        values = series_fill(days.items(), start=scope_start, end=end)
        accepted = [Accepted(first_date=a.first_date, last_date=a.date, kind=a.kind)
                    for a in existing.get((scope_type, key), []) if a.status == Status.DISMISSED]
        for item in detect(values, start=scope_start, params=params, accepted=accepted):
            if item.date >= report_from:
                found.append((scope_type, key, item, values, scope_start))
    labels: dict[str, dict[str, str]] = {}
    for scope_type in {scope_type for scope_type, *_rest in found}:
        labels[scope_type] = scope_labels(scope_type=scope_type, keys=[k for t, k, *_r in found if t == scope_type])
    with transaction.atomic():
        for scope_type, key, item, values, scope_start in found:
            rows = existing.setdefault((scope_type, key), [])
            row = next((r for r in rows if r.first_date == item.first_date), None) or next(
                (r for r in rows if r.first_date <= item.date and r.date >= item.first_date), None)
            fields = {
                "scope_label": labels[scope_type].get(key, key)[:500], "first_date": item.first_date,
                "date": item.date, "kind": item.kind, "expected": item.expected, "actual": item.actual,
                "impact": item.impact, "currency": currency,
                "contributors": scope_contributors(
                    scope_type=scope_type, scope_key=key, start=item.first_date, end=item.date,
                    baseline_start=item.first_date - timedelta(days=CONTRIBUTORS_BASELINE_DAYS),
                    baseline_end=item.first_date - timedelta(days=1)),
                "series": _chart_series(values, start=scope_start, end=end, item=item),
            }
            if row is None:
                row = Anomaly.objects.create(scope_type=scope_type, scope_key=key, **fields)
                rows.append(row)
                result.created.append(row)
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
                row.save()
                result.updated.append(row)
    return result


def _chart_series(values: list[float], *, start: date, end: date, item) -> list[dict]:
    expected = dict(zip(item.days, item.expected_days, strict=True))
    first = max(start, item.first_date - timedelta(days=CHART_DAYS_BEFORE))
    last = min(end, item.date + timedelta(days=CHART_DAYS_AFTER))
    out = []
    day = first
    while day <= last:
        amount = Decimal(repr(values[(day - start).days])).quantize(Decimal("0.01"))
        out.append({"date": day.isoformat(), "actual": str(amount),
                    "expected": str(expected[day]) if day in expected else None})
        day += timedelta(days=1)
    return out


def _verdict(*, anomaly: Anomaly, actor, status: Status, audit_data: dict | None = None) -> Anomaly:
    # A verdict can be changed (confirmed -> dismissed and back); the audit trail keeps each.
    previous = anomaly.status
    with transaction.atomic():
        anomaly.status = status
        anomaly.feedback_by_id = getattr(actor, "pk", None)
        anomaly.feedback_by_email = getattr(actor, "email", "") or ""
        anomaly.feedback_at = timezone.now()
        anomaly.save(update_fields=["status", "feedback_by_id", "feedback_by_email", "feedback_at", "updated_at"])
        audit_event_record(schema_name=db_connection.schema_name, action=f"anomaly.{status}", actor=actor,
                           target=str(anomaly), data={"anomaly": anomaly.pk, "scope_type": anomaly.scope_type,
                                                      "scope_key": anomaly.scope_key,
                                                      "first_date": anomaly.first_date.isoformat(),
                                                      "impact": str(anomaly.impact), "previous": previous,
                                                      **(audit_data or {})})
    return anomaly


def anomaly_confirm(*, anomaly: Anomaly, actor, audit_data: dict | None = None) -> Anomaly:
    """The user confirms the anomaly: a real, unexpected change (``audit_data`` adds to the audit row, e.g.
    ``{"by": "telegram"}`` when acknowledged from an alert's button, with no actor)."""
    return _verdict(anomaly=anomaly, actor=actor, status=Status.CONFIRMED, audit_data=audit_data)


def anomaly_dismiss(*, anomaly: Anomaly, actor) -> Anomaly:
    """The user dismisses the anomaly as expected: the next detection of its scope takes that level as expected."""
    return _verdict(anomaly=anomaly, actor=actor, status=Status.DISMISSED)
