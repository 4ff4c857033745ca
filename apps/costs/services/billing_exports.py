"""Billing exports pulled on each sync: a plugin's export files imported like manual uploads.

A provider that writes its detailed bill as files the customer lets us read (Yandex Cloud's daily detail
CSV in an Object Storage bucket) implements ``BillingExportSource``. After a sync, ``billing_exports_sync``
lists the files of the cost window and imports each one through ``focus_file_import`` with the connection:
the same native importer as an upload (``apps/costs/importers``), so there is one mapping, and a day's
source key (``yandex:<billing account>:<day>``) makes a re-read file replace the rows of its day.

Each file is its own import, in its own transaction: a file that fails to download or to import is one
error entry on the run and leaves the ledger of its day as the last good import left it. A file imported
successfully after it was last written (``last_modified``, with a margin for clock skew) is not read again.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.utils.translation import gettext as _

from apps.providers.exceptions import ProviderError, SyncErrorCode
from apps.providers.models import SyncPhase, SyncRun
from apps.providers.plugins.base import BillingExportFile, BillingExportSource
from apps.providers.runs import sync_run_progress

from ..models import BillingImport, ImportStatus
from .imports import focus_file_import

logger = logging.getLogger(__name__)

ENDPOINT = "billing_export"
# An import that started this long after the file's last write has read that version of it (the storage's
# clock and ours may differ by a little).
CLOCK_MARGIN = timedelta(minutes=15)


def billing_export_unchanged(*, connection, export: BillingExportFile) -> bool:
    """Whether a successful import of ``export`` for ``connection`` started after the file was last written."""
    if export.last_modified is None:
        return False
    return BillingImport.objects.filter(
        connection=connection, file_name=export.name[:255], status=ImportStatus.SUCCESS,
        started_at__gt=export.last_modified + CLOCK_MARGIN).exists()


def billing_exports_sync(run: SyncRun, *, plugin: BillingExportSource, start: date,
                         end: date) -> list[dict[str, str]] | None:
    """Import the export files of ``start <= day < end`` that changed since their last import; returns the
    run's error entries (one per failed file, or one for the listing) or None. A connection without the
    export configured is skipped without an entry."""
    if not plugin.billing_exports_configured():
        return None
    connection = run.connection
    sync_run_progress(run, phase=SyncPhase.COSTS, current_endpoint=ENDPOINT)
    try:
        exports = list(plugin.billing_exports(start=start, end=end))
    except ProviderError as exc:
        return [{"endpoint": exc.endpoint or ENDPOINT, "code": exc.code.value, "message": str(exc)[:500]}]
    errors: list[dict[str, str]] = []
    written = 0
    for export in exports:
        if billing_export_unchanged(connection=connection, export=export):
            continue
        sync_run_progress(run, current_endpoint=f"{ENDPOINT}: {export.name}"[:120])
        try:
            with export.open() as path:
                result = focus_file_import(path=path, file_name=export.name, connection=connection)
        except ProviderError as exc:
            errors.append({"endpoint": exc.endpoint or ENDPOINT, "code": exc.code.value,
                           "message": f"{export.name}: {exc}"[:500]})
            continue
        except Exception:  # a bug with one file must not stop the others
            logger.exception("sync %s: the billing export file could not be imported", run.pk)
            errors.append({"endpoint": ENDPOINT, "code": SyncErrorCode.INTERNAL_ERROR.value,
                           "message": _("The billing export file %(name)s could not be processed.")
                           % {"name": export.name}})
            continue
        if result.status == ImportStatus.SUCCESS:
            written += result.rows_imported
        else:
            errors.append({"endpoint": ENDPOINT, "code": result.error_code or "import_failed",
                           "message": (_("The billing export file %(name)s was not imported: %(reason)s")
                                       % {"name": export.name, "reason": result.error})[:500]})
        sync_run_progress(run, cost_records=written)
    sync_run_progress(run, current_endpoint="", cost_records=written)
    return errors or None
