"""Validate and normalize one batch of FOCUS rows (all values as strings) into ledger columns.

Work is vectorized with Arrow compute; values that need Python (timestamps, enums, currencies, Tags)
are decided once per distinct value of the batch, so a million rows cost a few thousand Python calls.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.common.pgbinary import raw_bytes, repeated, value_offsets

from ..models import content_id, tags_text
from .errors import ImportRefused
from .extras import ExtrasSets
from .spec import COLUMNS, CRITICAL, ISO_4217, detect_version, mandatory_for

REPORT_LIMIT = 1000
NUMBER_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
COMMA_NUMBER_RE = r"^[+-]?\d+,\d+$"
LIMITS = {"money": 1e10, "quantity": 1e20}
_DT_FORMATS = (
    ("%Y-%m-%dT%H:%M:%SZ", None),
    ("%Y-%m-%dT%H:%M:%S.%fZ", None),
    ("%Y-%m-%dT%H:%MZ", "no_seconds"),
    ("%Y-%m-%d %H:%M:%SZ", "no_t"),
    ("%Y-%m-%d %H:%M:%S", "naive"),
    ("%Y-%m-%dT%H:%M:%S", "naive"),
    ("%Y-%m-%d %H:%M:%S.%f", "naive"),
    ("%Y-%m-%dT%H:%M:%S.%f", "naive"),
    ("%Y-%m-%d %H:%M", "naive"),
    ("%Y-%m-%dT%H:%M", "naive"),
    ("%Y-%m-%d", "date_only"),
)


def _reason(code: str) -> str:
    return {
        "missing": _("A value is required."),
        "number": _("Not a number."),
        "range": _("The number is too large."),
        "datetime": _("Not a date and time (expected YYYY-MM-DDTHH:MM:SSZ)."),
        "period": _("The period end is not after its start."),
        "currency": _("Unknown currency code (ISO 4217 expected)."),
        "enum": _("Not an allowed value."),
        "json": _("Not a JSON object."),
        "json_flat": _("Tag values must be strings, numbers, true, false or null."),
        "too_long": _("The value is too long."),
        "account": _("The billing account differs from the connection's account."),
    }[code]


def _note(code: str) -> str:
    return {
        "null_literal": _("The literal NULL was read as an empty value."),
        "no_t": _("Date and time without the 'T' separator."),
        "naive": _("No time zone: read as UTC."),
        "offset": _("Converted from a UTC offset to UTC."),
        "date_only": _("A date without time: read as 00:00 UTC."),
        "no_seconds": _("Time without seconds."),
        "enum_case": _("Letter case or spelling of an allowed value corrected."),
        "currency_case": _("Currency code upper-cased."),
        "comma_decimal": _("Decimal comma replaced with a point."),
        "header_case": _("Column name matched to the FOCUS name regardless of case."),
        "unknown_column": _("A column outside FOCUS without the x_ prefix: kept as an extra column."),
        "delimiter": _("The columns are separated by another character than a comma."),
        "yandex": _("Yandex Cloud detail export mapped to FOCUS."),
        "native": _("The provider's native billing export mapped to FOCUS."),
        "derived": _("The value is derived from other columns."),
        "native_mapped": _("A column of the native export, mapped to FOCUS."),
        "native_extra": _("A column of the native export without a FOCUS counterpart: kept as an extra column."),
        "native_dropped": _("A column of the native export that was not imported."),
    }[code]


# The import report's entries on the native export's columns (``Context.columns``), kept in ``normalizations``
# before the value notes; ``BillingImport.column_mapping`` reads them back.
COLUMN_CODES = ("native_mapped", "native_extra", "native_dropped")


def _key(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.casefold())


@dataclass
class Plan:
    """How the file's columns map to FOCUS, decided once from the header."""

    version: str
    canonical: dict[str, str]  # header name -> FOCUS name (only FOCUS columns)
    extras: dict[str, str]  # header name -> extras key
    notes: list[tuple[str, str, str, str]] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  # Mandatory columns (not CRITICAL) the file lacks


def plan_columns(columns: list[str]) -> Plan:
    seen: dict[str, str] = {}
    canonical: dict[str, str] = {}
    extras: dict[str, str] = {}
    notes = []
    by_key = {_key(name): name for name in COLUMNS}
    for name in columns:
        if not name:
            raise ImportRefused("columns", _("The header has an empty column name."))
        focus = name if name in COLUMNS else by_key.get(_key(name)) if not name.lower().startswith("x_") else None
        target = focus or name
        if target in seen:
            raise ImportRefused("columns", _("The column %(name)s appears twice.") % {"name": target}, column=name)
        seen[target] = name
        if focus:
            canonical[name] = focus
            if focus != name:
                notes.append((name, name, focus, "header_case"))
        elif name.lower().startswith("x_"):
            extras[name] = name
        else:
            extras[name] = f"x_{name}"
            notes.append((name, name, f"x_{name}", "unknown_column"))
    present = set(canonical.values())
    version = detect_version(present)
    missing = [n for n in mandatory_for(version) if n not in present]
    if version == "1.3" and "ProviderName" not in present and "ServiceProviderName" not in present:
        missing.insert(0, "ProviderName")
    # Only the columns the ledger cannot do without refuse the file; any other absent Mandatory column is
    # read as empty in every row (its fallback or NULL, and a warning).
    refused = [n for n in missing if n in CRITICAL]
    if refused:
        raise ImportRefused(
            "columns",
            _("Mandatory FOCUS %(version)s columns are missing: %(columns)s.")
            % {"version": version, "columns": ", ".join(refused)},
            column=", ".join(refused),
        )
    return Plan(version=version, canonical=canonical, extras=extras, notes=notes,
                absent=[n for n in missing if n not in CRITICAL])


@dataclass
class Context:
    """What the whole import accumulates across batches."""

    plan: Plan
    skip_invalid: bool
    source_prefix: str = "focus"
    source_by_day: bool = False
    allowed_accounts: frozenset[str] | None = None
    comma_decimals: bool = False
    constants: dict[str, object] = field(default_factory=dict)
    rows_seen: int = 0
    rows_good: int = 0
    rows_bad: int = 0
    report: list[dict] = field(default_factory=list)
    report_total: int = 0
    normalizations: Counter = field(default_factory=Counter)
    # (column, problem code, action, detail) -> [rows, first row]: kept rows whose value was replaced.
    warnings: dict[tuple[str, str, str, str], list[int]] = field(default_factory=dict)
    source_keys: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    first_date: str | None = None
    last_date: str | None = None
    _bad: set[int] = field(default_factory=set)
    # Per column: decisions on distinct values already seen (timestamps, enums, currencies), reused by
    # later batches; bounded by DECISION_CACHE_LIMIT.
    decisions: dict[str, dict] = field(default_factory=dict)
    # The rollup stage summed while the rows stream (``stage.StageSums``), or None.
    stage: object | None = None
    # Inventory resources to link: (ResourceId values, Resource primary keys as strings), aligned.
    resources: tuple[pa.Array, pa.Array] | None = None
    # What became of each column of a native export: (native column, FOCUS column(s) or extra key, code).
    columns: list[tuple[str, str, str]] = field(default_factory=list)
    # Extra columns kept once for the rows that share them (``extras.ExtrasSets``), or None: all on every row.
    extras_sets: ExtrasSets | None = None
    # The tag sets of the rows (``TagSet``): id (decimal text) -> tags as JSON text, written after the rows.
    tag_sets: dict[str, str] = field(default_factory=dict)

    def error(self, row: int, column: str, value, code: str) -> None:
        self.report_total += 1
        if len(self.report) < REPORT_LIMIT:
            shown = "" if value is None else str(value)
            self.report.append({"row": row, "column": column, "value": shown[:200], "reason": _reason(code),
                                "code": code})

    def note(self, column: str, value: str, normalized: str, code: str, count: int = 1) -> None:
        self.normalizations[(column, str(value)[:100], str(normalized)[:100], code)] += count

    def warn(self, column: str, code: str, action: str, detail: str, count: int, first_row: int) -> None:
        entry = self.warnings.setdefault((column, code, action, detail), [0, first_row])
        entry[0] += count

    def warning_list(self) -> list[dict]:
        """The kept rows that broke the spec, one entry per column, problem and what was stored instead."""
        items = sorted(self.warnings.items(), key=lambda kv: (-kv[1][0], kv[0]))
        return [{"column": column, "code": code, "action": action, "detail": detail, "count": count,
                 "first_row": first_row, "message": warning_message(column, code, action, detail, count)}
                for (column, code, action, detail), (count, first_row) in items]

    def normalization_list(self) -> list[dict]:
        """The native export's columns (in the file's order, each counted over every row), then the value notes."""
        columns = [{"column": c, "value": c, "normalized": target, "reason": _note(code), "code": code,
                    "count": self.rows_seen} for c, target, code in self.columns]
        items = sorted(self.normalizations.items(), key=lambda kv: -kv[1])[:REPORT_LIMIT]
        return columns + [{"column": c, "value": v, "normalized": n, "reason": _note(code), "code": code,
                           "count": count} for (c, v, n, code), count in items]


# --- per-distinct-value decisions ----------------------------------------------------------------

def _parse_datetime(text: str) -> tuple[datetime | None, str | None]:
    value = text.strip()
    for fmt, note in _DT_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC), note
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None, None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC), "naive"
    if parsed.utcoffset() == timedelta(0):
        return parsed.astimezone(UTC), None
    return parsed.astimezone(UTC), "offset"


def _timestamp_text(value: datetime) -> str:
    """A UTC timestamp as the ledger's text: four-digit year always (``strftime("%Y")`` drops the zeros of years
    before 1000, and the charge date is the first ten characters)."""
    return (f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
            f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}+00")


def _enum_lookup(choices: tuple[str, ...]) -> dict[str, str]:
    return {_key(c): c for c in choices}


def _check_tags(text: str) -> tuple[str | None, str | None]:
    try:
        value = json.loads(text)
    except ValueError:
        return None, "json"
    if not isinstance(value, dict):
        return None, "json"
    if any(isinstance(v, (dict, list)) for v in value.values()):
        return None, "json_flat"
    return tags_text(value), None


# --- the batch ------------------------------------------------------------------------------------


def _nullify(array: pa.Array) -> tuple[pa.Array, int]:
    """Blank values and NULL literals become nulls; returns the array and how many literals there were.

    Three plain kernels instead of a regex (the regex cost a third of the whole validation): empty, only
    white space (Unicode, NBSP and \\v included), or "null" in any letter case once lower-cased and trimmed.
    The kernels run only when the raw bytes may hold such a value (``_SPACE_LEADS``): most columns (numbers, ids,
    timestamps) hold no white space at all, and then only an empty value or one of exactly four bytes can be
    nullish, which the value offsets tell (``_plain_nulls``) without a kernel."""
    spaces = may_contain(array, _SPACE_LEADS)
    if not spaces:
        plain = _plain_nulls(array)
        if plain is not None:
            return plain
    blank = pc.equal(pc.binary_length(array), 0)
    if spaces:
        blank = pc.or_(blank, pc.utf8_is_space(array))
    literal_count = 0
    if _may_hold(array, b"null"):
        literal = pc.equal(pc.utf8_trim_whitespace(pc.ascii_lower(array)), "null")
        literal_count = pc.sum(literal.cast(pa.int64())).as_py() or 0
    nullish = pc.or_(blank, literal) if literal_count else blank
    if not literal_count and not pc.any(nullish).as_py():
        return array, 0
    return pc.if_else(nullish, pa.scalar(None, pa.string()), array), literal_count


_NULL_WORD = np.frombuffer(b"null", dtype=np.uint8)


def _plain_nulls(array: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, int] | None:
    """``_nullify`` of a string array without white space: its empty values become nulls (from the offsets). None
    when a value of four bytes may be a NULL literal (ASCII letters folded), or for another kind of array: the
    kernels decide."""
    if isinstance(array, pa.ChunkedArray) or array.type != pa.string():
        return None
    n = len(array)
    if not n:
        return array, 0
    offsets = value_offsets(array)
    lengths = np.diff(offsets)
    four = np.flatnonzero(lengths == 4)
    if len(four):
        raw = np.frombuffer(array.buffers()[2], dtype=np.uint8)
        words = raw[offsets[four][:, None] + np.arange(4)] | 0x20  # ASCII lower case (only letters fold to these)
        if (words == _NULL_WORD).all(axis=1).any():
            return None
    empty = lengths == 0
    if not empty.any():
        return array, 0
    if empty.all():
        return pa.nulls(n, pa.string()), 0
    # The same offsets and bytes with the empty values marked null (a validity bitmap; no copy of the bytes).
    if array.null_count:
        empty |= ~np.asarray(pc.is_valid(array))
    valid = np.zeros(array.offset + n, dtype=bool)  # the bitmap counts from the buffers' start, as the offsets do
    valid[array.offset:] = ~empty
    validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.string(), n, [validity, array.buffers()[1], array.buffers()[2]],
                                 null_count=int(empty.sum()), offset=array.offset), 0


def empty_for_null(array: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``pc.fill_null(array, "")``, without copying the bytes when every NULL already spans no bytes (the NULLs
    ``_nullify`` made of empty values, Arrow's own NULLs): the same offsets and bytes without a validity bitmap."""
    if not array.null_count:
        return array
    if isinstance(array, pa.ChunkedArray) or array.type != pa.string():
        return pc.fill_null(array, "")
    n = len(array)
    offsets = value_offsets(array)
    spans = np.diff(offsets)
    if spans[~np.asarray(pc.is_valid(array))].any():
        return pc.fill_null(array, "")
    return pa.Array.from_buffers(pa.string(), n, [None, array.buffers()[1], array.buffers()[2]], null_count=0,
                                 offset=array.offset)


def _longest_bytes(array: pa.Array | pa.ChunkedArray) -> int:
    """The byte length of the longest value of a string array, from its offsets (0 when empty); for another kind of
    array a length longer than any limit (the caller then measures each value)."""
    if isinstance(array, pa.ChunkedArray) or array.type != pa.string():
        return 1 << 62
    if not len(array):
        return 0
    offsets = value_offsets(array)
    return int(np.diff(offsets).max())


def _mark(ctx: Context, bad: list, mask: pa.Array, values: pa.Array, column: str, code: str, row0: int) -> None:
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return
    indices = pc.indices_nonzero(mask).to_pylist()
    for i in indices:
        ctx.error(row0 + i, column, values[i].as_py(), code)
    bad.append(mask)


DECISION_CACHE_LIMIT = 100_000
_ALLOWED: dict[str, pa.Array] = {}  # per enum or currency column: its allowed values


def _map_distinct(array: pa.Array, decide, cache: dict | None = None) -> tuple[pa.Array, dict]:
    """Apply ``decide(text) -> (output or None, tag)`` once per distinct value; returns outputs and tags.

    ``cache`` keeps the decisions across batches (hourly timestamps repeat in every batch of a file)."""
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    outputs, tags = [], {}
    if cache is not None and len(cache) > DECISION_CACHE_LIMIT:
        cache.clear()
    for value in encoded.dictionary.to_pylist():
        if cache is None:
            out, tag = decide(value)
        else:
            hit = cache.get(value)
            if hit is None:
                hit = cache[value] = decide(value)
            out, tag = hit
        outputs.append(out)
        if tag:
            tags[value] = (out, tag)
    mapped = pc.take(pa.array(outputs, pa.string()), encoded.indices)
    return mapped, tags


_CONTROL = bytes(range(32))
# The first byte of every character utf8_is_space counts as white space (checked over every code point):
# ASCII \t..\r, \x1c..\x1f and space, then the lead bytes of U+0085 and U+00A0 (C2), U+1680 (E1),
# U+2000-U+205F (E2) and U+3000 (E3). Without any of them in a column's bytes, no value is only white space.
_SPACE_LEADS = bytes(range(9, 14)) + bytes(range(0x1C, 0x21)) + b"\xc2\xe1\xe2\xe3"
# Every byte a number matching NUMBER_RE is made of.
_NUMBER_BYTES = b"0123456789.+-eE"


def _may_hold(array: pa.Array | pa.ChunkedArray, word: bytes) -> bool:
    """Whether a value of the string ``array`` may contain the ASCII ``word`` in any letter case (the raw bytes
    lower-cased; a sliced array's whole buffer is searched, as in ``may_contain``)."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    for chunk in chunks:
        if chunk.type not in (pa.string(), pa.large_string()):
            return True
        data = chunk.buffers()[2]
        if data is None:
            continue
        raw = raw_bytes(data)
        # Without any case of the word's last letter (memchr), no lower-cased copy of the bytes is needed.
        last = word[-1:]
        if (last in raw or last.upper() in raw) and word in raw.lower():
            return True
    return False




def _numbers(array: pa.Array) -> pa.Array | None:
    """The values as doubles when every one is a number as NUMBER_RE reads them, else None (the caller then
    tests each value). Made only of digits, signs, points and exponents, a value Arrow's parser accepts
    matches NUMBER_RE (checked exhaustively up to 4 characters and on 120 000 random strings): one look at the
    bytes and one cast instead of a regex per value."""
    data = array.buffers()[2] if isinstance(array, pa.Array) and array.type == pa.string() else None
    if data is None or raw_bytes(data).translate(None, _NUMBER_BYTES):
        return None
    try:
        return pc.cast(array, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def may_contain(array: pa.Array | pa.ChunkedArray, chars: bytes) -> bool:
    """Whether a value of the string ``array`` may contain one of the ASCII ``chars``: ``bytes.find``
    (memchr) over the raw value bytes, an order of magnitude faster than a compute kernel. A sliced
    array's whole buffer is searched: a false "maybe" costs one needless rewrite, a miss never happens."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    for chunk in chunks:
        if chunk.type not in (pa.string(), pa.large_string()):
            return True
        data = chunk.buffers()[2]
        if data is None:
            continue
        raw = raw_bytes(data)
        # A memchr pass per character: a dozen of them take a quarter of one ``bytes.translate`` pass.
        if any(char in raw for char in _single_bytes(chars)):
            return True
    return False


@functools.cache
def _single_bytes(chars: bytes) -> tuple[bytes, ...]:
    """``chars`` one byte each, the space first (text columns have spaces: the search stops at once)."""
    return tuple(sorted((bytes([c]) for c in chars), key=lambda c: c != b" "))


def _json_string(array: pa.Array) -> pa.Array:
    """The inside of a JSON string: backslashes and quotes escaped, control characters as spaces; each
    rewrite only when a value may need it (most columns need none)."""
    if not may_contain(array, b'\\"' + _CONTROL):  # one look at the bytes for every such character
        return array
    for char, escaped in (("\\", "\\\\"), ('"', '\\"')):
        if may_contain(array, char.encode()):
            array = pc.replace_substring(array, char, escaped)
    if may_contain(array, _CONTROL):
        array = pc.replace_substring_regex(array, r"[\x00-\x1f]", " ")
    return array


def normalize_batch(batch: pa.RecordBatch, ctx: Context, *, field_lengths: dict[str, int],
                    field_order: list[str]) -> pa.Table | None:
    n = batch.num_rows
    row0 = ctx.rows_seen + 2  # spreadsheet numbering: the header is row 1
    ctx.rows_seen += n
    plan = ctx.plan
    bad: list[pa.Array] = []
    out: dict[str, pa.Array] = {}
    values: dict[str, pa.Array] = {}

    for header, focus in plan.canonical.items():
        array, literals = _nullify(batch.column(header))
        if literals:
            ctx.note(focus, "NULL", "", "null_literal", literals)
        values[focus] = array
    if plan.version == "1.3" and "ProviderName" not in values and "ServiceProviderName" in values:
        values["ProviderName"] = values["ServiceProviderName"]
    # Problems of the columns the ledger can do without: (code, row mask) per column. Such a row is kept,
    # the value replaced by its fallback or NULL (``_fallbacks``) and counted as a warning.
    issues: dict[str, list[tuple[str, pa.Array]]] = {}
    for name in plan.absent:
        if name not in values:
            values[name] = pa.nulls(n, pa.string())
            issues[name] = [("absent", pc.is_null(values[name]))]

    def problem(name: str, mask: pa.Array, array: pa.Array, code: str) -> None:
        if name in CRITICAL:
            _mark(ctx, bad, mask, array, name, code, row0)
            return
        mask = pc.fill_null(mask, False)
        if pc.any(mask).as_py():
            issues.setdefault(name, []).append((code, mask))

    for name, array in values.items():
        column = COLUMNS[name]
        if column.not_null and name not in plan.absent:
            problem(name, pc.is_null(array), array, "missing")
        if column.kind in ("money", "quantity"):
            if ctx.comma_decimals:
                comma = pc.fill_null(pc.match_substring_regex(array, COMMA_NUMBER_RE), False)
                if pc.any(comma).as_py():
                    ctx.note(name, "1,5", "1.5", "comma_decimal", pc.sum(comma.cast(pa.int64())).as_py())
                    array = pc.if_else(comma, pc.replace_substring(array, ",", "."), array)
            number = _numbers(array)
            if number is None:
                valid = pc.match_substring_regex(array, NUMBER_RE)
                problem(name, pc.invert(valid), array, "number")
                number = pc.cast(pc.if_else(pc.fill_null(valid, False), array, pa.scalar(None, pa.string())),
                                 pa.float64())
            problem(name, pc.greater_equal(pc.abs(number), LIMITS[column.kind]), array, "range")
            values[name] = array
        elif column.kind == "datetime":
            def decide(text, _name=name):
                parsed, note = _parse_datetime(text)
                if parsed is None:
                    return None, "datetime"
                return _timestamp_text(parsed), note

            mapped, tags = _map_distinct(array, decide, ctx.decisions.setdefault(name, {}))
            for original, (normalized, tag) in tags.items():
                if tag == "datetime":
                    continue
                count = pc.sum(pc.equal(array, original).cast(pa.int64())).as_py()
                ctx.note(name, original, normalized, tag, count)
            problem(name, pc.and_(pc.is_valid(array), pc.is_null(mapped)), array, "datetime")
            values[name] = mapped
        elif column.kind in ("enum", "currency"):
            if column.kind == "enum":
                lookup = _enum_lookup(column.choices)

                def decide(text, _lookup=lookup, _choices=column.choices):
                    if text in _choices:
                        return text, None
                    hit = _lookup.get(_key(text))
                    return (hit, "enum_case") if hit else (None, "enum")
            else:
                def decide(text):
                    code = text.strip()
                    if code in ISO_4217:
                        return code, None
                    return (code.upper(), "currency_case") if code.upper() in ISO_4217 else (None, "currency")

            allowed = _ALLOWED.get(name) or _ALLOWED.setdefault(
                name, pa.array(sorted(column.choices if column.kind == "enum" else ISO_4217), pa.string()))
            if pc.all(pc.is_in(pc.drop_null(array), value_set=allowed), min_count=0).as_py():
                continue  # every value as the spec spells it (the common case): nothing to map
            mapped, tags = _map_distinct(array, decide, ctx.decisions.setdefault(name, {}))
            for original, (normalized, tag) in tags.items():
                if normalized is not None:
                    count = pc.sum(pc.equal(array, original).cast(pa.int64())).as_py()
                    ctx.note(name, original, normalized, tag, count)
            code = "enum" if column.kind == "enum" else "currency"
            problem(name, pc.and_(pc.is_valid(array), pc.is_null(mapped)), array, code)
            values[name] = mapped
        elif column.kind == "json":
            mapped, tags = _map_distinct(array, _check_tags)
            invalid = pc.and_(pc.is_valid(array), pc.is_null(mapped))
            nested = [v for v, (_out, tag) in tags.items() if tag == "json_flat"]
            flat = pc.is_in(array, value_set=pa.array(nested, pa.string())) if nested else None
            problem(name, pc.and_(invalid, pc.invert(flat)) if nested else invalid, array, "json")
            if nested:
                problem(name, pc.and_(invalid, flat), array, "json_flat")
            values[name] = mapped
        if column.field and column.kind in ("string",) and column.field in field_lengths:
            limit = field_lengths[column.field]
            if _longest_bytes(array) > limit:  # no value has more characters than bytes: most batches stop here
                too_long = pc.greater(pc.utf8_length(array), limit)
                problem(name, too_long, array, "too_long")
                if name not in CRITICAL and pc.any(pc.fill_null(too_long, False)).as_py():
                    values[name] = pc.utf8_slice_codeunits(array, 0, limit)

    start, end = values["ChargePeriodStart"], values["ChargePeriodEnd"]
    _mark(ctx, bad, pc.less_equal(end, start), end, "ChargePeriodEnd", "period", row0)

    fallbacks = _fallbacks(values, issues, n, field_lengths)

    accounts = values["BillingAccountId"]
    if ctx.allowed_accounts is not None:
        foreign = pc.invert(pc.is_in(accounts, value_set=pa.array(sorted(ctx.allowed_accounts), pa.string())))
        if "SubAccountId" in values:
            foreign = pc.and_(foreign, pc.invert(pc.is_in(
                values["SubAccountId"], value_set=pa.array(sorted(ctx.allowed_accounts), pa.string()))))
        foreign = pc.and_(pc.fill_null(foreign, False), pc.is_valid(accounts))
        if pc.any(foreign).as_py():
            value = accounts[pc.indices_nonzero(foreign)[0].as_py()].as_py()
            raise ImportRefused("account", _reason("account") + " " + _("File: %(file)s, connection: %(conn)s.")
                                % {"file": value, "conn": ", ".join(sorted(ctx.allowed_accounts))},
                                column="BillingAccountId", value=value)

    bad_mask = None
    for mask in bad:
        bad_mask = mask if bad_mask is None else pc.or_(bad_mask, mask)
    bad_count = pc.sum(bad_mask.cast(pa.int64())).as_py() if bad_mask is not None else 0
    ctx.rows_bad += bad_count or 0
    if bad_count and not ctx.skip_invalid:
        return None  # nothing will be imported: keep validating for the report, write nothing
    keep = pc.invert(bad_mask) if bad_count else None
    for column, code, action, detail, mask in fallbacks:
        rows = pc.and_(mask, keep) if keep is not None else mask
        count = pc.sum(rows.cast(pa.int64())).as_py() or 0
        if count:
            ctx.warn(column, code, action, detail, count, row0 + pc.index(rows, True).as_py())

    def take(array):
        return pc.filter(array, keep) if keep is not None else array

    good = n - (bad_count or 0)
    ctx.rows_good += good
    if not good:
        return None

    cols = {name: take(array) for name, array in values.items()}
    charge_date = pc.utf8_slice_codeunits(cols["ChargePeriodStart"], 0, 10)
    period = (pc.utf8_slice_codeunits(charge_date, 0, 10) if ctx.source_by_day
              else pc.utf8_slice_codeunits(cols["BillingPeriodStart"], 0, 7))
    account = empty_for_null(cols["BillingAccountId"])
    source = pc.binary_join_element_wise(ctx.source_prefix, account, period, ":")
    ctx.source_keys.update(pc.unique(source).to_pylist())
    ctx.accounts.update(pc.unique(account).to_pylist())
    bounds = pc.min_max(charge_date).as_py()
    if bounds["min"] and (ctx.first_date is None or bounds["min"] < ctx.first_date):
        ctx.first_date = bounds["min"]
    if bounds["max"] and (ctx.last_date is None or bounds["max"] > ctx.last_date):
        ctx.last_date = bounds["max"]

    length = good
    for name, column in COLUMNS.items():
        if column.field and name in cols:
            array = cols[name]
            if column.kind in ("string", "enum", "currency") and column.field not in ("resource_id",):
                array = empty_for_null(array)
            elif column.kind == "string":
                array = empty_for_null(array)
            out[column.field] = array
    if "ProviderName" in cols:
        out["provider_name"] = empty_for_null(cols["ProviderName"])
    if "tags" in out:
        out["tags"] = pc.fill_null(out["tags"], "{}")
        out["tag_set_id"] = _tag_set_ids(out["tags"], ctx.tag_sets)
    out["charge_date"] = charge_date
    out["source_key"] = source

    members = []
    for header, key in plan.extras.items():
        array = batch.column(header)
        if _all_blank(array):  # nothing to keep (a wide native export leaves most of its columns empty)
            continue
        members.append((key, take(_nullify(array)[0])))
    for name, column in COLUMNS.items():
        if column.field is None and name in cols:
            members.append((name, cols[name]))
    sets = ctx.extras_sets
    if members and sets is not None:
        own, shared = sets.split(members, length)
        ids = sets.ids(shared, json_object) if shared else None
        if ids is not None:
            out["extras_set_id"] = ids
            members = own
    if members:
        out["extras"] = json_object(members)
    for name, value in ctx.constants.items():
        out[name] = pa.nulls(length, pa.string()) if value is None else repeated(str(value), length)
    if ctx.resources is not None and "resource_id" in out:
        # The inventory Resource of each row's ResourceId, resolved here instead of an UPDATE after the COPY
        # (which would write every matched row twice).
        keys, ids = ctx.resources
        out["inventory_resource_id"] = pc.take(ids, pc.index_in(out["resource_id"], value_set=keys))

    arrays = []
    for name in field_order:
        array = out.get(name)
        if array is None:
            default = {"tags": "{}", "extras": "{}", "tag_set_id": "0"}.get(name)
            if name in _NULLABLE:
                array = pa.nulls(length, pa.string())
            else:
                array = repeated(default or "", length)
        arrays.append(array.cast(pa.string()) if array.type != pa.string() else array)
    return pa.table(arrays, names=field_order)


def _tag_set_ids(tags: pa.Array, found: dict[str, str]) -> pa.Array:
    """Each row's ``TagSet`` id (decimal text; "0" for no tags), hashed once per distinct tag text (the texts are
    ``tags_text``'s, as ``CostRecord.tags`` hashes a saved row's tags); each set goes into ``found`` by id."""
    def decide(text: str) -> tuple[str, None]:
        if text == "{}":
            return "0", None
        key = str(content_id(text))
        found.setdefault(key, text)
        return key, None

    return _map_distinct(tags, decide)[0]


_NULLABLE = {"list_unit_price", "contracted_unit_price", "pricing_quantity", "consumed_quantity",
             "pricing_currency_contracted_unit_price", "pricing_currency_effective_cost",
             "pricing_currency_list_unit_price", "commitment_discount_quantity",
             "connection_id", "inventory_resource_id", "billing_import_id", "extras_set_id"}


def _all_blank(array: pa.Array) -> bool:
    """Whether every value of a string array is null or empty: no value bytes at all (one look at the buffer)."""
    if array.null_count == len(array):
        return True
    if array.type not in (pa.string(), pa.large_string()) or isinstance(array, pa.ChunkedArray):
        return False
    data = array.buffers()[2]
    return data is None or data.size == 0


def join_present(pieces: list[pa.Array], separator: str) -> pa.Array:
    """The non-null pieces of each row joined by ``separator`` ("" where every piece is null).

    ``binary_join_element_wise(..., null_handling="skip")`` alone drops the rows whose pieces are all null
    (pyarrow 26: the column would come back shorter than the batch), so an empty piece leads every row and its
    separator is cut off after the join."""
    joined = pc.binary_join_element_wise("", *pieces, separator, null_handling="skip")
    return pc.utf8_slice_codeunits(joined, len(separator))


def _json_key(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '":"'


def json_object(members: list[tuple[str, pa.Array]]) -> pa.Array:
    """Each row's JSON object of string members ``(key, values)``, keys in the given order, a member left out
    where its value is null (``{}`` where all are); the same text as joining ``_json_piece``s with
    ``join_present``, in fewer kernels: consecutive members without a null in the batch (most columns of an
    export) are written by one join, and when one such run exists the pieces need no ``join_present``."""
    pieces: list[pa.Array] = []
    run: list = []  # the parts of consecutive members without nulls: '"k1":"', v1, '","k2":"', v2, ..., '"'

    def flush() -> None:
        if run:
            pieces.append(pc.binary_join_element_wise(*run, '"', ""))
            run.clear()

    for key, array in members:
        if array.null_count:
            flush()
            pieces.append(_json_piece(key, array))
        else:
            run.extend(['",' + _json_key(key) if run else _json_key(key), _json_string(array)])
    flush()
    if len(pieces) == 1 and not pieces[0].null_count:
        return pc.binary_join_element_wise("{", pieces[0], "}", "")
    if any(not piece.null_count for piece in pieces):
        # A piece present in every row: no row has all its pieces null, so the skipping join keeps every row.
        return pc.binary_join_element_wise("{", pc.binary_join_element_wise(*pieces, ",", null_handling="skip"),
                                           "}", "")
    return pc.binary_join_element_wise("{", join_present(pieces, ","), "}", "")


def _json_piece(key: str, array: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(_json_key(key), _json_string(array), '"', "")


def _problem(code: str) -> str:
    return {
        "missing": _("no value"),
        "number": _("not a number"),
        "range": _("a number too large"),
        "datetime": _("not a date and time"),
        "period": _("the period end is not after its start"),
        "enum": _("a value outside the allowed list"),
        "json": _("not a JSON object"),
        "json_flat": _("nested values in a JSON object"),
        "too_long": _("a value too long"),
    }[code]


def _action(action: str, detail: str) -> str:
    if action == "fallback":
        return _("the value of %(source)s was stored instead") % {"source": detail}
    if action == "value":
        return _("«%(value)s» was stored instead") % {"value": detail}
    if action == "charge_month":
        return _("the calendar month of ChargePeriodStart was stored instead")
    if action == "truncated":
        return _("the value was cut to %(length)s characters") % {"length": detail}
    return _("the value was left empty")


def warning_message(column: str, code: str, action: str, detail: str, count: int) -> str:
    if code == "absent":
        return _("%(column)s: the file has no such column; in every row %(action)s.") % {
            "column": column, "action": _action(action, detail)}
    rows = ngettext("%(count)s row", "%(count)s rows", count) % {"count": count}
    return _("%(column)s: %(problem)s in %(rows)s; %(action)s.") % {
        "column": column, "problem": _problem(code), "rows": rows, "action": _action(action, detail)}


_NULL = pa.scalar(None, pa.string())
MONEY_LIMIT = LIMITS["money"]


def _product(price: pa.Array, quantity: pa.Array, charge_class: pa.Array | None, needed: pa.Array) -> pa.Array:
    """price × quantity as exact decimal text where ``needed`` and both are known, outside corrections
    (FOCUS: ListCost = ListUnitPrice × PricingQuantity, the same for ContractedCost, unless ChargeClass is
    "Correction"); NULL elsewhere. Python Decimal, but only for the rows that need it."""
    rows = pc.and_(needed, pc.and_(pc.is_valid(price), pc.is_valid(quantity)))
    if charge_class is not None:
        rows = pc.and_(rows, pc.invert(pc.fill_null(pc.equal(charge_class, "Correction"), False)))
    result = pa.nulls(len(price), pa.string())
    if not pc.any(rows).as_py():
        return result
    products = []
    for a, b in zip(pc.filter(price, rows).to_pylist(), pc.filter(quantity, rows).to_pylist(), strict=True):
        value = Decimal(a) * Decimal(b)
        products.append(format(value, "f") if abs(value) < MONEY_LIMIT else None)
    return pc.replace_with_mask(result, rows, pa.array(products, pa.string()))


def _month_bounds(start: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The calendar month (UTC) of each normalized timestamp, as normalized timestamps: [first, next first)."""
    def decide(month):
        year, number = int(month[:4]), int(month[5:7])
        following = f"{year + number // 12:04d}-{number % 12 + 1:02d}"
        return f"{month}-01 00:00:00+00|{following}-01 00:00:00+00", None

    bounds, _tags = _map_distinct(pc.utf8_slice_codeunits(start, 0, 7), decide)
    return pc.utf8_slice_codeunits(bounds, 0, 22), pc.utf8_slice_codeunits(bounds, 23, 45)


def _fallbacks(values: dict[str, pa.Array], issues: dict[str, list[tuple[str, pa.Array]]], n: int,
               field_lengths: dict[str, int]) -> list:
    """Replace the values of kept rows that broke the spec by their documented fallback, or NULL.

    FOCUS 1.2 (../shared/focus/columns.md 4.1, the validator's rules):
    - EffectiveCost: BilledCost (EffectiveCost-C-010: a charge unrelated to others MUST match BilledCost;
      without a commitment discount there is nothing to amortize; the amortized view already leaves
      commitment purchases out, see ``rollups.AMORTIZED_SQL``);
    - ListCost: ListUnitPrice × PricingQuantity (ListCost-C-009), else ContractedCost as the file gives it,
      else EffectiveCost; ContractedCost: ContractedUnitPrice × PricingQuantity (ContractedCost-C-009), else
      ListCost ("falls back to ListCost when there is no negotiated discount"), else EffectiveCost;
    - BillingPeriodStart/End: the calendar month of ChargePeriodStart (monthly billing periods, 4.3);
    - ServiceCategory: "Other" (every ServiceName maps to one category, "Other" when none fits);
    - anything else: NULL (empty text), Tags an empty object; too long text is cut to the ledger's length.
    Returns (column, problem code, action, detail, row mask) for the warnings.
    """
    for name, found in issues.items():
        mask = None
        for code, rows in found:
            if code != "too_long":
                mask = rows if mask is None else pc.or_(mask, rows)
        if mask is not None:
            values[name] = pc.if_else(mask, _NULL, values[name])
    filled: dict[str, list[tuple[str, str, pa.Array]]] = {}

    def fill(name: str, action: str, detail: str, candidate: pa.Array) -> None:
        target = values[name]
        rows = pc.and_(pc.is_null(target), pc.is_valid(candidate))
        if pc.any(rows).as_py():
            values[name] = pc.if_else(rows, candidate, target)
            filled.setdefault(name, []).append((action, detail, rows))

    fill("EffectiveCost", "fallback", "BilledCost", values["BilledCost"])
    given = {name: values[name] for name in ("ListCost", "ContractedCost")}
    for name, price, other in (("ListCost", "ListUnitPrice", "ContractedCost"),
                               ("ContractedCost", "ContractedUnitPrice", "ListCost")):
        if pc.any(pc.is_null(values[name])).as_py():
            if price in values and "PricingQuantity" in values:
                fill(name, "fallback", f"{price} × PricingQuantity",
                     _product(values[price], values["PricingQuantity"], values.get("ChargeClass"),
                              pc.is_null(values[name])))
            fill(name, "fallback", other, given[other])
            fill(name, "fallback", "EffectiveCost", values["EffectiveCost"])
    if "ServiceCategory" in issues:
        fill("ServiceCategory", "value", "Other", repeated("Other", n))

    start, end = values["BillingPeriodStart"], values["BillingPeriodEnd"]
    if "BillingPeriodStart" in issues or "BillingPeriodEnd" in issues or pc.any(pc.less_equal(end, start)).as_py():
        month_start, month_end = _month_bounds(values["ChargePeriodStart"])
        fill("BillingPeriodStart", "charge_month", "", month_start)
        fill("BillingPeriodEnd", "charge_month", "", month_end)
        start, end = values["BillingPeriodStart"], values["BillingPeriodEnd"]
        inverted = pc.fill_null(pc.less_equal(end, start), False)
        if pc.any(inverted).as_py():
            issues.setdefault("BillingPeriodEnd", []).append(("period", inverted))
            values["BillingPeriodStart"] = pc.if_else(inverted, month_start, start)
            values["BillingPeriodEnd"] = pc.if_else(inverted, month_end, end)
            filled.setdefault("BillingPeriodEnd", []).append(("charge_month", "", inverted))

    entries = []
    for name, found in issues.items():
        for code, mask in found:
            if code == "too_long":
                entries.append((name, code, "truncated", str(field_lengths[COLUMNS[name].field]), mask))
                continue
            for action, detail, rows in filled.get(name, []):
                entries.append((name, code, action, detail, pc.and_(mask, rows)))
            entries.append((name, code, "null", "", pc.and_(mask, pc.is_null(values[name]))))
    return entries


def date_from(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
