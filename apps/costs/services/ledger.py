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
    before = old.aggregate(first=Min("charge_date"), last=Max("charge_date"))
    old.delete()
    bounds = [day for day in (before["first"], before["last"]) if day]

    def tracked():
        for record in records:
            bounds[:] = [min([record.charge_date, *bounds]), max([record.charge_date, *bounds])]
            yield record

    written = bulk_copy(CostRecord, tracked())
    if bounds:
        cost_rollups_refresh(start=bounds[0], end=bounds[-1])
    return written
