"""Queue entry points (run inside the organization's schema by apps.common.tasks.run_in_tenant)."""

from __future__ import annotations

from . import services


def billing_import_task(import_id: int) -> None:
    services.billing_import_run(import_id=import_id)
