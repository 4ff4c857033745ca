"""Run one billing import: stream + validate into a temporary file, then replace and COPY in one transaction."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from datetime import date

import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import BillingImport, CostRecord, ImportFormat, ImportStatus
from . import yandex
from .errors import ImportRefused
from .normalize import Context, _note, date_from, normalize_batch, plan_columns
from .reader import open_source
from .spec import COLUMNS

logger = logging.getLogger(__name__)
PROGRESS_EVERY_ROWS = 50_000
COPY_CHUNK = 1 << 20

ProgressCallback = Callable[[BillingImport], None]


def _field_order() -> list[str]:
    return [f.column for f in CostRecord._meta.concrete_fields if f.column != "id"]


def _field_lengths() -> dict[str, int]:
    return {f.name: f.max_length for f in CostRecord._meta.concrete_fields
            if isinstance(f, models.CharField) and f.max_length}


class _ProgressWriter:
    """Writes rows_done from its own autocommit connection, so readers see it while the import's
    transaction is still open (and a failure here never disturbs the import)."""

    def __init__(self, billing_import: BillingImport):
        self.billing_import = billing_import
        self.table = f'"{connection.schema_name}"."{BillingImport._meta.db_table}"'
        self.conn = None
        s = connection.settings_dict
        try:
            self.conn = psycopg.connect(dbname=s["NAME"], user=s.get("USER") or None,
                                        password=s.get("PASSWORD") or None, host=s.get("HOST") or None,
                                        port=s.get("PORT") or None, autocommit=True, connect_timeout=5)
        except psycopg.Error:
            logger.warning("billing import %s: progress connection unavailable", billing_import.pk)

    def write(self, **fields) -> None:
        for name, value in fields.items():
            setattr(self.billing_import, name, value)
        if self.conn is None:
            return
        sets = ", ".join(f'"{name}" = %s' for name in fields)
        try:
            self.conn.execute(f"UPDATE {self.table} SET {sets} WHERE id = %s",  # noqa: S608 - names are ours
                              [*fields.values(), self.billing_import.pk])
        except psycopg.Error:
            logger.warning("billing import %s: progress update failed", self.billing_import.pk)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def _allowed_accounts(billing_import: BillingImport) -> frozenset[str] | None:
    conn = billing_import.connection
    if conn is None:
        return None
    info = conn.account_info or {}
    ids = {str(info[k]) for k in ("billing_account_id", "account_id") if info.get(k)}
    return frozenset(ids) or None


def billing_import_execute(*, billing_import: BillingImport, path: str,
                           on_progress: ProgressCallback | None = None) -> BillingImport:
    """Import ``path`` into the current schema's ledger; the outcome is recorded on ``billing_import``.

    Never raises for bad input: refusals and failures end as status ``error`` with a report.
    """
    with translation.override(settings.LANGUAGE_CODE):
        progress = _ProgressWriter(billing_import)
        try:
            _execute(billing_import, path, progress, on_progress)
        except ImportRefused as exc:
            _fail(billing_import, code=exc.code, message=exc.message,
                  report=[{"row": None, "column": exc.column, "value": exc.value[:200], "reason": exc.message,
                           "code": exc.code}])
        except Exception:
            logger.exception("billing import %s failed", billing_import.pk)
            _fail(billing_import, code="failed", message=_("The import failed unexpectedly. Nothing was changed."))
        finally:
            progress.close()
    return billing_import


def _fail(billing_import: BillingImport, *, code: str, message: str, report: list | None = None) -> None:
    billing_import.status = ImportStatus.ERROR
    billing_import.error_code = code
    billing_import.error = message
    if report is not None:
        billing_import.report = report + list(billing_import.report or [])
        billing_import.report_total += len(report)
    billing_import.rows_imported = 0
    billing_import.finished_at = timezone.now()
    billing_import.save()


def _execute(bi: BillingImport, path: str, progress: _ProgressWriter, on_progress) -> None:
    bi.status = ImportStatus.VALIDATING
    bi.started_at = timezone.now()
    bi.file_size = os.path.getsize(path) if os.path.exists(path) else 0
    bi.save(update_fields=["status", "started_at", "file_size"])

    known = set(COLUMNS) | set(yandex.REQUIRED)
    source = open_source(path, known_columns=known)
    columns = source.columns
    batches = source.batches
    is_yandex = yandex.is_yandex(columns)
    if is_yandex:
        bi.format = ImportFormat.YANDEX_CSV
        columns = yandex.output_columns(source.columns)
        batches = (yandex.to_focus(b) for b in source.batches)
    else:
        bi.format = ImportFormat.FOCUS_PARQUET if source.kind == "parquet" else ImportFormat.FOCUS_CSV
    plan = plan_columns(columns)
    bi.focus_version = "1.2" if is_yandex else plan.version
    bi.rows_total = source.rows_total
    bi.bytes_total = source.bytes_total
    bi.save(update_fields=["format", "focus_version", "rows_total", "bytes_total"])

    ctx = Context(
        plan=plan, skip_invalid=bi.skip_invalid,
        source_prefix="yandex" if is_yandex else "focus", source_by_day=is_yandex,
        allowed_accounts=_allowed_accounts(bi), comma_decimals=source.delimiter != ",",
        constants={"connection_id": bi.connection_id, "billing_import_id": bi.pk, "inventory_resource_id": None},
    )
    for column, value, normalized, code in source.notes + plan.notes:
        ctx.note(column, value, normalized, code)
    if is_yandex:
        ctx.note("", "yandex_csv", "FOCUS 1.2", "yandex")

    order = _field_order()
    lengths = _field_lengths()
    schema = pa.schema([(name, pa.string()) for name in order])
    fd, tmp_path = tempfile.mkstemp(prefix="focus-import-", suffix=".csv")
    os.close(fd)
    try:
        last_reported = 0
        with pa_csv.CSVWriter(tmp_path, schema, write_options=pa_csv.WriteOptions(include_header=False)) as writer:
            for batch in batches:
                table = normalize_batch(batch, ctx, field_lengths=lengths, field_order=order)
                if table is not None and (ctx.skip_invalid or not ctx.rows_bad):
                    writer.write_table(table)
                if ctx.rows_seen - last_reported >= PROGRESS_EVERY_ROWS:
                    last_reported = ctx.rows_seen
                    progress.write(rows_done=ctx.rows_seen, bytes_done=source.bytes_done)
                    if on_progress:
                        on_progress(bi)
        bi.rows_done = ctx.rows_seen
        bi.report = ctx.report
        bi.report_total = ctx.report_total
        bi.report_truncated = ctx.report_total > len(ctx.report)
        bi.normalizations = ctx.normalization_list()
        bi.rows_skipped = ctx.rows_bad if ctx.skip_invalid else 0
        if ctx.rows_seen == 0:
            raise ImportRefused("empty", _("The file has a header but no data rows."))
        if ctx.rows_bad and not ctx.skip_invalid:
            _fail(bi, code="invalid", message=_(
                "%(bad)s of %(total)s rows are invalid: nothing was imported. Fix the file, or import again "
                "with \u201cskip invalid rows\u201d.") % {"bad": ctx.rows_bad, "total": ctx.rows_seen})
            return
        if ctx.rows_good == 0:
            _fail(bi, code="invalid", message=_("No valid rows: nothing was imported."))
            return
        progress.write(status=ImportStatus.IMPORTING, rows_done=ctx.rows_seen, bytes_done=source.bytes_total)
        bi.status = ImportStatus.IMPORTING
        if on_progress:
            on_progress(bi)
        _load(bi, ctx, tmp_path, order)
    finally:
        os.unlink(tmp_path)


def _load(bi: BillingImport, ctx: Context, tmp_path: str, order: list[str]) -> None:
    keys = sorted(ctx.source_keys)
    table = f'"{connection.schema_name}"."{CostRecord._meta.db_table}"'
    columns = ", ".join(f'"{c}"' for c in order)
    with transaction.atomic():
        old = CostRecord.objects.filter(source_key__in=keys).aggregate(
            first=models.Min("charge_date"), last=models.Max("charge_date"), n=models.Count("id"))
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE source_key = ANY(%s)", [keys])  # noqa: S608
            replaced = cursor.rowcount
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
                with open(tmp_path, "rb") as fh:
                    while chunk := fh.read(COPY_CHUNK):
                        copy.write(chunk)
            _link_resources(cursor, table, bi)
        first = min(d for d in (date_from(ctx.first_date), old["first"]) if d)
        last = max(d for d in (date_from(ctx.last_date), old["last"]) if d)
        _refresh_rollups(first, last)
        bi.status = ImportStatus.SUCCESS
        bi.rows_imported = ctx.rows_good
        bi.rows_replaced = replaced
        bi.rows_done = ctx.rows_seen
        bi.source_keys = keys[:1000]
        bi.period_start = date_from(ctx.first_date)
        bi.period_end = date_from(ctx.last_date)
        bi.finished_at = timezone.now()
        bi.save()


def _link_resources(cursor, table: str, bi: BillingImport) -> None:
    if not django_apps.is_installed("apps.inventory"):
        return
    from apps.inventory.models import Resource

    resources = f'"{connection.schema_name}"."{Resource._meta.db_table}"'
    same_connection = "AND r.connection_id = c.connection_id" if bi.connection_id else ""
    cursor.execute(
        f"UPDATE {table} c SET inventory_resource_id = r.id FROM {resources} r "  # noqa: S608
        f"WHERE c.billing_import_id = %s AND c.resource_id <> '' AND r.resource_id = c.resource_id "
        f"{same_connection}",
        [bi.pk],
    )


def _refresh_rollups(start: date, end: date) -> None:
    from ..services import cost_rollups_refresh  # services imports this module: resolved at call time

    cost_rollups_refresh(start=start, end=end)


__all__ = ["billing_import_execute", "_note"]
