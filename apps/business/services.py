"""Business context writes that span the allocation definitions and the rollups: every change of rules,
overrides, splits or dimensions is audited and recalculates the history in the background."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from apps.allocation.services import definitions_changed
from apps.audit.services import audit_event_record
from apps.costs.services.allocation_apply import allocation_apply_enqueue


@transaction.atomic
def allocation_changed(*, actor, action: str, target: str, data: dict[str, Any] | None = None) -> int:
    """Record ``action`` (an ``allocation.*`` audit code) on ``target`` by ``actor``, move the definitions to a
    new version and queue the recalculation of the history. Returns the new version."""
    version = definitions_changed()
    audit_event_record(schema_name=connection.schema_name, action=action, actor=actor, target=target, data=data or {})
    allocation_apply_enqueue(version=version)
    return version
