from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from apps.common.filters import filterset_apply

from .filters import AuditEventFilter
from .models import AuditEvent


def audit_event_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[AuditEvent]:
    """The current organization's audit trail, newest first, narrowed by ``AuditEventFilter`` (``action``,
    ``actor`` (an email), ``date_from`` / ``date_to`` inclusive); raises ``ApplicationError`` for a value
    that does not parse."""
    qs = AuditEvent.objects.order_by("-created_at", "-id")
    return filterset_apply(AuditEventFilter, data=filters, queryset=qs) if filters else qs


def audit_actor_emails() -> list[str]:
    """The distinct actors of the trail, for the actor filter."""
    return list(AuditEvent.objects.exclude(actor_email="").order_by("actor_email")
                .values_list("actor_email", flat=True).distinct())
