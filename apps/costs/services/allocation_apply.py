"""Applying the allocation definitions to the ledger's whole history: the signatures the rollups point at are
evaluated again and the split rows recalculated (or, when that cannot do, the rollups rebuilt month by month, each
month one transaction), with progress in ``AllocationState`` (days done of days total) for the pages and the API.
Queued by every change of the definitions (``allocation_apply_enqueue``); a run that finds a newer version already
queued leaves the work to it."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from apps.allocation.models import AllocationState
from apps.allocation.selectors import definitions_read_sku
from apps.allocation.services import allocation_state_get
from apps.allocation.vocabulary import ApplyStatus
from apps.common.cache import organization_data_changed
from apps.common.tasks import enqueue_in_tenant

from ..models import CostDaily, CostRecord, CostSharedDaily
from ..periods import month_end
from .allocation_rollup import SIGNATURES, signatures_reevaluate
from .rollups import cost_rollups_refresh, phase, rollups_analyze, shared_rows_move, splits_recalculate

logger = logging.getLogger(__name__)


def allocation_apply_enqueue(*, version: int) -> None:
    """Queue the history's recalculation for definitions ``version`` (after the current transaction commits)."""
    AllocationState.objects.filter(pk=allocation_state_get().pk).update(status=ApplyStatus.QUEUED, error="")
    enqueue_in_tenant(connection.schema_name, "apps.costs.tasks.allocation_apply_task", version,
                      task_name="costs.allocation_apply")


def _months(first: date, last: date) -> list[tuple[date, date]]:
    spans, start = [], first
    while start <= last:
        end = min(month_end(start), last)
        spans.append((start, end))
        start = end + timedelta(days=1)
    return spans


def allocation_history_apply(*, version: int | None = None) -> int:
    """Apply the current definitions to every rollup day; returns the days recalculated (0 when a newer version is
    queued or the ledger is empty).

    The rollups point at signatures, whose allocation is joined at query time: a change of rules or overrides
    re-evaluates the signatures (from the columns kept with each), moves the rows of a signature that became shared
    cost or stopped being so (to or from ``CostSharedDaily``), and recalculates the split rows of shared costs
    (their shares may weigh the values' own costs), nothing else. The rollups are rebuilt month by month
    only when the signatures' granularity changes (a definition starts or stops reading the SKU), when they were
    built before signatures were kept, or when they miss the ledger's first or last day."""
    state = allocation_state_get()
    if version is not None and state.version > version:
        return 0  # a newer change queued its own run
    version = state.version
    bounds = CostRecord.objects.order_by().values_list("charge_date", flat=True)
    first, last = bounds.order_by("charge_date").first(), bounds.order_by("-charge_date").first()
    pk = state.pk
    if first is None:
        AllocationState.objects.filter(pk=pk).update(status=ApplyStatus.IDLE, applied_version=version,
                                                     days_total=0, days_done=0, finished_at=timezone.now())
        return 0
    total = (last - first).days + 1
    AllocationState.objects.filter(pk=pk).update(status=ApplyStatus.RUNNING, days_total=total, days_done=0,
                                                 started_at=timezone.now(), finished_at=None, error="")
    with_sku = definitions_read_sku()
    try:
        rebuild = (state.signatures_with_sku is None or state.signatures_with_sku != with_sku
                   or not _rollups_cover(first, last))
        if rebuild:
            _rebuild(first=first, last=last, with_sku=with_sku, pk=pk)
        else:
            with transaction.atomic():
                _reevaluate(first=first, last=last)
    except Exception as exc:
        logger.exception("allocation apply failed")
        AllocationState.objects.filter(pk=pk).update(status=ApplyStatus.FAILED, error=str(exc)[:2000],
                                                     finished_at=timezone.now())
        raise
    current = allocation_state_get()
    AllocationState.objects.filter(pk=pk).update(
        status=ApplyStatus.IDLE if current.version == version else ApplyStatus.QUEUED, days_done=total,
        applied_version=version, finished_at=timezone.now())
    organization_data_changed()
    return total


def _rollups_cover(first: date, last: date) -> bool:
    """Whether the rollups hold the ledger's first and last days (a ledger written without its rollups, as
    tests and repairs do, is rolled up by a rebuild)."""
    days = CostDaily.objects.filter(charge_date__in=(first, last)).values_list("charge_date", flat=True)
    return set(days.order_by().distinct()) == {first, last}


def _reevaluate(*, first: date, last: date) -> None:
    """Re-evaluate every signature, move the rows of those that became shared cost or stopped being so, and
    recalculate the split rows of ``first..last``."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        with phase("signatures"):
            moved = signatures_reevaluate(cursor)
            cursor.execute(f"ANALYZE {SIGNATURES}")  # the statements below join it to the rollups
        if moved:
            with phase("shared rows moved"):
                shared_rows_move(cursor)
        with phase("split rows"):
            splits_recalculate(cursor, start=first, end=last)


def _rebuild(*, first: date, last: date, with_sku: bool, pk: int) -> None:
    """Rebuild every rollup day month by month (each month one transaction), with progress."""
    AllocationState.objects.filter(pk=pk).update(signatures_with_sku=with_sku)  # imports meanwhile build alike
    done = 0
    try:
        for start, end in _months(first, last):
            with transaction.atomic():
                cost_rollups_refresh(start=start, end=end, fetch_missing_rates=False, with_sku=with_sku,
                                     rebuilding=True)
            done += (end - start).days + 1
            AllocationState.objects.filter(pk=pk).update(days_done=done)
    except Exception:
        AllocationState.objects.filter(pk=pk).update(signatures_with_sku=None)  # half rebuilt: all again next time
        raise
    signatures_unused_delete()
    rollups_analyze()


def signatures_unused_delete() -> int:
    """Forget the signatures no rollup row points at any more (of ledger rows deleted, of an older granularity)."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            DELETE FROM {SIGNATURES} s
            WHERE NOT EXISTS (SELECT 1 FROM {CostDaily._meta.db_table} d WHERE d.alloc_sig = s.sig)
              AND NOT EXISTS (SELECT 1 FROM {CostSharedDaily._meta.db_table} h WHERE h.sig = s.sig)
        """)  # noqa: S608 -- identifiers from the models
        return cursor.rowcount
