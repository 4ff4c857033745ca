from __future__ import annotations

from django.db.models import QuerySet

from .models import ProviderConnection


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
