"""Helpers shared by the native export converters of Azure, Google Cloud and Oracle Cloud (``azure.py``,
``gcp.py``, ``oci.py``): header look-up regardless of spelling, per-distinct-value mapping, timestamps, exact
decimal arithmetic on string columns and the ``x_`` extras of the columns a format does not map."""

from __future__ import annotations

import calendar
import csv
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from apps.common.pgbinary import decimal_cast, repeated

DATA = Path(__file__).parent / "data"
STRING = pa.string()
# The FOCUS columns every converter writes first, in this order (each adds its own after them).
CORE_FOCUS_COLUMNS = [
    "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingCurrency", "BillingAccountId",
    "BillingAccountName", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
    "ChargeCategory", "ChargeClass", "ChargeDescription",
]


def key(name: str) -> str:
    """A column name's spelling-free key: ``Billing account ID``, ``billing_account_id`` and
    ``billingAccountId`` are all ``billingaccountid``."""
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def header_keys(columns: Iterable[str]) -> dict[str, str]:
    """key -> the column as the file spells it (the first one when two spell the same key)."""
    found: dict[str, str] = {}
    for name in columns:
        found.setdefault(key(name), name)
    return found


@cache
def data_rows(file_name: str) -> tuple[dict[str, str], ...]:
    with open(DATA / file_name, newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def nulls(n: int) -> pa.Array:
    return pa.nulls(n, STRING)


def constant(value: str | None, n: int) -> pa.Array:
    return nulls(n) if value is None else repeated(value, n)


def blank_to_null(array: pa.Array) -> pa.Array:
    """Empty values as nulls (a CSV holds "" where a value is absent; the FOCUS validation treats blanks)."""
    array = array.cast(STRING)
    empty = pc.fill_null(pc.equal(pc.binary_length(array), 0), False)
    return pc.if_else(empty, pa.scalar(None, STRING), array) if pc.any(empty).as_py() else array


def map_distinct(array: pa.Array, decide: Callable[[str], str | None]) -> pa.Array:
    """``decide`` applied once per distinct non-null value (nulls stay null)."""
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    outputs = [decide(value) for value in encoded.dictionary.to_pylist()]
    return pc.take(pa.array(outputs, STRING), encoded.indices)


def map_distinct_many(array: pa.Array, decide: Callable[[str], tuple[str | None, ...]], parts: int) -> list[pa.Array]:
    """Like ``map_distinct`` for a ``decide`` that returns ``parts`` values (empty text counts as null)."""
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    decided = [decide(value) for value in encoded.dictionary.to_pylist()]
    return [pc.take(pa.array([(d[i] or None) for d in decided], STRING), encoded.indices) for i in range(parts)]


def equals_any(array: pa.Array, values: Iterable[str]) -> pa.Array:
    """Row mask: the value (compared by ``key``) is one of ``values``; never null."""
    wanted = {key(v) for v in values}
    return pc.fill_null(
        pc.is_in(map_distinct(array, lambda text: key(text)), value_set=pa.array(sorted(wanted), STRING)), False
    )


# --- time -------------------------------------------------------------------------------------------------

_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%Y%m%d",
)


@lru_cache(maxsize=1 << 16)  # the same days and hours recur in every batch of a file
def parse_time(text: str) -> datetime | None:
    """A timestamp as the exports write it, in UTC: ISO 8601 with ``Z``, an offset or none (UTC), OCI's
    ``2023-11-13T10:00Z``, BigQuery's ``2024-03-01 08:00:00 UTC``, Azure's ``MM/DD/YYYY``."""
    value = text.strip()
    if value.endswith(" UTC"):
        value = value[:-4]
    if value.endswith("Z"):
        value = value[:-1] + "+0000"
    for fmt in _FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def times(array: pa.Array, *, shift_days: int = 0) -> pa.Array:
    """ISO 8601 UTC text (``shift_days`` later); a value that is no timestamp is passed on as it is, for the
    FOCUS validation to report on its row."""

    def decide(text: str) -> str:
        moment = parse_time(text)
        return text if moment is None else iso(moment + timedelta(days=shift_days))

    return map_distinct(array, decide)


def month_bounds(moment: datetime) -> tuple[str, str]:
    start = moment.date().replace(day=1)
    end = start + timedelta(days=calendar.monthrange(start.year, start.month)[1])
    return f"{start}T00:00:00Z", f"{end}T00:00:00Z"


def billing_months(array: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The calendar month (UTC) of each timestamp: [first day, first day of the next month)."""

    def bounds(text: str) -> str | None:
        moment = parse_time(text)
        return None if moment is None else "|".join(month_bounds(moment))

    joined = map_distinct(array, bounds)
    return pc.utf8_slice_codeunits(joined, 0, 20), pc.utf8_slice_codeunits(joined, 21, 41)


def first_of(*arrays: pa.Array | None) -> pa.Array | None:
    """Per row, the first non-null value of ``arrays`` (None entries skipped)."""
    present = [a for a in arrays if a is not None]
    if not present:
        return None
    return present[0] if len(present) == 1 else pc.coalesce(*present)


# --- money ------------------------------------------------------------------------------------------------

_COMMA_DECIMAL = re.compile(r"[+-]?\d+,\d+")


def decimal(text: str | None) -> Decimal | None:
    """A number as an exact Decimal (a decimal comma, which a semicolon-separated export may carry, read as a
    point), or None."""
    if text is None:
        return None
    text = text.strip()
    if _COMMA_DECIMAL.fullmatch(text):
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def text(value: Decimal) -> str:
    return format(value, "f")


def zero_where(mask: pa.Array, array: pa.Array) -> pa.Array:
    """``array`` with ``0`` where ``mask`` holds (a value that is no number stays for the validation)."""
    return pc.if_else(pc.fill_null(mask, False), pa.scalar("0", STRING), array)


def combine(
    fn: Callable[..., Decimal | None],
    *arrays: pa.Array,
    where: pa.Array | None = None,
    otherwise: pa.Array | None = None,
) -> pa.Array:
    """``fn`` over the rows' exact decimals (None for an empty or non-numeric value) as text, only on the rows of
    ``where`` (all when None); ``otherwise`` (or null) elsewhere and where ``fn`` returns None."""
    n = len(arrays[0])
    result = otherwise if otherwise is not None else nulls(n)
    rows = repeated(True, n, pa.bool_()) if where is None else pc.fill_null(where, False)
    if not pc.any(rows).as_py():
        return result
    columns = [pc.filter(a, rows).to_pylist() for a in arrays]
    values = []
    for args in zip(*columns, strict=True):
        value = fn(*(decimal(a) for a in args))
        values.append(None if value is None else text(value))
    computed = pa.array(values, STRING)
    computed = pc.coalesce(computed, pc.filter(result, rows))
    return pc.replace_with_mask(result, rows, computed)


# Exact decimal arithmetic in Arrow: 36 digits, 16 after the point (a product is decimal256(73, 32), within the
# type's 76 digits). A value Arrow cannot read at that scale (more decimals, not a number) sends the whole
# operation to Python's Decimal (``combine``), which leaves that row's value to the FOCUS validation.
DECIMAL = pa.decimal256(36, 16)
STORED = pa.decimal256(60, 10)  # the ledger keeps 10 decimals (``MONEY``, ``QUANTITY``): results are rounded to them


def _decimals(*arrays: pa.Array) -> list[pa.Array] | None:
    try:
        return [decimal_cast(a, DECIMAL) for a in arrays]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def decimal_text(array: pa.Array) -> pa.Array:
    """Decimals as text, rounded (half to even) to the ledger's 10 decimals."""
    return pc.round(array, ndigits=10, round_mode="half_to_even").cast(STORED).cast(STRING)


def to_decimals(array: pa.Array) -> pa.Array | None:
    """The values as Arrow decimals (``DECIMAL``), or None when one of them is not readable so."""
    numbers = _decimals(array)
    return None if numbers is None else numbers[0]


def arithmetic(operation: str, a: pa.Array, b: pa.Array) -> pa.Array:
    """``a <operation> b`` (add, multiply, divide) per row, exact, as text; null where either is null (or b is 0
    in a division)."""
    fallback = {
        "add": lambda x, y: None if x is None or y is None else x + y,
        "multiply": lambda x, y: None if x is None or y is None else x * y,
        "divide": lambda x, y: None if x is None or not y else x / y,
    }[operation]
    numbers = _decimals(a, b)
    if numbers is None:
        return combine(fallback, a, b)
    x, y = numbers
    if operation == "divide":
        y = pc.if_else(pc.equal(y, pa.scalar(0, DECIMAL)), pa.scalar(None, DECIMAL), y)
    try:
        return decimal_text({"add": pc.add, "multiply": pc.multiply, "divide": pc.divide}[operation](x, y))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return combine(fallback, a, b)


def negative(array: pa.Array) -> pa.Array:
    """Row mask: the value is a number below 0 (never null)."""
    numbers = _decimals(array)
    if numbers is None:
        return pa.array([(value is not None and value < 0) for value in map(decimal, array.to_pylist())])
    return pc.fill_null(pc.less(numbers[0], pa.scalar(0, DECIMAL)), False)


# --- extras -----------------------------------------------------------------------------------------------


def extra_name(native: str, known: dict[str, str]) -> str:
    """The ``x_`` column a native column is kept in: its documented name when ``known`` (by key), else
    ``x_`` + the native name (already ``x_``-prefixed names are kept)."""
    named = known.get(key(native))
    if named:
        return named
    return native if native.lower().startswith("x_") else f"x_{native}"


def extra_columns(
    native_columns: list[str],
    mapped_keys: set[str],
    known: dict[str, str],
    skip: Callable[[str], bool] = lambda name: False,
) -> list[tuple[str, str]]:
    """(native column, extra name) for every column a format does not map, in the file's order, without
    duplicate extra names (a second spelling of the same name gets a numbered suffix)."""
    out: list[tuple[str, str]] = []
    taken: set[str] = set()
    for native in native_columns:
        if key(native) in mapped_keys or skip(native):
            continue
        name = extra_name(native, known)
        base, number = name, 2
        while name.lower() in taken:
            name, number = f"{base}_{number}", number + 1
        taken.add(name.lower())
        out.append((native, name))
    return out


def day_bounds(day: date) -> tuple[str, str]:
    return f"{day}T00:00:00Z", f"{day + timedelta(days=1)}T00:00:00Z"
