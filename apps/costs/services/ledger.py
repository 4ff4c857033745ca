"""Replacing one family of sources in the ledger at once (the demo estate's rows), rollups included."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max, Min

from apps.common.bulk import bulk_copy

from ..models import CostRecord
from .rollups import cost_rollups_refresh


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
