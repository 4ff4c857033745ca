"""Applying the allocation definitions to the ledger's whole history: the rollups are rebuilt month by month
(each month one transaction), with progress in ``AllocationState`` (days done of days total) for the pages and
the API. Queued by every change of the definitions (``allocation_apply_enqueue``); a run that finds a newer
version already queued leaves the work to it."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from apps.allocation.models import AllocationState
from apps.allocation.services import allocation_state_get
from apps.allocation.vocabulary import ApplyStatus
from apps.common.tasks import enqueue_in_tenant

from ..models import CostRecord
from ..periods import month_end
from .rollups import cost_rollups_refresh

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
    """Rebuild every rollup day with the current definitions; returns the days recalculated (0 when a newer
    version is queued or the ledger is empty)."""
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
    done = 0
    try:
        for start, end in _months(first, last):
            with transaction.atomic():
                cost_rollups_refresh(start=start, end=end, fetch_missing_rates=False)
            done += (end - start).days + 1
            AllocationState.objects.filter(pk=pk).update(days_done=done)
    except Exception as exc:
        logger.exception("allocation apply failed after %s of %s days", done, total)
        AllocationState.objects.filter(pk=pk).update(status=ApplyStatus.FAILED, error=str(exc)[:2000],
                                                     finished_at=timezone.now())
        raise
    current = allocation_state_get()
    AllocationState.objects.filter(pk=pk).update(
        status=ApplyStatus.IDLE if current.version == version else ApplyStatus.QUEUED,
        applied_version=version, finished_at=timezone.now())
    return done
