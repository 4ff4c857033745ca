"""Bulk writes with PostgreSQL COPY: one statement per table however many rows, the rows streamed.

``bulk_copy`` inserts model instances taken one at a time from any iterable (a generator keeps
memory flat); ``bulk_copy_upsert`` does the same through a temporary table and one
``INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING``. Values go through each field's
``pre_save``/``get_db_prep_save`` exactly as ``Model.save`` would send them (JSON, decimals, aware
datetimes), primary keys come from the table's sequence. Each COPY is recorded in
``connection.queries_log`` when queries are logged, so query counts stay honest.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model


def _fields(model: type[Model]):
    """Every column but the primary key, which the table's sequence fills."""
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _rows(objs: Iterable[Model], fields, connection) -> Iterable[list[Any]]:
    for obj in objs:
        yield [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _copy(cursor, connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    qn = connection.ops.quote_name
    sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
    started = time.monotonic()
    count = 0
    with cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"{sql} -- {count} rows", "time": f"{time.monotonic() - started:.3f}"})
    return count


def bulk_copy(model: type[Model], objs: Iterable[Model], *, using: str = DEFAULT_DB_ALIAS) -> int:
    """INSERT the objects of ``objs`` (consumed once) with one COPY; returns how many were written."""
    connection = connections[using]
    concrete = _fields(model)
    with connection.cursor() as cursor:
        return _copy(cursor, connection, model._meta.db_table, [f.column for f in concrete],
                     _rows(objs, concrete, connection))


def bulk_copy_upsert(model: type[Model], objs: Iterable[Model], *, unique_fields: Sequence[str],
                     update_fields: Sequence[str] = (), returning: Sequence[str] = ("pk",),
                     using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
    """Insert or update (on ``unique_fields``) the objects of ``objs`` in four statements whatever their
    number; returns the ``returning`` columns of every row written. Without ``update_fields`` a row that
    already exists is left as it is (and not returned). Call inside a transaction."""
    connection = connections[using]
    qn = connection.ops.quote_name
    opts = model._meta
    concrete = _fields(model)
    columns = [f.column for f in concrete]
    table = opts.db_table
    staging = f"_bulk_{table}"
    conflict = ", ".join(qn(opts.get_field(name).column) for name in unique_fields)
    updates = ", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in (opts.get_field(n).column for n in update_fields))
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    back = ", ".join(qn(opts.pk.column if name == "pk" else opts.get_field(name).column) for name in returning)
    column_list = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        # Column types only (no defaults: a default would draw from the real table's sequence).
        cursor.execute(f"CREATE TEMPORARY TABLE {qn(staging)} ON COMMIT DROP AS "  # noqa: S608 - model names
                       f"SELECT {column_list} FROM {qn(table)} WITH NO DATA")
        _copy(cursor, connection, staging, columns, _rows(objs, concrete, connection))
        cursor.execute(f"INSERT INTO {qn(table)} ({column_list}) SELECT {column_list} FROM {qn(staging)} "  # noqa: S608
                       f"ON CONFLICT ({conflict}) {action} RETURNING {back}")
        written = cursor.fetchall()
        cursor.execute(f"DROP TABLE {qn(staging)}")
    return written


def secondary_indexes_drop(cur, table: str) -> list[str]:
    """Drop the non-unique indexes of ``table``; returns the statements that recreate them identically (run
    inside the same transaction, so other sessions never see the table without them): for a bulk load, where
    building an index once is several times cheaper than maintaining it row by row. ``cur`` is a DB-API cursor
    (Django's or psycopg's).

    Partial indexes stay: most loads hold no row they cover (the ledger's FOCUS 1.3 allocation), and keeping one
    costs a test of its condition per row, while rebuilding it costs a scan of the whole table."""
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary AND i.indpred IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
        "ORDER BY 1", [table])
    indexes = cur.fetchall()
    for name, _definition in indexes:
        cur.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes]


def bulk_load_pays(cur, table: str, rows: float, *, min_rows: int, share: float = 0.5) -> bool:
    """Whether a load of ``rows`` rows into ``table`` is large in itself (``min_rows``) and against the rows already
    there (``share`` of them, by the planner's statistics): then dropping the secondary indexes before it and
    rebuilding them after (``secondary_indexes_drop``) is cheaper than maintaining them, since a rebuild costs the
    whole table."""
    if rows < min_rows:
        return False
    cur.execute("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", [table])
    return rows >= share * cur.fetchone()[0]


@contextmanager
def local_settings(cur, **values: str) -> Iterator[None]:
    """Server settings (``work_mem="256MB"``, ``enable_sort="off"``) for the statements inside the block, put back
    as they were after it; transaction-local (``set_config(..., true)``), so never beyond the transaction."""
    if not values:
        yield
        return
    names = list(values)
    cur.execute("SELECT " + ", ".join("current_setting(%s)" for _name in names), names)
    previous = cur.fetchone()
    for name, value in values.items():
        cur.execute("SELECT set_config(%s, %s, true)", [name, value])
    try:
        yield
    finally:
        for name, value in zip(names, previous, strict=True):
            cur.execute("SELECT set_config(%s, %s, true)", [name, value])
