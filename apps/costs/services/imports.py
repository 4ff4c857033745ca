"""Billing file imports: keep an upload and queue it, run it on the worker, or import a file synchronously."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from apps.audit.services import audit_event_record
from apps.common.cache import organization_data_changed
from apps.common.errors import ApplicationError
from apps.common.tasks import enqueue_in_tenant

from ..exceptions import CostErrorCode
from ..models import BillingImport, CostType, ImportStatus
from . import import_storage
from .import_run import billing_import_execute, billing_import_fail

logger = logging.getLogger(__name__)


def _import_dir() -> Path:
    base = Path(getattr(settings, "BILLING_IMPORT_DIR", settings.BASE_DIR / "instance" / "imports"))
    path = base / db_connection.schema_name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _local_store(uploaded_file, *, limit_bytes: int, too_large: ApplicationError) -> tuple[str, int]:
    stored = _import_dir() / f"{uuid.uuid4().hex}.upload"
    written = 0
    try:
        with open(stored, "wb") as out:
            for chunk in uploaded_file.chunks():
                written += len(chunk)
                if written > limit_bytes:  # a size the client did not announce
                    raise too_large
                out.write(chunk)
    except OSError as exc:
        stored.unlink(missing_ok=True)
        logger.error("billing import upload could not be stored: %s", exc.strerror or exc.__class__.__name__)
        raise ApplicationError(
            _("The file could not be stored on the server: not enough disk space. Nothing was imported."),
            CostErrorCode.STORAGE_FULL, http_status=507) from None
    except ApplicationError:
        stored.unlink(missing_ok=True)
        raise
    return str(stored), stored.stat().st_size


def _discard(stored_path: str) -> None:
    if import_storage.is_object(stored_path):
        import_storage.object_delete(stored_path)
    elif stored_path and os.path.exists(stored_path):
        os.unlink(stored_path)


def billing_import_create(*, uploaded_file, user, connection=None, skip_invalid: bool = False,
                          cost_type: str = CostType.ACTUAL) -> BillingImport:
    """Keep the uploaded file and queue its import; the worker runs ``billing_import_run``."""
    name = os.path.basename(getattr(uploaded_file, "name", "") or "upload")[:255]
    limit_mb = int(settings.BILLING_IMPORT_MAX_MB)
    limit_bytes = limit_mb * 1024 * 1024
    too_large = ApplicationError(
        _("The file is larger than the %(limit)s MB allowed. Nothing was imported.") % {"limit": limit_mb},
        CostErrorCode.FILE_TOO_LARGE, extra={"limit_mb": limit_mb}, http_status=413)
    if (getattr(uploaded_file, "size", None) or 0) > limit_bytes:
        raise too_large
    location = import_storage.upload_location()
    if location is not None:
        stored_path, size = import_storage.upload_store(
            uploaded_file=uploaded_file, location=location, schema_name=db_connection.schema_name,
            limit_bytes=limit_bytes, too_large=too_large)
    else:
        stored_path, size = _local_store(uploaded_file, limit_bytes=limit_bytes, too_large=too_large)
    try:
        with transaction.atomic():
            billing_import = BillingImport.objects.create(
                file_name=name, stored_path=stored_path, file_size=size, connection=connection,
                skip_invalid=skip_invalid, cost_type=cost_type, created_by_id=getattr(user, "pk", None),
                status=ImportStatus.QUEUED,
            )
            enqueue_in_tenant(db_connection.schema_name, "apps.costs.tasks.billing_import_task",
                              billing_import.pk, task_name=f"billing-import-{billing_import.pk}")
    except BaseException:
        _discard(stored_path)  # no row points at it: nothing would ever remove it
        raise
    return billing_import


def billing_import_run(*, import_id: int) -> BillingImport:
    """Run a queued import (worker side) and drop its stored file."""
    billing_import = BillingImport.objects.select_related("connection").get(pk=import_id)
    if billing_import.is_finished:
        return billing_import
    stored_path = billing_import.stored_path
    try:
        if import_storage.is_object(stored_path):
            with import_storage.object_fetched(stored_path, scratch_dir=_import_dir()) as path:
                billing_import_execute(billing_import=billing_import, path=path)
        else:
            billing_import_execute(billing_import=billing_import, path=stored_path)
    except import_storage.FetchFailed:
        with translation.override(settings.LANGUAGE_CODE):  # stored like the import's own errors
            billing_import_fail(billing_import, code=CostErrorCode.STORAGE_UNAVAILABLE.value, message=_(
                "The uploaded file could not be read back from the file storage. Nothing was imported; upload it "
                "again."))
    finally:
        organization_data_changed()  # also after a failed import: a part may have been written
        if not import_storage.is_object(stored_path):
            _discard(stored_path)
    _audit(billing_import, actor_id=billing_import.created_by_id)
    if billing_import.status == ImportStatus.SUCCESS:
        _finished_steps(billing_import)
    return billing_import


def _finished_steps(billing_import: BillingImport) -> None:
    """``settings.IMPORT_FINISHED_STEPS``: ``step(billing_import)`` once an import succeeded (the MSP console's
    figures); each isolated, a failure is logged and changes nothing."""
    from django.utils.module_loading import import_string

    for path in getattr(settings, "IMPORT_FINISHED_STEPS", ()):
        try:
            import_string(path)(billing_import)
        except Exception:  # the import is done; a step's bug must not undo it
            logger.exception("billing import %s: the finished-import step %s failed", billing_import.pk, path)


def focus_file_import(*, path: str, file_name: str | None = None, connection=None, skip_invalid: bool = False,
                      cost_type: str = CostType.ACTUAL, user=None,
                      on_progress: Callable[[BillingImport], None] | None = None) -> BillingImport:
    """Import a billing file synchronously (management command, demo seeding, benchmarks)."""
    billing_import = BillingImport.objects.create(
        file_name=(file_name or os.path.basename(path))[:255], connection=connection, skip_invalid=skip_invalid,
        cost_type=cost_type, created_by_id=getattr(user, "pk", None),
        file_size=os.path.getsize(path) if os.path.exists(path) else 0,
    )
    try:
        billing_import_execute(billing_import=billing_import, path=path, on_progress=on_progress)
    finally:
        organization_data_changed()
    _audit(billing_import, actor_id=getattr(user, "pk", None))
    if billing_import.status == ImportStatus.SUCCESS:
        _finished_steps(billing_import)
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
