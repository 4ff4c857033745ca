"""Writes to the cost ledger."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction

from apps.audit.services import audit_event_record
from apps.common.tasks import enqueue_in_tenant

from .importers.run import billing_import_execute
from .models import BillingImport, ImportStatus
from .rollups import cost_rollups_refresh, cost_rollups_refresh_all  # noqa: F401 -- the rollup service, h10


def _import_dir() -> Path:
    base = Path(getattr(settings, "BILLING_IMPORT_DIR", settings.BASE_DIR / "instance" / "imports"))
    path = base / db_connection.schema_name
    path.mkdir(parents=True, exist_ok=True)
    return path


def billing_import_create(*, uploaded_file, user, connection=None, skip_invalid: bool = False) -> BillingImport:
    """Keep the uploaded file and queue its import; the worker runs ``billing_import_run``."""
    name = os.path.basename(getattr(uploaded_file, "name", "") or "upload")[:255]
    stored = _import_dir() / f"{uuid.uuid4().hex}.upload"
    with open(stored, "wb") as out:
        for chunk in uploaded_file.chunks():
            out.write(chunk)
    with transaction.atomic():
        billing_import = BillingImport.objects.create(
            file_name=name, stored_path=str(stored), file_size=stored.stat().st_size, connection=connection,
            skip_invalid=skip_invalid, created_by_id=getattr(user, "pk", None), status=ImportStatus.QUEUED,
        )
        enqueue_in_tenant(db_connection.schema_name, "apps.costs.tasks.billing_import_task",
                          billing_import.pk, task_name=f"billing-import-{billing_import.pk}")
    return billing_import


def billing_import_run(*, import_id: int) -> BillingImport:
    """Run a queued import (worker side) and drop its stored file."""
    billing_import = BillingImport.objects.select_related("connection").get(pk=import_id)
    if billing_import.is_finished:
        return billing_import
    path = billing_import.stored_path
    try:
        billing_import_execute(billing_import=billing_import, path=path)
    finally:
        if path and os.path.exists(path):
            os.unlink(path)
    _audit(billing_import, actor_id=billing_import.created_by_id)
    return billing_import


def focus_file_import(*, path: str, file_name: str | None = None, connection=None, skip_invalid: bool = False,
                      user=None, on_progress: Callable[[BillingImport], None] | None = None) -> BillingImport:
    """Import a billing file synchronously (management command, demo seeding, benchmarks)."""
    billing_import = BillingImport.objects.create(
        file_name=(file_name or os.path.basename(path))[:255], connection=connection, skip_invalid=skip_invalid,
        created_by_id=getattr(user, "pk", None), file_size=os.path.getsize(path) if os.path.exists(path) else 0,
    )
    billing_import_execute(billing_import=billing_import, path=path, on_progress=on_progress)
    _audit(billing_import, actor_id=getattr(user, "pk", None))
    return billing_import


def _audit(billing_import: BillingImport, *, actor_id: int | None) -> None:
    from apps.accounts.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    audit_event_record(
        schema_name=db_connection.schema_name, action="costs.import", actor=actor,
        target=f"billing_import:{billing_import.pk}",
        data={"file": billing_import.file_name, "status": billing_import.status,
              "rows_imported": billing_import.rows_imported, "rows_skipped": billing_import.rows_skipped},
    )
