"""Queue entry points (run inside the organization's schema by apps.common.tasks.run_in_tenant)."""

from __future__ import annotations

from datetime import date

from .services.allocation_apply import allocation_history_apply
from .services.imports import billing_import_run
from .services.rollups import cost_rollups_fetch_rates_and_refresh, cost_rollups_refresh, cost_rollups_refresh_all


def billing_import_task(import_id: int) -> None:
    billing_import_run(import_id=import_id)


def cost_rollups_fetch_rates_task(start_iso: str, end_iso: str) -> int:
    """Queued by a rollup refresh that met amounts without an exchange rate."""
    return cost_rollups_fetch_rates_and_refresh(start=date.fromisoformat(start_iso), end=date.fromisoformat(end_iso))


def cost_rollups_refresh_all_task() -> int:
    """Queued when an organization changes its currency: every rollup holds converted amounts."""
    return cost_rollups_refresh_all()


def cost_rollups_refresh_task(start_iso: str, end_iso: str) -> int:
    """Queued when a manual exchange rate applies to more days than a page request rebuilds."""
    return cost_rollups_refresh(start=date.fromisoformat(start_iso), end=date.fromisoformat(end_iso))


def allocation_apply_task(version: int) -> int:
    """Queued when the allocation definitions change: the rollups of the whole history are rebuilt with them."""
    return allocation_history_apply(version=version)
