"""Replacing one family of sources in the ledger at once (the demo estate's rows), rollups included."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Max, Min

from apps.common.bulk import bulk_copy

from ..models import CostRecord
from .rollups import cost_rollups_refresh

PROVIDER_SOURCE_PREFIX = "provider:"  # source keys of costs pulled from a provider plugin: "provider:<connection id>"
ESTIMATED_EXTRA = "x_estimated"  # the extras flag of costs computed from prices, not read from a bill


@transaction.atomic
def cost_records_replace(*, source_prefix: str, records: Iterable[CostRecord]) -> int:
    """Delete the ledger rows whose ``source_key`` starts with ``source_prefix``, write ``records`` (consumed
    once, with one COPY) and refresh the rollups of every charge date either side touched; returns the rows
    written. The records must carry source keys with that prefix, or a second run would not replace them."""
    old = CostRecord.objects.filter(source_key__startswith=source_prefix).order_by()
    span = old.aggregate(first=Min("charge_date"), last=Max("charge_date"))
    old.delete()

    def spanned():
        for record in records:
            day = record.charge_date
            span["first"] = day if span["first"] is None else min(span["first"], day)
            span["last"] = day if span["last"] is None else max(span["last"], day)
            yield record

    written = bulk_copy(CostRecord, spanned())
    if span["first"] is not None:
        cost_rollups_refresh(start=span["first"], end=span["last"])
    return written


def provider_rows_supersede(*, connection_id: int, billing_import_id: int) -> int:
    """Delete ``connection_id``'s rows pulled from its provider's API (estimates from prices, usage reports) on
    the days the billing import ``billing_import_id`` wrote rows of that connection: the billing file is the bill,
    its figures replace them, and the ledger never counts both. Runs inside the import's transaction, before its
    rollups are refreshed; returns the rows deleted."""
    table = CostRecord._meta.db_table
    key = f"{PROVIDER_SOURCE_PREFIX}{connection_id}"
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE source_key = %s "  # noqa: S608
            "AND hashtextextended(source_key, 0) = hashtextextended(%s, 0) "
            f"AND charge_date IN (SELECT DISTINCT charge_date FROM {table} WHERE billing_import_id = %s "
            "AND connection_id = %s)",
            [key, key, billing_import_id, connection_id])
        return cursor.rowcount
