from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet

from apps.common.filters import filterset_apply

from .filters import SyncRunFilter
from .models import ACTIVE_SYNC_STATUSES, ConnectionStatus, ProviderConnection, SyncRun


def connection_list() -> QuerySet[ProviderConnection]:
    """Connections of the current organization (the tenant schema scopes them)."""
    return ProviderConnection.objects.all().order_by("provider", "name", "id")


def connection_get(*, connection_id: int) -> ProviderConnection:
    """Raises ``ProviderConnection.DoesNotExist`` (also for a non-integer id)."""
    try:
        connection_id = int(connection_id)
    except (TypeError, ValueError):
        raise ProviderConnection.DoesNotExist from None
    return ProviderConnection.objects.get(pk=connection_id)


def sync_run_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[SyncRun]:
    """Sync runs of the current organization, newest first, narrowed by ``SyncRunFilter`` (``connection``,
    ``status``, ``trigger``); raises ``ApplicationError`` for a value that does not parse."""
    qs = SyncRun.objects.select_related("connection").order_by("-created_at", "-id")
    return filterset_apply(SyncRunFilter, data=filters, queryset=qs) if filters else qs


def sync_run_get(*, sync_run_id: Any) -> SyncRun:
    """Raises ``SyncRun.DoesNotExist`` (also for a non-integer id)."""
    try:
        sync_run_id = int(sync_run_id)
    except (TypeError, ValueError):
        raise SyncRun.DoesNotExist from None
    return SyncRun.objects.select_related("connection").get(pk=sync_run_id)


def sync_run_latest(*, connection: ProviderConnection) -> SyncRun | None:
    return SyncRun.objects.filter(connection=connection).order_by("-created_at", "-id").first()


def sync_run_active(*, connection: ProviderConnection) -> SyncRun | None:
    return (SyncRun.objects.filter(connection=connection, status__in=ACTIVE_SYNC_STATUSES)
            .order_by("-created_at", "-id").first())


def connection_counts() -> dict[str, int]:
    """Connections, distinct providers among them, and how many are failing."""
    counts = ProviderConnection.objects.order_by().aggregate(
        total=Count("id"), providers=Count("provider", distinct=True),
        failing=Count("id", filter=Q(status=ConnectionStatus.ERROR)))
    return {key: value or 0 for key, value in counts.items()}


def connection_list_with_resource_counts() -> QuerySet[ProviderConnection]:
    """Connections in the order they were added, each with ``live_resources`` (its resources not deleted)."""
    return (ProviderConnection.objects
            .annotate(live_resources=Count("resources", filter=Q(resources__is_deleted=False)))
            .order_by("created_at", "id"))
