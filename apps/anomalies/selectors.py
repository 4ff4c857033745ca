"""Reads of anomalies: the list the page and the API show, one anomaly, and the new ones the alerting step sends."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Anomaly
from .vocabulary import Status


def anomaly_list(*, status: list[str] | None = None, kind: list[str] | None = None,
                 scope_type: list[str] | None = None) -> QuerySet[Anomaly]:
    """Newest last day first, the largest impact first within a day."""
    qs = Anomaly.objects.all()
    if status:
        qs = qs.filter(status__in=status)
    if kind:
        qs = qs.filter(kind__in=kind)
    if scope_type:
        qs = qs.filter(scope_type__in=scope_type)
    return qs.order_by("-date", "-impact", "-id")


def anomaly_get(*, pk: int) -> Anomaly:
    return Anomaly.objects.get(pk=pk)


def anomalies_alert_candidates() -> list[Anomaly]:
    """The open anomalies no alert was sent for yet, oldest first: what the notifications step sends next (it sets
    ``alerted_at`` once the alert is queued)."""
    return list(Anomaly.objects.filter(status=Status.OPEN, alerted_at__isnull=True).order_by("date", "id"))
