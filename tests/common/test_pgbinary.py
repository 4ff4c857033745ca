"""The binary COPY encoder: what PostgreSQL reads back from its rows equals what its text input would have stored."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from django.db import connection

from apps.common.pgbinary import NULL, SIGNATURE, TRAILER, EncodeError, Kind, RowEncoder, kind_of

pytestmark = pytest.mark.django_db

COLUMNS = [  # name, SQL type, kind, nullable, scale
    ("id", "bigint NOT NULL", Kind.INT8, False, 0),
    ("amount", "numeric(20, 10) NOT NULL", Kind.NUMERIC, False, 10),
    ("quantity", "numeric(30, 10)", Kind.NUMERIC, True, 10),
    ("label", "varchar(100) NOT NULL", Kind.TEXT, False, 0),
    ("note", "text", Kind.TEXT, True, 0),
    ("at", "timestamptz NOT NULL", Kind.TIMESTAMPTZ, False, 0),
    ("day", "date NOT NULL", Kind.DATE, False, 0),
    ("tags", "jsonb NOT NULL", Kind.JSONB, False, 0),
    ("link", "bigint", Kind.INT8, True, 0),
]


def _load(values: dict[str, list]) -> list[tuple]:
    """COPY the rows of ``values`` (text columns as the importer's batches hold them) into a temporary table in the
    binary format; the rows as PostgreSQL reads them back, by id."""
    encoder = RowEncoder([(name, kind, nullable, scale) for name, _sql, kind, nullable, scale in COLUMNS])
    rows = encoder.encode({name: pa.array(column, pa.string()) for name, column in values.items()})
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE _binary_copy ({})".format(
            ", ".join(f"{name} {sql}" for name, sql, *_rest in COLUMNS)))
        with cursor.cursor.copy(f"COPY _binary_copy ({', '.join(encoder.order)}) FROM STDIN (FORMAT binary)") as copy:
            copy.write(SIGNATURE + b"".join(rows.to_pylist()) + TRAILER)
        cursor.execute(f"SELECT {', '.join(name for name, *_rest in COLUMNS)} FROM _binary_copy ORDER BY id")
        loaded = [(*row[:7], json.loads(row[7]), row[8]) for row in cursor.fetchall()]  # jsonb comes as its text
        cursor.execute("DROP TABLE _binary_copy")
    return loaded


def test_every_kind_reads_back_as_its_text_input_would():
    loaded = _load({
        "id": ["1", "2", "3"],
        # Beyond ten places rounds half away from zero, as numeric input does; exponents and signs as text allows.
        "amount": ["6.3942679846", "-0.00000000005", "1.5E+3"],
        "quantity": ["1222335.5526", None, "123456789012345678.25"],  # the last is beyond an int64 at scale 10
        "label": ["tab\there", "back\\slash", "нов\nстрока"],
        "note": [None, "", "plain"],
        "at": ["2026-01-01 00:00:00+00", "1999-12-31 23:59:59+00", "2026-07-15 12:30:00+00"],
        "day": ["2026-01-01", "1999-12-31", "2026-07-15"],
        "tags": ['{"env": "prod", "n": 1}', "{}", '{"k": ["a", "b"]}'],
        "link": [None, "42", "9007199254740993"],
    })
    assert loaded == [
        (1, Decimal("6.3942679846"), Decimal("1222335.5526"), "tab\there", None,
         datetime(2026, 1, 1, tzinfo=UTC), date(2026, 1, 1), {"env": "prod", "n": 1}, None),
        (2, Decimal("-0.0000000001"), None, "back\\slash", "",
         datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), date(1999, 12, 31), {}, 42),
        (3, Decimal("1500"), Decimal("123456789012345678.25"), "нов\nстрока", "plain",
         datetime(2026, 7, 15, 12, 30, tzinfo=UTC), date(2026, 7, 15), {"k": ["a", "b"]}, 9007199254740993),
    ]
    assert str(loaded[0][1]) == "6.3942679846" and str(loaded[2][1]) == "1500.0000000000"  # the column's scale


def test_rounding_past_twenty_places_and_halves_go_away_from_zero():
    loaded = _load({
        "id": ["1", "2", "3", "4"],
        "amount": ["0.00000000015", "-2.00000000025", "0.000000000049999999999999999999", "1e-30"],
        "quantity": ["0.00000000005", "-0.00000000005", "7", "0"],
        "label": ["a"] * 4, "note": ["n"] * 4, "at": ["2026-01-01 00:00:00+00"] * 4, "day": ["2026-01-01"] * 4,
        "tags": ["{}"] * 4, "link": ["1"] * 4,
    })
    assert [row[1] for row in loaded] == [Decimal("0.0000000002"), Decimal("-2.0000000003"), Decimal(0), Decimal(0)]
    assert [row[2] for row in loaded] == [Decimal("0.0000000001"), Decimal("-0.0000000001"), Decimal(7), Decimal(0)]


def test_constant_and_empty_columns_are_shared_by_every_row_and_still_each_rows_value():
    loaded = _load({
        "id": ["1", "2"], "amount": ["1", "2"], "quantity": [None, None], "label": ["same", "same"], "note": ["", ""],
        "at": ["2026-01-01 00:00:00+00"] * 2, "day": ["2026-01-01"] * 2, "tags": ["{}", "{}"], "link": [None, None],
    })
    assert [(row[0], row[2], row[3], row[4], row[7], row[8]) for row in loaded] == [
        (1, None, "same", "", {}, None), (2, None, "same", "", {}, None)]


def test_a_value_no_numeric_column_can_hold_is_refused_by_name():
    with pytest.raises(EncodeError) as refused:
        _load({"id": ["1"], "amount": ["1e40"], "quantity": [None], "label": ["a"], "note": [None],
               "at": ["2026-01-01 00:00:00+00"], "day": ["2026-01-01"], "tags": ["{}"], "link": [None]})
    assert (refused.value.column, refused.value.value) == ("amount", "1e40")


def test_fixed_never_null_columns_lead_each_row_in_the_copy_column_order():
    encoder = RowEncoder([(name, kind, nullable, scale) for name, _sql, kind, nullable, scale in COLUMNS])
    assert encoder.order == ["id", "amount", "at", "day", "quantity", "label", "note", "tags", "link"]
    row = encoder.encode({name: pa.array([value], pa.string()) for name, value in (
        ("id", "7"), ("amount", "1"), ("quantity", None), ("label", "ab"), ("note", None),
        ("at", "2000-01-01 00:00:00+00"), ("day", "2000-01-01"), ("tags", "{}"), ("link", None))})[0].as_py()
    # 9 fields; id 7; 1 as numeric (4 digits: the unit digit, weight 0, then three of fraction, dscale 10);
    # epoch 0; day 0; NULL; "ab"...
    numeric_one = (b"\x00\x00\x00\x10" + b"\x00\x04\x00\x00\x00\x00\x00\x0a"
                   + b"\x00\x01" + b"\x00\x00" * 3)
    assert row == (b"\x00\x09" + b"\x00\x00\x00\x08" + (7).to_bytes(8, "big") + numeric_one
                   + b"\x00\x00\x00\x08" + bytes(8) + b"\x00\x00\x00\x04" + bytes(4)
                   + NULL + b"\x00\x00\x00\x02ab" + NULL + b"\x00\x00\x00\x03\x01{}" + NULL)


def test_a_batch_writes_as_many_whole_digits_as_its_largest_value_needs():
    """Digits before the point per batch and column: 1 for values under 10 000, 2 for one of 12 345.6, 5 for one
    beyond an int64 at scale 10; every value reads back exactly, negative and fractional ones included."""
    encoder = RowEncoder([("amount", Kind.NUMERIC, False, 10)])
    for values, digits in ((["0.5", "-9999.9999999999"], 4), (["1", "-12345.6"], 5),
                           (["123456789012345678.25", "-0.0000000001"], 8)):
        rows = encoder.encode({"amount": pa.array(values, pa.string())}).to_pylist()
        assert {row[6:8] for row in rows} == {digits.to_bytes(2, "big")}  # the digit count of every value
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE _widths (amount numeric(30, 10) NOT NULL)")
            with cursor.cursor.copy("COPY _widths (amount) FROM STDIN (FORMAT binary)") as copy:
                copy.write(SIGNATURE + b"".join(rows) + TRAILER)
            cursor.execute("SELECT amount FROM _widths")
            assert [row[0] for row in cursor.fetchall()] == [Decimal(v) for v in values]
            cursor.execute("DROP TABLE _widths")


@pytest.mark.parametrize(("db_type", "kind"), [
    ("bigint", Kind.INT8), ("numeric(30, 10)", Kind.NUMERIC), ("timestamp with time zone", Kind.TIMESTAMPTZ),
    ("date", Kind.DATE), ("jsonb", Kind.JSONB), ("text", Kind.TEXT), ("varchar(255)", Kind.TEXT)])
def test_kinds_of_the_sql_types(db_type, kind):
    assert kind_of(db_type) == kind


def test_a_type_without_an_encoding_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="boolean"):
        kind_of("boolean")


def test_a_timestamp_or_date_text_that_cannot_be_read_is_refused_by_name_and_value():
    with pytest.raises(EncodeError) as refused:
        _load({"id": ["1", "2"], "amount": ["1", "2"], "quantity": [None, None], "label": ["a", "b"],
               "note": [None, None], "at": ["2026-01-01 00:00:00+00", "999-01-01 00:00:00+00"],
               "day": ["2026-01-01", "2026-01-01"], "tags": ["{}", "{}"], "link": [None, None]})
    assert (refused.value.column, refused.value.value) == ("at", "999-01-01 00:00:00+00")


def test_a_null_in_a_never_null_column_is_refused_not_written_as_zero():
    with pytest.raises(EncodeError) as refused:
        _load({"id": ["1", "2"], "amount": ["1", None], "quantity": [None, None], "label": ["a", "b"],
               "note": [None, None], "at": ["2026-01-01 00:00:00+00"] * 2, "day": ["2026-01-01"] * 2,
               "tags": ["{}", "{}"], "link": [None, None]})
    assert (refused.value.column, refused.value.value) == ("amount", "NULL")


def _random_batch(rng, n: int, *, sliced: bool) -> dict[str, pa.Array]:
    """Text columns as the importer's batches hold them: NULLs, empty and Cyrillic values, constant and all-NULL
    columns; ``sliced`` takes them from the middle of longer arrays (offsets and validity bits not at 0)."""
    def word():
        return "".join(rng.choice("ab я\t\\\"") for _ in range(rng.randint(0, 9)))

    columns = {
        "id": [str(i + 1) for i in range(n)],
        "amount": [f"{rng.uniform(-5000, 5000):.10f}" for _ in range(n)],
        "quantity": [None if rng.random() < 0.3 else f"{rng.uniform(0, 10 ** 6):.4f}" for _ in range(n)],
        "label": [word() for _ in range(n)],
        "note": [None if rng.random() < 0.4 else word() for _ in range(n)],
        "at": [f"2026-01-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:00:00+00" for _ in range(n)],
        "day": ["2026-01-02"] * n,
        "tags": [rng.choice(['{"env": "prod"}', "{}", '{"k": "я"}']) for _ in range(n)],
        "link": [None if rng.random() < 0.5 else str(rng.randint(0, 10 ** 12)) for _ in range(n)],
    }
    if not sliced:
        return {name: pa.array(values, pa.string()) for name, values in columns.items()}
    return {name: pa.array([values[0], *values, None], pa.string()).slice(1, n) for name, values in columns.items()}


@pytest.mark.parametrize("sliced", [False, True])
def test_the_compiled_block_is_byte_for_byte_the_rows_arrow_joins(sliced, monkeypatch):
    """``encode_block`` (the compiled assembler) against ``encode`` (Arrow's join of the same pieces) on random
    batches; without the compiled module ``encode_block`` falls back to the join, with the same bytes."""
    import random

    from apps.common import pgbinary

    assert pgbinary._join_rows is not None, "infrazen_native is not installed: run make install"
    encoder = RowEncoder([(name, kind, nullable, scale) for name, _sql, kind, nullable, scale in COLUMNS])
    rng = random.Random(7)
    batches = [_random_batch(rng, n, sliced=sliced) for n in (1, 2, 17, 300)]
    compiled = [encoder.encode_block(batch) for batch in batches]
    for batch, block in zip(batches, compiled, strict=True):
        assert block == b"".join(encoder.encode(batch).to_pylist())
    monkeypatch.setattr(pgbinary, "_join_rows", None)
    assert [bytes(encoder.encode_block(batch)) for batch in batches] == compiled


def test_a_compiled_block_reads_back_as_the_text_input_would():
    encoder = RowEncoder([(name, kind, nullable, scale) for name, _sql, kind, nullable, scale in COLUMNS])
    values = {
        "id": ["1", "2"], "amount": ["6.3942679846", "-1.5"], "quantity": [None, "123456789012345678.25"],
        "label": ["нов\nстрока", ""], "note": ["", None], "at": ["2026-01-01 00:00:00+00"] * 2,
        "day": ["2026-01-01", "1999-12-31"], "tags": ['{"env": "prod"}', "{}"], "link": ["42", None],
    }
    block = encoder.encode_block({name: pa.array(column, pa.string()) for name, column in values.items()})
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE _block ({})".format(
            ", ".join(f"{name} {sql}" for name, sql, *_rest in COLUMNS)))
        with cursor.cursor.copy(f"COPY _block ({', '.join(encoder.order)}) FROM STDIN (FORMAT binary)") as copy:
            copy.write(SIGNATURE + block + TRAILER)
        cursor.execute("SELECT id, amount, quantity, label, note, day, tags::text, link FROM _block ORDER BY id")
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE _block")
    assert rows == [
        (1, Decimal("6.3942679846"), None, "нов\nстрока", "", date(2026, 1, 1), '{"env": "prod"}', 42),
        (2, Decimal("-1.5"), Decimal("123456789012345678.25"), "", None, date(1999, 12, 31), "{}", None),
    ]


def test_the_compiled_assembler_refuses_parts_that_do_not_fit_the_rows():
    from apps.common import pgbinary

    offsets = np.array([0, 1, 2], dtype=np.int32)
    with pytest.raises(ValueError, match="records too short"):
        pgbinary._join_rows(3, [(1, np.zeros(2, dtype="V8"), 8, None, 0)])
    with pytest.raises(ValueError, match="too short"):  # 3 rows need 4 offsets
        pgbinary._join_rows(3, [(2, offsets, b"ab", None, 0, b"")])
    with pytest.raises(ValueError, match="beyond data"):
        pgbinary._join_rows(2, [(2, offsets, b"a", None, 0, b"")])
    assert pgbinary._join_rows(2, [(0, b"c"), (2, offsets, b"ab", None, 0, b"\x01")]) == (
        b"c\x00\x00\x00\x02\x01a" + b"c\x00\x00\x00\x02\x01b")


def test_an_exponent_arrows_parser_would_crash_on_is_read_by_python():
    """pyarrow's decimal parser crashes the process (SIGSEGV) on "1e-4918263" (found by a random search over number
    strings; a fresh interpreter shows it every time): such a value is read with Python's ``decimal`` (0 at scale 10,
    exactly as PostgreSQL's numeric input reads it) and one no numeric column holds is refused by name, as any
    other. Run in a fresh interpreter, where the crash showed."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import pyarrow as pa\n"
        "from apps.common.pgbinary import EncodeError, decimals_read\n"
        "print(decimals_read(pa.array(['1e-4918263', '2.5', '-1E-4918263', None]), 10, 'amount').to_pylist())\n"
        "from apps.common.pgbinary import decimal_cast\n"
        "try:\n"
        "    decimal_cast(pa.array(['1', '1e-491826389']), pa.decimal128(38, 10))\n"
        "except pa.ArrowInvalid:\n"
        "    print('refused')\n"
        "try:\n"
        "    decimals_read(pa.array(['1e4918263']), 10, 'amount')\n"
        "except EncodeError as exc:\n"
        "    print(exc.column)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.splitlines() == [
        "[Decimal('0E-10'), Decimal('2.5000000000'), Decimal('0E-10'), None]", "refused", "amount"]


def test_the_native_readers_exact_arithmetic_falls_back_on_such_an_exponent():
    from apps.costs.importers.native_common import to_decimals

    assert to_decimals(pa.array(["1e-4918263"])) is None  # Python's decimal reads it (``combine``)
