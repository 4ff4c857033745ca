from __future__ import annotations

from typing import Any

from django.db import connection
from django_tenants.utils import schema_context

from .models import AuditEvent


def audit_event_record(
    *, schema_name: str, action: str, actor=None, target: str = "", data: dict[str, Any] | None = None
) -> AuditEvent:
    """Write an audit row into ``schema_name`` (works from any schema, including public)."""
    if connection.schema_name == schema_name:
        return _create(action=action, actor=actor, target=target, data=data)
    with schema_context(schema_name):
        return _create(action=action, actor=actor, target=target, data=data)


def _create(*, action: str, actor, target: str, data: dict[str, Any] | None) -> AuditEvent:
    return AuditEvent.objects.create(
        actor_id=getattr(actor, "pk", None),
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        target=str(target)[:254],
        data=data or {},
    )
