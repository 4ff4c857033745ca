"""Open a billing file and stream it as Arrow record batches of strings, whatever its container.

Detection is by content, never by file name: gzip and Parquet by their magic bytes, then the text is
checked for a UTF-8 BOM, UTF-8 validity (a cp1251 export is refused with a clear message) and the
delimiter of its header line.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from django.utils.translation import gettext as _

from apps.common.pgbinary import raw_bytes_forget

from .errors import ImportRefused
from .normalize import may_contain

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"  # XLSX (Office Open XML) is a zip archive
XLSX_HEADER_ROWS = 30  # a spreadsheet export may put a title above its header row
XLSX_BATCH_ROWS = 50_000
PARQUET_MAGIC = b"PAR1"
SNIFF_BYTES = 1 << 16
# Arrow's CSV reader keeps memory outside its pool in proportion to the block size (measured: 8 MB blocks
# cost ~250 MB of RSS, 1 MB blocks ~70 MB), so it reads small blocks and the batches are coalesced to
# BATCH_BYTES before validation, which costs a fixed number of Python calls per batch.
BLOCK_SIZE = 1 << 20
BATCH_BYTES = 8 << 20
PARQUET_BATCH_ROWS = 65536
NUL = "\x00"


class CountingReader(io.RawIOBase):
    """A binary file wrapper that counts the bytes read from the underlying (possibly compressed) file."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer) or 0  # straight into the caller's buffer, no intermediate bytes
        self.count += n
        return n


@dataclass
class Source:
    kind: str  # "csv" | "parquet" | "xlsx"
    columns: list[str]
    batches: Iterator[pa.RecordBatch]
    rows_total: int | None = None
    bytes_total: int = 0
    compressed: bool = False
    delimiter: str = ","
    notes: list[tuple[str, str, str, str]] = field(default_factory=list)  # (column, value, normalized, reason)
    _counter: CountingReader | None = None

    @property
    def bytes_done(self) -> int:
        return self._counter.count if self._counter else 0


def _head(path: str, compressed: bool) -> bytes:
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise ImportRefused("corrupt", _("The file cannot be read: %(error)s") % {"error": exc}) from None


def _check_text(head: bytes) -> bytes:
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8):]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused("encoding", _("The file is in UTF-16. Save it as UTF-8 CSV and upload it again."))
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a multi-byte character cut by the sniff window
            try:
                sample = head.decode("cp1251")
            except UnicodeDecodeError:
                sample = ""
            if any("\u0400" <= ch <= "\u04ff" for ch in sample):
                raise ImportRefused("encoding", _("The file is in Windows-1251 (cp1251) encoding; UTF-8 is expected. "
                                                  "Save it as UTF-8 CSV and upload it again.")) from None
            raise ImportRefused("encoding", _("The file is not valid UTF-8 text (byte %(pos)s). UTF-8 CSV is "
                                              "expected.") % {"pos": exc.start}) from None
    return head


def _header_line(text: bytes) -> str:
    first = text.split(b"\n", 1)[0].rstrip(b"\r")
    return first.decode("utf-8", errors="replace")


def _delimiter(header: str, known: set[str]) -> str:
    """The header's delimiter: ',' per the spec; ';', tab or '|' only when they split it unambiguously."""
    def score(delim: str) -> tuple[int, int]:
        cells = next(csv.reader([header], delimiter=delim))
        return sum(1 for c in cells if c.strip().lstrip("\ufeff").lower() in known), len(cells)

    best = ","
    best_known, best_cells = score(",")
    for delim in (";", "\t", "|"):
        k, n = score(delim)
        if k > best_known or (best_known == 0 and best_cells == 1 and n > 1):
            best, best_known, best_cells = delim, k, n
    return best


def open_source(path: str, *, known_columns: set[str]) -> Source:
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if not magic:
        raise ImportRefused("empty", _("The file is empty."))
    if magic == PARQUET_MAGIC:
        return _open_parquet(path)
    if magic == ZIP_MAGIC:
        return _open_xlsx(path, known_columns=known_columns)
    compressed = magic[:2] == GZIP_MAGIC
    head = _check_text(_head(path, compressed))
    if not head.strip():
        raise ImportRefused("empty", _("The file is empty."))
    header = _header_line(head)
    if NUL in header:
        raise _nul_refusal(column="", row=None)
    delimiter = _delimiter(header, {c.lower() for c in known_columns})
    columns = [c.strip().lstrip("\ufeff") for c in next(csv.reader([header], delimiter=delimiter))]
    notes = []
    if delimiter != ",":
        shown = {"\t": "TAB"}.get(delimiter, delimiter)
        notes.append(("", shown, ",", "delimiter"))

    raw = open(path, "rb")  # noqa: SIM115 - closed when the batches are exhausted
    counter = CountingReader(raw)
    stream = gzip.GzipFile(fileobj=io.BufferedReader(counter, 1 << 20)) if compressed else \
        io.BufferedReader(counter, 1 << 20)
    size = os.path.getsize(path)

    def batches() -> Iterator[pa.RecordBatch]:
        # Opened lazily: header problems (missing columns) are reported before row-structure ones.
        try:
            reader = pa_csv.open_csv(
                stream,
                read_options=pa_csv.ReadOptions(block_size=BLOCK_SIZE, encoding="utf8"),
                parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                convert_options=pa_csv.ConvertOptions(
                    column_types={c: pa.string() for c in _raw_names(stream_header=header, delimiter=delimiter)},
                    strings_can_be_null=False, quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            raw.close()
            raise ImportRefused("csv", _("The CSV file cannot be parsed: %(error)s") % {"error": _short(exc)}) \
                from None
        try:
            pending: list[pa.RecordBatch] = []
            pending_bytes = 0
            rows = 0
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except pa.ArrowInvalid as exc:
                    raise ImportRefused("csv", _("The CSV file cannot be parsed: %(error)s")
                                        % {"error": _short(exc)}) from None
                rows += batch.num_rows
                pending.append(batch)
                pending_bytes += batch.nbytes
                if pending_bytes >= BATCH_BYTES:
                    yield _checked(_coalesce(pending, columns), columns, rows)
                    pending, pending_bytes = [], 0
            if pending:
                yield _checked(_coalesce(pending, columns), columns, rows)
        finally:
            raw.close()

    return Source(kind="csv", columns=columns, batches=batches(), bytes_total=size, compressed=compressed,
                  delimiter=delimiter, notes=notes, _counter=counter)


def _nul_refusal(*, column: str, row: int | None) -> ImportRefused:
    if row is None or not column:
        message = _("The header contains a NUL character (\\x00), which text cannot hold. Remove it and upload "
                    "the file again.")
    else:
        message = _("Row %(row)s, column %(column)s contains a NUL character (\\x00), which text cannot hold. "
                    "Remove it and upload the file again.") % {"row": row, "column": column}
    return ImportRefused("nul", message, column=column)


def _refuse_nul(batch: pa.RecordBatch, columns: list[str], *, first_row: int) -> None:
    """PostgreSQL text cannot hold NUL: the file is refused (its value is never stored in the report)."""
    for name, array in zip(columns, batch.columns, strict=True):
        if not may_contain(array, NUL.encode()):
            continue
        found = pc.fill_null(pc.match_substring(array, NUL), False)
        if pc.any(found).as_py():
            raise _nul_refusal(column=name, row=first_row + pc.index(found, True).as_py())


def _checked(batch: pa.RecordBatch, columns: list[str], rows_read: int) -> pa.RecordBatch:
    """``batch`` (the last rows of the ``rows_read`` so far), once no value holds NUL."""
    raw_bytes_forget()  # the checks of the batch before are done: its bytes copies go now, not one batch later
    _refuse_nul(batch, columns, first_row=rows_read - batch.num_rows + 2)  # spreadsheet numbering: header is row 1
    return batch


def _coalesce(batches: list[pa.RecordBatch], columns: list[str]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0].rename_columns(columns)
    table = pa.Table.from_batches(batches).combine_chunks()
    if table.num_rows == 0:
        return batches[0].rename_columns(columns)
    return pa.RecordBatch.from_arrays([table.column(i).chunk(0) for i in range(table.num_columns)], names=columns)


def _raw_names(*, stream_header: str, delimiter: str) -> list[str]:
    return list(next(csv.reader([stream_header], delimiter=delimiter)))


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 300 else text[:300] + "…"


def _open_parquet(path: str) -> Source:
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise ImportRefused("corrupt", _("The Parquet file cannot be read: %(error)s") % {"error": _short(exc)}) \
            from None
    columns = [f.name for f in pf.schema_arrow]
    if any(NUL in name for name in columns):
        pf.close()
        raise _nul_refusal(column="", row=None)

    def batches() -> Iterator[pa.RecordBatch]:
        rows = 0
        try:
            for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                strings = pa.RecordBatch.from_arrays([_as_string(col) for col in batch.columns], names=columns)
                _refuse_nul(strings, columns, first_row=rows + 2)  # numbered as the report numbers rows
                rows += strings.num_rows
                yield strings
        finally:
            pf.close()

    return Source(kind="parquet", columns=columns, batches=batches(), rows_total=pf.metadata.num_rows,
                  bytes_total=os.path.getsize(path))


def _as_string(array: pa.Array) -> pa.Array:
    """Parquet values as the text a CSV export would carry (ids stay exact, timestamps ISO 8601 UTC)."""
    t = array.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return array.cast(pa.string())
    if pa.types.is_dictionary(t):
        return _as_string(array.cast(t.value_type))
    if pa.types.is_timestamp(t):
        import pyarrow.compute as pc

        if t.tz is None:
            return pc.strftime(array, format="%Y-%m-%dT%H:%M:%S")
        return pc.strftime(array.cast(pa.timestamp(t.unit, "UTC")), format="%Y-%m-%dT%H:%M:%SZ")
    if pa.types.is_date(t):
        return array.cast(pa.string())
    if pa.types.is_floating(t):
        # repr() of a double is its shortest exact round-trip text: no float noise reaches Decimal.
        return pa.array([None if v is None else repr(v) for v in array.to_pylist()], pa.string())
    if pa.types.is_map(t) or pa.types.is_struct(t) or pa.types.is_list(t):
        import json

        return pa.array([None if v is None else json.dumps(dict(v) if pa.types.is_map(t) else v, default=str)
                         for v in array.to_pylist()], pa.string())
    return array.cast(pa.string())


def _cell_text(value) -> str:
    """A spreadsheet cell as the text a CSV export would carry (dates ISO 8601, numbers exact)."""
    from datetime import date, datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)  # the shortest exact round-trip text: no float noise reaches Decimal
    return str(value)


def _open_xlsx(path: str, *, known_columns: set[str]) -> Source:
    """The first sheet of an XLSX workbook: the header is the first of its first rows naming known columns
    (a title or a period line may come above it), every following non-empty row a record."""
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ImportRefused("corrupt", _("The XLSX file cannot be read: %(error)s") % {"error": _short(exc)}) \
            from None
    sheet = workbook.worksheets[0]
    known = {c.lower() for c in known_columns}
    rows = sheet.iter_rows(values_only=True)
    columns: list[str] = []
    for _n, row in zip(range(XLSX_HEADER_ROWS), rows, strict=False):
        cells = [_cell_text(v).strip().lstrip("\ufeff") for v in row]
        hits = sum(1 for c in cells if c.lower() in known or c.lower().split(",")[0].strip() in known)
        if not columns and any(cells):
            columns = cells  # the first non-empty row, unless a later one names known columns
        if hits >= 2:
            columns = cells
            break
    else:
        if not columns:
            workbook.close()
            raise ImportRefused("empty", _("The file is empty."))
    while columns and not columns[-1]:
        columns.pop()
    if any(NUL in name for name in columns):
        workbook.close()
        raise _nul_refusal(column="", row=None)
    width = len(columns)

    def batches() -> Iterator[pa.RecordBatch]:
        pending: list[list[str]] = []
        done = 0
        try:
            for row in rows:
                cells = [_cell_text(v) for v in row[:width]]
                if not any(c.strip() for c in cells):
                    continue
                pending.append(cells + [""] * (width - len(cells)))
                if len(pending) >= XLSX_BATCH_ROWS:
                    yield _rows_batch(pending, columns, first_row=done + 2)
                    done += len(pending)
                    pending = []
            if pending:
                yield _rows_batch(pending, columns, first_row=done + 2)
        finally:
            workbook.close()

    return Source(kind="xlsx", columns=columns, batches=batches(), bytes_total=os.path.getsize(path))


def _rows_batch(rows: list[list[str]], columns: list[str], *, first_row: int) -> pa.RecordBatch:
    batch = pa.RecordBatch.from_arrays([pa.array([row[i] for row in rows], pa.string()) for i in range(len(columns))],
                                       names=columns)
    _refuse_nul(batch, columns, first_row=first_row)
    return batch
