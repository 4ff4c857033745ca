"""Run one billing import: stream, validate and COPY in one pass inside one transaction, then replace the earlier rows
of the same sources and refresh the rollups; an invalid or refused file rolls everything back."""

from __future__ import annotations

import functools
import json
import logging
import os
import queue
from collections.abc import Callable

import numpy as np
import psycopg
import pyarrow as pa
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter

from apps.common.bulk import IdBlocks, bulk_load_pays, local_settings, secondary_indexes_drop, side_connection
from apps.common.pgbinary import (
    SIGNATURE,
    TRAILER,
    EncodeError,
    RowEncoder,
    constant_text,
    contiguous,
    kind_of,
)

from ..importers import native
from ..importers.errors import ImportRefused
from ..importers.extras import ExtrasSets
from ..importers.normalize import Context, date_from, normalize_batch, plan_columns
from ..importers.reader import open_source
from ..importers.spec import COLUMNS
from ..importers.stage import StageSums
from ..models import BillingImport, CostRecord, CostType, ExtrasSet, ImportFormat, ImportStatus, TagSet
from ..selectors.ledger import ledger_watermark
from .ledger import provider_rows_supersede
from .rollups import STAGE_KEYS, cost_rollups_refresh

logger = logging.getLogger(__name__)
PROGRESS_EVERY_ROWS = 50_000
# A load of at least BULK_MIN_ROWS rows and BULK_SHARE of the rows already in the ledger drops the
# secondary indexes before its COPY and rebuilds them after it, in the same transaction
# (building an index once is several times cheaper than maintaining it row by row). The table is locked
# for the organization's readers meanwhile, which is why small imports into a large ledger keep them.
BULK_MIN_ROWS = 100_000
BULK_SHARE = 0.5
# ...but the source-key index stays and is maintained row by row: its keys are a handful (a billing account's month
# or day), each on many rows, so a row's entry goes to the end of its key's leaf pages, which the server does while
# the client, the slower side of the COPY, encodes the next rows; rebuilt, it is a sort of every row after the COPY
# while the client waits (11 alternating 1 M-row imports: 0.6 s less for the indexes after the COPY, 0.57 s less in
# all on average, the COPY itself up to 0.6 s longer when the machine is busy).
BULK_KEEP_INDEXES = ("costs_rec_source",)
ANALYZE_MIN_ROWS = 100_000
ANALYZE_STATISTICS_TARGET = 10
MAINTENANCE_WORK_MEM = "256MB"  # index builds of the bulk mode, for this transaction only
WORK_MEM = "64MB"  # the rollup's GROUP BY, for this transaction only
# A load of at least IDS_MIN_ROWS rows (by the estimate) carries its rows' ids in the COPY stream, reserved in blocks
# from the ledger's sequence (``IdBlocks``): the first holds the estimate and IDS_MARGIN more, later ones at
# least IDS_BLOCK.
IDS_MIN_ROWS = 50_000
IDS_MARGIN = 0.05
IDS_BLOCK = 65_536
COPY_QUEUE_CHUNKS = 256  # 32 MB of encoded rows in flight to the server at most
ProgressCallback = Callable[[BillingImport], None]


def _field_order() -> list[str]:
    """The normalized batch's columns: the ledger's, and the rows' tags (JSON text), which the ledger keeps once per
    set (``TagSet``) and the stage groups by."""
    return [*(f.column for f in CostRecord._meta.concrete_fields if f.column != "id"), "tags"]


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
        try:
            self.conn = side_connection(autocommit=True)
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


def _allowed_accounts(billing_import: BillingImport, fmt=None) -> frozenset[str] | None:
    conn = billing_import.connection
    if conn is None or not getattr(fmt, "CHECKS_ACCOUNT", True):
        return None
    info = conn.account_info or {}
    ids = {str(info[k]) for k in ("billing_account_id", "account_id") if info.get(k)}
    return frozenset(ids) or None


def _check_connection(bi: BillingImport, fmt) -> None:
    """A native export attached to a connection of another provider is refused before anything is read."""
    conn = bi.connection
    allowed = tuple(getattr(fmt, "CONNECTION_PROVIDERS", ()))
    if conn is None or not allowed or conn.provider in allowed:
        return
    raise ImportRefused("wrong_provider", _(
        "This is a %(format)s export, but the connection «%(connection)s» is %(provider)s. Attach the file to "
        "a %(format)s connection or import it without a connection. Nothing was imported.") % {
        "format": fmt.PROVIDER, "connection": conn.name, "provider": conn.get_provider_display()})


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


def billing_import_fail(billing_import: BillingImport, *, code: str, message: str) -> None:
    """Record an import that could not start (its file could not be read back): status ``error``, nothing imported."""
    _fail(billing_import, code=code, message=message)


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

    known = set(COLUMNS) | native.known_columns()
    source = open_source(path, known_columns=known)
    columns = source.columns
    batches = source.batches
    fmt = native.detect(columns)
    if fmt is not None:
        _check_connection(bi, fmt)
        cost_type = bi.cost_type or CostType.ACTUAL
        bi.format = fmt.FORMAT
        columns = fmt.output_columns(source.columns, cost_type=cost_type)
        batches = (fmt.to_focus(b, cost_type=cost_type) for b in source.batches)
    else:
        bi.format = ImportFormat.FOCUS_PARQUET if source.kind == "parquet" else ImportFormat.FOCUS_CSV
    plan = plan_columns(columns)
    bi.focus_version = "1.2" if fmt is not None else plan.version
    bi.rows_total = source.rows_total
    bi.bytes_total = source.bytes_total
    bi.save(update_fields=["format", "focus_version", "rows_total", "bytes_total"])

    source_prefix = getattr(fmt, "SOURCE_PREFIX", fmt.FORMAT) if fmt is not None else "focus"
    if getattr(fmt, "SOURCE_PER_CONNECTION", False) and bi.connection_id:
        source_prefix = f"{source_prefix}@{bi.connection_id}"  # two connections never replace each other's rows
    ctx = Context(
        plan=plan, skip_invalid=bi.skip_invalid, source_prefix=source_prefix,
        source_by_day=bool(getattr(fmt, "SOURCE_BY_DAY", False)),
        allowed_accounts=_allowed_accounts(bi, fmt), comma_decimals=source.delimiter != ",",
        constants={"connection_id": bi.connection_id, "billing_import_id": bi.pk, "inventory_resource_id": None},
    )
    for column, value, normalized, code in source.notes + plan.notes:
        ctx.note(column, value, normalized, code)
    if fmt is not None:
        ctx.note("", fmt.FORMAT, "FOCUS 1.2", getattr(fmt, "NOTE", "native"))
        mapped, extras, dropped = native.column_report(fmt, source.columns)
        position = {name: i for i, name in enumerate(source.columns)}
        ctx.columns = sorted(
            [(c, target, "native_mapped") for c, target in mapped.items()]
            + [(c, key, "native_extra") for c, key in extras.items()]
            + [(c, "", "native_dropped") for c in dropped],
            key=lambda entry: (position.get(entry[0], len(position)), entry[2]))

    ctx.resources = _resource_map(bi)
    ctx.extras_sets = ExtrasSets()
    ctx.stage = StageSums(STAGE_KEYS, tag_sets=ctx.tag_sets)
    order = _field_order()
    lengths = _field_lengths()
    batches = iter(batches)
    first = next(batches, None)
    first_table = (normalize_batch(first, ctx, field_lengths=lengths, field_order=order)
                   if first is not None else None)
    estimate = _rows_estimate(source, ctx.rows_seen, first)
    table = f'"{connection.schema_name}"."{CostRecord._meta.db_table}"'
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cur = cursor.cursor
                cur.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
                cur.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
                watermark = ledger_watermark()  # the rows this import replaces are at or below it
                rebuild = bulk_load_pays(cur, table, estimate, min_rows=BULK_MIN_ROWS, share=BULK_SHARE)
                deferred = secondary_indexes_drop(cur, table, keep=BULK_KEEP_INDEXES) if rebuild else []
                ids = (IdBlocks.open(table, first_block=int(estimate * (1 + IDS_MARGIN)))
                       if estimate >= IDS_MIN_ROWS else None)
                last_reported = 0
                copy = _LedgerCopy(cur, table, with_ids=ids is not None)
                try:
                    try:
                        copy.write(first_table, ctx, ids)
                        for batch in batches:
                            copy.write(normalize_batch(batch, ctx, field_lengths=lengths, field_order=order), ctx,
                                       ids)
                            if ctx.rows_seen - last_reported >= PROGRESS_EVERY_ROWS:
                                last_reported = ctx.rows_seen
                                progress.write(rows_done=ctx.rows_seen, bytes_done=source.bytes_done)
                                if on_progress:
                                    on_progress(bi)
                        _settle(bi, ctx)  # raises _Abandon (the COPY and the transaction roll back) when refused
                    except BaseException as exc:
                        copy.abort(exc)
                        raise
                    copy.end()
                finally:
                    if ids is not None:
                        ids.close()
                _sets_write(cur, ExtrasSet, "extras", ctx.extras_sets.pending)
                _sets_write(cur, TagSet, "tags", ctx.tag_sets)
                progress.write(status=ImportStatus.IMPORTING, rows_done=ctx.rows_seen, bytes_done=source.bytes_total)
                bi.status = ImportStatus.IMPORTING
                if on_progress:
                    on_progress(bi)
                for statement in deferred:
                    cursor.execute(statement)
                if ctx.rows_good >= ANALYZE_MIN_ROWS:
                    # Fresh statistics before the rollups read the rows back: planned for the few thousand
                    # rows the table had, their GROUP BY would sort a million rows on disk. A small sample
                    # is enough for that (autovacuum's ANALYZE refines it after the commit).
                    with local_settings(cursor, default_statistics_target=str(ANALYZE_STATISTICS_TARGET)):
                        cursor.execute(f"ANALYZE {table}")
                _replace(cursor, table, bi, ctx, watermark)
    except _Abandon as abandon:
        if abandon.refusal is not None:
            raise abandon.refusal from None
        _fail(bi, code=abandon.code, message=abandon.message)
    except EncodeError as exc:  # a value the validation let through that its ledger column cannot hold
        column = next((name for name, c in COLUMNS.items() if c.field == exc.column), exc.column)
        raise ImportRefused("value", _(
            "Column %(column)s holds a value the ledger cannot store: %(value)s. Nothing was imported.") % {
            "column": column, "value": exc.value[:100]}, column=column, value=exc.value) from None


class _BoundedWriter(QueuedLibpqWriter):
    """psycopg's queued COPY writer (a thread sends while this one validates the next batch), with a
    smaller backlog: COPY_QUEUE_CHUNKS chunks of 128 KB instead of 1024, to bound memory."""

    def __init__(self, cursor):
        super().__init__(cursor)
        self._queue = queue.Queue(maxsize=COPY_QUEUE_CHUNKS)


class _Abandon(Exception):  # noqa: N818 - control flow: leave the COPY and roll the transaction back
    def __init__(self, *, code: str = "", message: str = "", refusal: ImportRefused | None = None):
        super().__init__(message)
        self.code, self.message, self.refusal = code, message, refusal


class _LedgerCopy:
    """The binary COPY of the normalized batches into the ledger (``apps.common.pgbinary``).

    The columns that hold their database default in every row of the first batch ('' for the text FOCUS lets be
    empty, '{}' for the extras, NULL for the nullable ones: a file leaves a dozen of them empty) are left out of
    the COPY, so the server neither receives nor checks them row by row; its default fills them. A later batch with a
    value in such a column ends that COPY and starts another without leaving that column out (in the same
    transaction: the rows are the same as with one COPY)."""

    def __init__(self, cursor, table: str, *, with_ids: bool):
        self.cursor, self.table, self.with_ids = cursor, table, with_ids
        self.left_out: frozenset[str] = frozenset()
        self.statement = self.copy = self.encoder = None

    def write(self, table: pa.Table | None, ctx: Context, ids: IdBlocks | None = None) -> None:
        """Send a normalized batch as one block of rows (nothing once a bad row refuses the file). With ``ids`` each
        row carries its id."""
        if table is None or not table.num_rows or (ctx.rows_bad and not ctx.skip_invalid):
            return
        arrays = dict(zip(table.column_names, table.columns, strict=True))
        if ids is not None:
            ranges = [pa.array(np.arange(start, stop, dtype=np.int64))
                      for start, stop in ids.take(table.num_rows, block=IDS_BLOCK)]
            arrays["id"] = pa.concat_arrays(ranges) if len(ranges) > 1 else ranges[0]
        defaults = _defaulted(arrays)
        if self.statement is None or not self.left_out <= defaults:
            self.end()
            self._start(defaults if self.encoder is None else self.left_out & defaults)
        decimals: dict[str, pa.Array] = {}
        block = self.encoder.encode_block(arrays, decimals)
        if len(block):
            self.copy.write(memoryview(block))  # psycopg sends a large block in slices: of a view, without copies
        if ctx.stage is not None:
            ctx.stage.add(table, decimals)

    def _start(self, left_out: frozenset[str]) -> None:
        self.left_out = left_out
        self.encoder = _row_encoder(self.with_ids, left_out)
        fields = ", ".join(f'"{c}"' for c in self.encoder.order)
        self.statement = self.cursor.copy(f"COPY {self.table} ({fields}) FROM STDIN (FORMAT binary)",  # noqa: S608
                                          writer=_BoundedWriter(self.cursor))
        self.copy = self.statement.__enter__()
        self.copy.write(SIGNATURE)

    def end(self) -> None:
        """Finish the running COPY (if any): its trailer, then the server's answer."""
        if self.statement is not None:
            statement, self.statement = self.statement, None
            self.copy.write(TRAILER)
            statement.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
        """Leave the running COPY with ``exc``: the server refuses the statement, the transaction rolls back."""
        if self.statement is not None:
            statement, self.statement = self.statement, None
            statement.__exit__(type(exc), exc, exc.__traceback__)


def _defaulted(arrays: dict[str, pa.Array | pa.ChunkedArray]) -> frozenset[str]:
    """The ledger columns whose every value in ``arrays`` is the column's database default (left out of a COPY)."""
    found = []
    for name, default in _column_defaults().items():
        array = arrays.get(name)
        if array is None:
            continue
        if default is None:
            if array.null_count == len(array):
                found.append(name)
        elif array.type == pa.string() and constant_text(contiguous(array)) == default.encode():
            found.append(name)
    return frozenset(found)


@functools.cache
def _column_defaults() -> dict[str, str | None]:
    """The ledger columns a COPY may leave out, with their database default as text: NULL (None) for the nullable
    ones, the ``db_default`` of the others ('' or '{}')."""
    defaults = {}
    for f in CostRecord._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.null:
            defaults[f.column] = None
        elif f.db_default is not models.NOT_PROVIDED:
            value = f.db_default.value if isinstance(f.db_default, models.Value) else f.db_default
            defaults[f.column] = value if isinstance(value, str) else json.dumps(value)
    return defaults


# Nullable ledger columns an import always fills (the import itself, each row's tag set, 0 for none): fixed-width
# fields of every row, written with the others in one record per row.
IMPORT_NOT_NULL = frozenset({"billing_import_id", "tag_set_id"})


@functools.cache
def _row_encoder(with_ids: bool, left_out: frozenset[str] = frozenset()) -> RowEncoder:
    """The ledger's rows in the binary COPY format: its columns (the id first when the stream carries it) but those
    ``left_out``, their kinds from the model (``apps.common.pgbinary``)."""
    return RowEncoder([(f.column, kind_of(f.db_type(connection)), f.null and f.column not in IMPORT_NOT_NULL,
                        getattr(f, "decimal_places", None) or 0)
                       for f in CostRecord._meta.concrete_fields
                       if (with_ids or not f.primary_key) and f.column not in left_out])


SETS_PER_STATEMENT = 5_000


def _sets_write(cur, model: type[models.Model], column: str, sets: dict) -> None:
    """Write the content-addressed sets the rows point at (``ExtrasSet``, ``TagSet``): id -> JSON text. Those
    already there, from an earlier import of the same data, are left as they are (an id is its content's hash)."""
    table = f'"{connection.schema_name}"."{model._meta.db_table}"'
    items = list(sets.items())
    for start in range(0, len(items), SETS_PER_STATEMENT):
        chunk = items[start:start + SETS_PER_STATEMENT]
        cur.execute(f"INSERT INTO {table} (id, {column}) SELECT i, t::jsonb "  # noqa: S608 - names are ours
                    "FROM unnest(%s::bigint[], %s::text[]) AS u(i, t) ON CONFLICT (id) DO NOTHING",
                    [[int(key) for key, _text in chunk], [text for _key, text in chunk]])


def _extras_sets_prune(cursor, table: str, candidates: set[int]) -> None:
    """Delete the sets of extra columns that the replaced rows pointed at and no row points at any more (a re-import
    of the same data points at the same sets: no candidate, no look at the ledger)."""
    if candidates:
        sets = f'"{connection.schema_name}"."{ExtrasSet._meta.db_table}"'
        cursor.execute(f"DELETE FROM {sets} s WHERE s.id = ANY(%s) AND NOT EXISTS ("  # noqa: S608 - names are ours
                       f"SELECT 1 FROM {table} r WHERE r.extras_set_id = s.id)", [sorted(candidates)])


def _settle(bi: BillingImport, ctx: Context) -> None:
    """Record the outcome of the validation pass; abandon the load when nothing may be imported."""
    bi.rows_done = ctx.rows_seen
    bi.report = ctx.report
    bi.report_total = ctx.report_total
    bi.report_truncated = ctx.report_total > len(ctx.report)
    bi.normalizations = ctx.normalization_list()
    bi.warnings = ctx.warning_list()
    bi.rows_skipped = ctx.rows_bad if ctx.skip_invalid else 0
    if ctx.rows_seen == 0:
        raise _Abandon(refusal=ImportRefused("empty", _("The file has a header but no data rows.")))
    if ctx.rows_bad and not ctx.skip_invalid:
        raise _Abandon(code="invalid", message=_(
            "%(bad)s of %(total)s rows are invalid: nothing was imported. Fix the file, or import again "
            "with «skip invalid rows».") % {"bad": ctx.rows_bad, "total": ctx.rows_seen})
    if ctx.rows_good == 0:
        raise _Abandon(code="invalid", message=_("No valid rows: nothing was imported."))


def _rows_estimate(source, rows_read: int, first: pa.RecordBatch | None = None) -> int:
    """Rows in the file: exact for Parquet, else extrapolated from the size of the first batch.

    An uncompressed CSV row is about its values' bytes plus one separator per value (the bytes read so far
    are no measure: the reader reads ahead several blocks). A compressed file extrapolates from the
    compressed bytes read."""
    if source.rows_total is not None:
        return source.rows_total
    if first is not None and rows_read and not source.compressed:
        data = sum(column.buffers()[2].size for column in first.columns
                   if column.type == pa.string() and column.buffers()[2] is not None)
        per_row = (data + first.num_rows * first.num_columns) / first.num_rows
        return int(source.bytes_total / per_row) if per_row else rows_read
    done = source.bytes_done
    if not rows_read or not done:
        return rows_read
    return int(rows_read * max(source.bytes_total, done) / done)


def _replace(cursor, table: str, bi: BillingImport, ctx: Context, watermark: int) -> None:
    """Delete the earlier rows of the same sources (the new ones are already in, above ``watermark``),
    refresh the rollups."""
    keys = sorted(ctx.source_keys)
    # The source-key index holds the keys' hashes (``models.id_hash``), passed as values: the planner estimates
    # them from the statistics (an array computed in the statement would look like every row).
    cursor.execute("SELECT COALESCE(array_agg(hashtextextended(k, 0)), '{}') FROM unnest(%s::text[]) k", [keys])
    hashes = cursor.fetchone()[0]
    cursor.execute(
        f"WITH gone AS (DELETE FROM {table} WHERE id <= %s AND hashtextextended(source_key, 0) = ANY(%s) "  # noqa: S608
        f"AND source_key = ANY(%s) AND billing_import_id IS DISTINCT FROM %s RETURNING charge_date, extras_set_id) "
        f"SELECT MIN(charge_date), MAX(charge_date), COUNT(*), "
        f"COALESCE(array_agg(DISTINCT extras_set_id) FILTER (WHERE extras_set_id IS NOT NULL), '{{}}') FROM gone",
        [watermark, hashes, keys, bi.pk])
    old_first, old_last, replaced, old_sets = cursor.fetchone()
    _extras_sets_prune(cursor, table, set(old_sets) - set(ctx.extras_sets.pending if ctx.extras_sets else ()))
    if bi.connection_id:  # the bill of a connection replaces its rows from the provider's API on the same days
        replaced += provider_rows_supersede(connection_id=bi.connection_id, billing_import_id=bi.pk)
    first = min(d for d in (date_from(ctx.first_date), old_first) if d)
    last = max(d for d in (date_from(ctx.last_date), old_last) if d)
    stage = ctx.stage if ctx.stage is not None and ctx.stage.usable else None
    cost_rollups_refresh(start=first, end=last, stage=stage, stage_import_id=bi.pk,
                         many_groups=ctx.stage is not None and ctx.stage.many_groups)
    bi.status = ImportStatus.SUCCESS
    bi.rows_imported = ctx.rows_good
    bi.rows_replaced = replaced
    bi.rows_done = ctx.rows_seen
    bi.source_keys = keys[:1000]
    bi.period_start = date_from(ctx.first_date)
    bi.period_end = date_from(ctx.last_date)
    bi.finished_at = timezone.now()
    bi.save()


def _resource_map(bi: BillingImport) -> tuple[pa.Array, pa.Array] | None:
    """ResourceId -> inventory Resource (of the import's connection when it has one), or None when empty."""
    if not django_apps.is_installed("apps.inventory"):
        return None
    from apps.inventory.models import Resource

    resources = Resource.objects.exclude(resource_id="").order_by("resource_id", "pk")
    if bi.connection_id:
        resources = resources.filter(connection_id=bi.connection_id)
    keys, ids, last = [], [], None
    for resource_id, pk in resources.values_list("resource_id", "pk").iterator(chunk_size=10_000):
        if resource_id != last:  # one resource per id: the oldest, when several connections share it
            keys.append(resource_id)
            ids.append(str(pk))
            last = resource_id
    if not keys:
        return None
    return pa.array(keys, pa.string()), pa.array(ids, pa.string())

