"""django-q2 entry points. They take primitives and run inside one organization's schema (the caller
wraps them with ``apps.common.tasks.run_in_tenant``, or they enter the schema themselves)."""

from __future__ import annotations

import logging

from django_tenants.utils import schema_context

from apps.common.errors import ApplicationError

logger = logging.getLogger(__name__)


def sync_run_task(*, sync_run_id: int) -> None:
    """Queued by ``sync_run_start`` through ``enqueue_in_tenant`` (already in the tenant schema)."""
    from .sync import sync_run_execute

    sync_run_execute(sync_run_id=sync_run_id)


def sync_scheduled(schema_name: str, connection_id: int) -> None:
    """What a connection's django-q2 schedule runs: start a scheduled sync in its organization's schema."""
    from .models import ProviderConnection, SyncTrigger
    from .sync import sync_run_start

    with schema_context(schema_name):
        connection = ProviderConnection.objects.filter(pk=connection_id, auto_sync=True).first()
        if connection is None:
            return
        try:
            sync_run_start(connection=connection, trigger=SyncTrigger.SCHEDULED)
        except ApplicationError as exc:
            logger.info("scheduled sync of connection %s in %s skipped: %s", connection_id, schema_name, exc.code)
