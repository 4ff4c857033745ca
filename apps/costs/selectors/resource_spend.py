"""What each inventory resource actually cost over the last days, from the ledger's daily rollup.

For resources without a list price (Yandex Cloud gives none per resource): the resources pages show this
spend instead, labelled as such, never added to the list-price run-rate. The inventory reads it through the
``INVENTORY_RESOURCE_SPEND`` setting (it sits below costs and cannot import it).

Money is the invoiced view (BilledCost) converted to the organization's currency at each charge date's rate,
as the dashboard and the explorer read it (``CostDaily.billed_cost_org``); a day without a rate is left out.
A ledger row belongs to a resource when its ResourceId is the resource's provider id and it came from the
resource's connection, or from a billing file imported without a connection (linked by the id alone, as the
importer links them, unless two of the asked resources share that id).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from ..models import CostDaily

ResourceKey = tuple[int, str]  # (connection id, the provider's resource id)


def resource_spend_last_days(keys: Iterable[ResourceKey], days: int = 30) -> dict[ResourceKey, Decimal]:
    """Spend of each ``(connection_id, resource_id)`` over the ``days`` UTC charge dates ending today, in the
    organization's currency; keys without a converted ledger row are absent. One query for all keys."""
    keys = {(int(conn), str(rid)) for conn, rid in keys if rid}
    if not keys:
        return {}
    today = timezone.now().date()
    start = today - timedelta(days=days - 1)
    connections = {conn for conn, _rid in keys}
    resource_ids = {rid for _conn, rid in keys}
    rows = (CostDaily.objects
            .filter(charge_date__range=(start, today), resource_id__in=resource_ids,
                    billed_cost_org__isnull=False)
            .filter(Q(connection_id__in=connections) | Q(connection_id__isnull=True))
            .order_by()
            .values("connection_id", "resource_id")
            .annotate(amount=Sum("billed_cost_org")))
    link = _linker(keys)
    out: dict[ResourceKey, Decimal] = {}
    for row in rows:
        for key in link(row):
            out[key] = out.get(key, Decimal(0)) + row["amount"]
    return out


def _linker(keys: set[ResourceKey]):
    """``row -> the asked keys a rollup row belongs to``: its own connection's key, or for a file imported without
    a connection the one asked key with that resource id (none when two asked resources share it)."""
    by_id: dict[str, list[ResourceKey]] = {}
    for key in keys:
        by_id.setdefault(key[1], []).append(key)

    def link(row) -> list[ResourceKey]:
        if row["connection_id"] is not None:
            key = (row["connection_id"], row["resource_id"])
            return [key] if key in keys else []
        candidates = by_id.get(row["resource_id"], [])
        return candidates if len(candidates) == 1 else []

    return link


def resource_daily_costs(keys: Iterable[ResourceKey], *, start, end) -> dict[ResourceKey, dict]:
    """Each ``(connection_id, resource_id)``'s converted spend per charge date from ``start`` to ``end``
    (inclusive), ``{key: {date: Decimal}}``; dates without a converted row are absent. Linked as
    ``resource_spend_last_days`` links them. One query for all keys."""
    keys = {(int(conn), str(rid)) for conn, rid in keys if rid}
    if not keys:
        return {}
    connections = {conn for conn, _rid in keys}
    resource_ids = {rid for _conn, rid in keys}
    rows = (CostDaily.objects
            .filter(charge_date__range=(start, end), resource_id__in=resource_ids, billed_cost_org__isnull=False)
            .filter(Q(connection_id__in=connections) | Q(connection_id__isnull=True))
            .order_by()
            .values("connection_id", "resource_id", "charge_date")
            .annotate(amount=Sum("billed_cost_org")))
    link = _linker(keys)
    out: dict[ResourceKey, dict] = {}
    for row in rows:
        for key in link(row):
            days = out.setdefault(key, {})
            days[row["charge_date"]] = days.get(row["charge_date"], Decimal(0)) + row["amount"]
    return out
