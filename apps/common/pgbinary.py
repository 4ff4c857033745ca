"""Arrow columns as rows of PostgreSQL's binary COPY format (``COPY ... FROM STDIN (FORMAT binary)``).

In the text format the server finds every line and field byte by byte, then parses each number, timestamp and
date from its digits: for a wide table of numbers and timestamps (the cost ledger) that is a fifth of the
server's COPY. In the binary format each value comes with its length and in its type's own representation, so
the server copies it into the tuple; the client computes the representations with vectorised Arrow and numpy
kernels, a few milliseconds per column and 100 000 rows.

Format (PostgreSQL documentation, "COPY", section "Binary Format"): the ``SIGNATURE`` header, then per row the
number of fields (int16) and per field its length (int32, -1 for NULL) and its bytes, then ``TRAILER``. All
integers are big-endian. Representations (the types' ``*_send`` functions):

- ``int8``: 8 bytes. ``date``: int32 days since 2000-01-01. ``timestamptz``: int64 microseconds since
  2000-01-01 00:00 UTC.
- ``numeric``: int16 digit count, int16 weight (of the first digit, in powers of 10 000), uint16 sign
  (0x0000 positive, 0x4000 negative), int16 display scale, then the digits in base 10 000 (int16 each). Every
  value of a column in a batch is written with the same digit count: as many groups before the point as the
  batch's largest value needs (1 to ``INTEGER_GROUPS``: costs mostly need one) and the fraction's groups; the server
  strips the leading and trailing zero digits, and applies the column's precision and scale as for text input.
- ``text``/``varchar``: the UTF-8 bytes. ``jsonb``: a version byte (1), then the JSON text.

Values arrive as text (what the text format would have sent) and are converted here: decimals rounded to the
column's scale half away from zero, as PostgreSQL rounds numeric input; a value the vectorised paths cannot
read exactly is read with Python's ``decimal``.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

try:  # the compiled row assembler (native/): optional, the Arrow kernels do the same without it
    from infrazen_native._rows import join_rows as _join_rows
except ImportError:  # pragma: no cover - depends on the installation
    _join_rows = None

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"  # flags, header extension
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"  # a field's length -1
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 00:00 UTC in Unix microseconds
PG_EPOCH_DAYS = 10_957  # 2000-01-01 in Unix days
INTEGER_GROUPS = 5  # base-10 000 digits before the point: up to 10**20, numeric(30, 10) and below
NUMERIC_POS, NUMERIC_NEG = 0x0000, 0x4000
READ_SCALE = 20  # decimals read exactly before rounding to the column's scale (the vectorised path)


class Kind(StrEnum):
    INT8 = "int8"
    NUMERIC = "numeric"
    TEXT = "text"
    TIMESTAMPTZ = "timestamptz"
    DATE = "date"
    JSONB = "jsonb"


class EncodeError(ValueError):
    """A value that its column's type cannot hold (the server would have refused it as well)."""

    def __init__(self, column: str, value: str):
        super().__init__(f"{column}: {value!r}")
        self.column, self.value = column, value


FIXED = frozenset({Kind.INT8, Kind.NUMERIC, Kind.TIMESTAMPTZ, Kind.DATE})
_WIDTHS = {Kind.INT8: 8, Kind.TIMESTAMPTZ: 8, Kind.DATE: 4}


def _numeric_width(scale: int, whole: int = INTEGER_GROUPS) -> int:
    return whole + math.ceil(scale / 4)


def _field_dtype(kind: Kind, scale: int, whole: int = INTEGER_GROUPS) -> list[tuple]:
    """The numpy record of one fixed-width field: its length, then its bytes (all big-endian); a numeric with
    ``whole`` base-10 000 digits before the point."""
    if kind == Kind.NUMERIC:
        return [("len", ">i4"), ("ndigits", ">i2"), ("weight", ">i2"), ("sign", ">u2"), ("dscale", ">i2"),
                ("digits", ">i2", (_numeric_width(scale, whole),))]
    return [("len", ">i4"), ("v", ">i8" if _WIDTHS[kind] == 8 else ">i4")]


def _as_binary(records: np.ndarray, source: pa.Array | None = None) -> pa.Array:
    """Fixed-width records as a binary array (one value per record), null where ``source`` is."""
    n = len(records)
    width = records.dtype.itemsize
    offsets = pa.py_buffer(np.arange(0, width * (n + 1), width, dtype=np.int32))
    nulls = source.null_count if source is not None else 0
    validity = pc.is_valid(source).buffers()[1] if nulls else None
    return pa.Array.from_buffers(pa.binary(), n, [validity, offsets, pa.py_buffer(records)], null_count=nulls)


def _integers(source: pa.Array, kind: Kind, name: str) -> np.ndarray:
    """int8, timestamptz and date values as native integers (nulls as 0)."""
    try:
        return _integers_cast(source, kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        bad = next((value for value in source.to_pylist() if value is not None and not _castable(value, kind)), None)
        raise EncodeError(name, str(bad)) from None


def _castable(value, kind: Kind) -> bool:
    try:
        _integers_cast(pa.array([value]), kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def _integers_cast(source: pa.Array, kind: Kind) -> np.ndarray:
    if kind == Kind.TIMESTAMPTZ:
        stamps = source if pa.types.is_timestamp(source.type) else pc.cast(source, pa.timestamp("us", "UTC"))
        values = pc.subtract(pc.cast(pc.cast(stamps, pa.timestamp("us", "UTC")), pa.int64()), PG_EPOCH_US)
    elif kind == Kind.DATE:
        days = source if source.type == pa.date32() else pc.cast(source, pa.date32())
        values = pc.subtract(pc.cast(days, pa.int32()), PG_EPOCH_DAYS)
    else:
        values = source if source.type == pa.int64() else pc.cast(source, pa.int64())
    return values.fill_null(0).to_numpy(zero_copy_only=False)


_RAW_CACHE_SIZE = 128  # a batch's columns (about two bytes copies of one batch at most)
_raw = threading.local()  # per thread: two imports in one process never share (or clear) each other's copies


def _raw_cache() -> OrderedDict[tuple[int, int], tuple[pa.Buffer, bytes]]:
    cache = getattr(_raw, "cache", None)
    if cache is None:
        cache = _raw.cache = OrderedDict()
    return cache


def raw_bytes_forget() -> None:
    """Drop the copies ``raw_bytes`` keeps (the reader calls it for each new batch: the last one's are of no use)."""
    _raw_cache().clear()


def raw_bytes(data: pa.Buffer) -> bytes:
    """The bytes of an Arrow buffer as a Python ``bytes`` (for ``bytes``' memchr-fast searches), copied once per
    buffer: the checks of a column's batch (NUL, white space, NULL literals, number bytes) look at the same
    buffer several times. The cache holds the buffer itself, so its address stays its own while cached."""
    cache = _raw_cache()
    key = (data.address, data.size)
    hit = cache.get(key)
    if hit is not None:
        cache.move_to_end(key)
        return hit[1]
    raw = data.to_pybytes()
    cache[key] = (data, raw)
    if len(cache) > _RAW_CACHE_SIZE:
        cache.popitem(last=False)
    return raw


# An exponent of four digits or more: beyond every decimal type's range and scale, and pyarrow 26's decimal parser
# crashes the process (SIGSEGV) on one of millions ("1e-4918263"), so no such value ever reaches it.
_HUGE_EXPONENT = r"[eE][+-]?0*[1-9][0-9]{3,}"


def decimal_cast(array: pa.Array, type_: pa.DataType) -> pa.Array:
    """``pc.cast`` of text numbers to the decimal ``type_``; ``pa.ArrowInvalid`` (what the cast raises for any value
    it cannot read, on which the callers read the values with Python's ``decimal``) for a value with an exponent of
    four digits or more, which Arrow's parser must not see (``_HUGE_EXPONENT``)."""
    if array.type in (pa.string(), pa.large_string()):
        for chunk in array.chunks if isinstance(array, pa.ChunkedArray) else [array]:
            data = chunk.buffers()[2]
            raw = raw_bytes(data) if data is not None else b""
            if (b"e" in raw or b"E" in raw) and pc.any(pc.match_substring_regex(chunk, _HUGE_EXPONENT)).as_py():
                raise pa.ArrowInvalid("an exponent beyond every decimal's range")
    return pc.cast(array, type_)


def decimals_read(source: pa.Array, scale: int, name: str) -> pa.Array:
    """Text numbers as decimal128(38, ``scale``), rounded half away from zero as PostgreSQL rounds numeric input;
    ``EncodeError`` (naming column ``name``) for a value no numeric of that scale holds."""
    if pa.types.is_decimal(source.type) and source.type.scale == scale:
        return source
    money = pa.decimal128(38, scale)
    try:
        return decimal_cast(source, money)  # at most ``scale`` places: exact as it is (the common case)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:
        exact = decimal_cast(source, pa.decimal128(38, READ_SCALE))
        return pc.cast(pc.round(exact, scale, round_mode="half_towards_infinity"), money)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    quantum = Decimal(1).scaleb(-scale)
    values = []
    for text in source.to_pylist():
        if text is None:
            values.append(None)
            continue
        try:
            value = Decimal(str(text)).quantize(quantum, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise EncodeError(name, str(text)) from None
        if not value.is_finite() or value.adjusted() >= 38 - scale:
            raise EncodeError(name, str(text))
        values.append(value)
    return pa.array(values, money)


def _whole_groups(decimals: pa.Array, scale: int) -> int:
    """The base-10 000 digits before the point that the largest value of ``decimals`` needs: 1 to INTEGER_GROUPS (a
    value beyond that is refused when its digits are written)."""
    bounds = pc.min_max(decimals).as_py()
    if bounds["min"] is None:
        return 1
    whole = int(max(-bounds["min"], bounds["max"]))  # truncated towards zero: the digits before the point
    return min(INTEGER_GROUPS, max(1, math.ceil(len(str(whole)) / 4)))


def _numeric_digits(unscaled: int, scale: int, whole_groups: int = INTEGER_GROUPS) -> tuple[int, list[int]]:
    """Sign and base-10 000 digits (``whole_groups`` before the point) of one unscaled value (Python integers)."""
    sign = NUMERIC_NEG if unscaled < 0 else NUMERIC_POS
    groups = math.ceil(scale / 4)
    whole, fraction = divmod(abs(unscaled), 10 ** scale)
    if whole >= 10_000 ** whole_groups:
        raise OverflowError
    fraction *= 10 ** (4 * groups - scale)
    digits = [(whole // 10_000 ** (whole_groups - 1 - k)) % 10_000 for k in range(whole_groups)]
    digits += [(fraction // 10_000 ** (groups - 1 - k)) % 10_000 for k in range(groups)]
    return sign, digits


def _numeric_fill(records: np.ndarray, decimals: pa.Array, scale: int, name: str) -> None:
    """Write the numeric fields of ``records`` (a ``_field_dtype(NUMERIC)`` view) from ``decimals`` (at ``scale``)."""
    n = len(decimals)
    groups = math.ceil(scale / 4)
    width = records.dtype["digits"].shape[0]
    whole_groups = width - groups
    records["len"] = 8 + 2 * width
    records["ndigits"] = width
    records["weight"] = whole_groups - 1
    records["dscale"] = scale
    if not n:
        return
    words = np.frombuffer(decimals.buffers()[1], dtype="<i8", count=2 * (decimals.offset + n))
    words = words[2 * decimals.offset:].reshape(n, 2)
    low, high = words[:, 0], words[:, 1]
    fits = (high == (low >> 63)) & (low != np.iinfo(np.int64).min)  # the value is an int64
    valid = pc.is_valid(decimals).to_numpy(zero_copy_only=False) if decimals.null_count else None
    values = np.where(fits, low, 0) if valid is None else np.where(fits & valid, low, 0)
    records["sign"] = np.where(values < 0, NUMERIC_NEG, NUMERIC_POS)
    whole, fraction = np.divmod(np.abs(values).view(np.uint64), np.uint64(10 ** scale))
    fraction *= np.uint64(10 ** (4 * groups - scale))
    digits = np.empty((n, width), dtype=np.uint16)
    for k in range(whole_groups - 1, -1, -1):  # one base-10 000 digit at a time, from the point outwards
        whole, digits[:, k] = np.divmod(whole, np.uint64(10_000))
    for k in range(width - 1, whole_groups - 1, -1):
        fraction, digits[:, k] = np.divmod(fraction, np.uint64(10_000))
    records["digits"] = digits
    rare = ~fits if valid is None else ~fits & valid
    for i in np.flatnonzero(rare):  # beyond an int64 (|value| >= 9.2e8 at scale 10)
        unscaled = (int(low[i]) & 0xFFFF_FFFF_FFFF_FFFF) | (int(high[i]) << 64)
        try:
            records["sign"][i], records["digits"][i] = _numeric_digits(unscaled, scale, whole_groups)
        except OverflowError:
            raise EncodeError(name, str(decimals[int(i)].as_py())) from None


def _fixed_fill(records: np.ndarray, kind: Kind, source: pa.Array, scale: int, name: str,
                decimals: dict[str, pa.Array] | None = None) -> None:
    if kind == Kind.NUMERIC:
        values = decimals_read(source, scale, name)
        if decimals is not None:
            decimals[name] = values
        _numeric_fill(records, values, scale, name)
    else:
        records["len"] = _WIDTHS[kind]
        records["v"] = _integers(source, kind, name)


def _lengths(source: pa.Array, extra: bytes = b"") -> pa.Array:
    """Each value's length field (its bytes plus ``extra``), followed by ``extra``: a binary array."""
    n = len(source)
    offsets = value_offsets(source)
    records = np.empty(n, dtype=[("len", ">i4"), ("extra", f"S{len(extra)}")] if extra else [("len", ">i4")])
    records["len"] = np.diff(offsets) + len(extra)
    if extra:
        records["extra"] = extra
    return _as_binary(records, source)


class RowEncoder:
    """Rows of fixed columns (name, kind, nullable, numeric scale) in the binary format.

    ``order`` is the order of the fields in each row, which the COPY's column list must follow: the columns that
    are fixed-width and never NULL come first, written together as one numpy record per row (their lengths are
    constants); then the others in the given order, each as its length and bytes. An empty text column, or a
    column NULL in every row of the batch, is one constant for all rows, merged with its constant neighbours."""

    def __init__(self, columns: list[tuple[str, Kind, bool, int]]):
        head = [c for c in columns if c[1] in FIXED and not c[2]]
        self.head = head
        self.tail = [c for c in columns if c not in head]
        self.order = [c[0] for c in (*head, *self.tail)]

    def encode(self, arrays: dict[str, pa.Array], decimals: dict[str, pa.Array] | None = None) -> pa.Array:
        """The rows of ``arrays`` (every column by name, equal lengths): one binary value per row, joined by Arrow's
        kernel. ``decimals``, when given, receives the numeric columns' values as ``decimal128(38, scale)`` (what the
        rows carry)."""
        parts: list = []
        for piece in self._pieces(arrays, decimals):
            if piece[0] == "const":
                parts.append(pa.scalar(piece[1], pa.binary()))
            elif piece[0] == "records":
                parts.append(_as_binary(piece[1], piece[2]))
            else:
                _kind, array, extra = piece
                values = pc.fill_null(array, "") if array.null_count else array
                parts.extend((_lengths(array, extra), values.view(pa.binary())))  # the same buffers
        return pc.binary_join_element_wise(*parts, b"", null_handling="replace", null_replacement=NULL)

    def encode_block(self, arrays: dict[str, pa.Array],
                     decimals: dict[str, pa.Array] | None = None) -> bytes | memoryview:
        """The same rows, one after another, as one block for ``copy.write``: assembled by the compiled
        ``infrazen_native`` helper when it is installed (a plain loop over the columns' buffers, a quarter of the
        instructions of Arrow's variadic join), else by ``encode``."""
        if _join_rows is None:
            return values_bytes(self.encode(arrays, decimals))
        n = len(next(iter(arrays.values())))
        if not n:
            return b""
        parts = []
        for piece in self._pieces(arrays, decimals):
            if piece[0] == "const":
                parts.append((0, piece[1]))
            elif piece[0] == "records":
                records, source = piece[1], piece[2]
                validity, offset = _validity(source)
                parts.append((1, records, records.dtype.itemsize, validity, offset))
            else:
                _kind, array, extra = piece
                validity, _offset = _validity(array)
                buffers = array.buffers()
                parts.append((2, buffers[1], buffers[2] if buffers[2] is not None else b"", validity, array.offset,
                              extra))
        return _join_rows(n, parts)

    def _pieces(self, arrays: dict[str, pa.Array], decimals: dict[str, pa.Array] | None) -> list[tuple]:
        """What every row is made of, in order: ("const", bytes) every row has; ("records", numpy records, source
        array or None) for fixed-width fields (NULL where the source is); ("text", string array, extra) for a
        length-prefixed value (``extra`` after the length: jsonb's version byte), NULL where the array is."""
        n = len(next(iter(arrays.values())))
        arrays = {k: contiguous(v) for k, v in arrays.items()}
        fields, numbers = [("count", ">i2")], {}
        for i, (name, kind, _nullable, scale) in enumerate(self.head):
            if arrays[name].null_count:  # the record has no room for NULL; the server would refuse it anyway
                raise EncodeError(name, "NULL")
            whole = INTEGER_GROUPS
            if kind == Kind.NUMERIC:  # read first: the batch's largest value sets the field's width
                numbers[name] = decimals_read(arrays[name], scale, name)
                whole = _whole_groups(numbers[name], scale)
            fields.append((f"f{i}", _field_dtype(kind, scale, whole)))
        head = np.empty(n, dtype=np.dtype(fields))
        head["count"] = len(self.order)
        for i, (name, kind, _nullable, scale) in enumerate(self.head):
            _fixed_fill(head[f"f{i}"], kind, numbers.get(name, arrays[name]), scale, name, decimals)
        pieces: list[tuple] = [("records", head, None)]
        constant = b""  # bytes every row has next, not yet in ``pieces``
        for name, kind, _nullable, scale in self.tail:
            array = arrays[name]
            if array.null_count == n:
                constant += NULL
                continue
            if kind in FIXED:
                whole = INTEGER_GROUPS
                if kind == Kind.NUMERIC:
                    array = decimals_read(array, scale, name)
                    whole = _whole_groups(array, scale)
                records = np.zeros(n, dtype=_field_dtype(kind, scale, whole))
                _fixed_fill(records, kind, array, scale, name, decimals)
                piece = ("records", records, array)
            else:
                if array.type != pa.string():
                    array = pc.cast(array, pa.string())
                extra = b"\x01" if kind == Kind.JSONB else b""
                same = constant_text(array)
                if same is not None:  # every row has the same value ('' mostly: a column the file leaves empty)
                    constant += (len(same) + len(extra)).to_bytes(4, "big") + extra + same
                    continue
                piece = ("text", array, extra)
            if constant:
                pieces.append(("const", constant))
                constant = b""
            pieces.append(piece)
        if constant:
            pieces.append(("const", constant))
        return pieces


def _validity(array: pa.Array | None) -> tuple[pa.Buffer | None, int]:
    """An array's validity bitmap (None without nulls) and the bit of its first value."""
    if array is None or not array.null_count:
        return None, 0
    return array.buffers()[0], array.offset


def value_offsets(array: pa.Array) -> np.ndarray:
    """The value offsets of a string or binary array: its own ``len + 1`` of them (a slice starts inside)."""
    return np.frombuffer(array.buffers()[1], dtype=np.int32, count=array.offset + len(array) + 1)[array.offset:]


def values_bytes(array: pa.Array) -> memoryview:
    """The bytes of a string or binary array's values, one after another, as Arrow holds them (no copy): a block
    of encoded rows as it goes to ``copy.write``."""
    data = array.buffers()[2]
    if data is None or not len(array):
        return memoryview(b"")
    offsets = value_offsets(array)
    return memoryview(data)[int(offsets[0]):int(offsets[-1])]


def repeated(value, n: int, type_: pa.DataType | None = None) -> pa.Array:
    """``n`` times ``value`` (None: ``n`` nulls) as an array of ``type_``, built by Arrow (a Python list of ``n``
    items cost ~0.4 s per million values; this, milliseconds)."""
    return pa.repeat(pa.scalar(value, type_ or pa.string()), n)


def contiguous(array) -> pa.Array:
    """One array of a column (a chunked column's single chunk as it is, several chunks combined)."""
    if isinstance(array, pa.ChunkedArray):
        return array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
    return array


def constant_text(array: pa.Array) -> bytes | None:
    """The bytes of the value every row of a string array holds, or None when the values differ or some is null:
    equal lengths, then one comparison of the data with the first value repeated."""
    n = len(array)
    if array.null_count or not n:
        return None
    offsets = value_offsets(array)
    first, last = int(offsets[0]), int(offsets[-1])
    if first == last:
        return b""
    size = int(offsets[1]) - first
    if size * n != last - first or (n > 1 and np.any(np.diff(offsets) != size)):
        return None
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8, count=last - first, offset=first).reshape(n, size)
    return data[0].tobytes() if (data == data[0]).all() else None


_DB_TYPES = (("bigint", Kind.INT8), ("numeric", Kind.NUMERIC), ("timestamp with time zone", Kind.TIMESTAMPTZ),
             ("date", Kind.DATE), ("jsonb", Kind.JSONB), ("text", Kind.TEXT), ("varchar", Kind.TEXT))


def kind_of(db_type: str) -> Kind:
    """The kind of a column of SQL type ``db_type`` (as Django's ``Field.db_type`` spells it)."""
    for prefix, kind in _DB_TYPES:
        if db_type == prefix or db_type.startswith(f"{prefix}("):
            return kind
    raise ValueError(f"no binary COPY encoding for {db_type}")
