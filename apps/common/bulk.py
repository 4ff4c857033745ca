"""Bulk writes with PostgreSQL COPY: one statement per table however many rows, the rows streamed.

``bulk_copy`` inserts model instances taken one at a time from any iterable (a generator keeps
memory flat); ``bulk_copy_upsert`` does the same through a temporary table and one
``INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING``. Values go through each field's
``pre_save``/``get_db_prep_save`` exactly as ``Model.save`` would send them (JSON, decimals, aware
datetimes), primary keys come from the table's sequence. Each COPY is recorded in
``connection.queries_log`` when queries are logged, so query counts stay honest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

logger = logging.getLogger(__name__)


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
    """INSERT the objects of ``objs`` (consumed once) with one COPY; returns how many were written.

    A model with rows in another table that its rows point at (``CostRecord``'s tag sets) defines the class method
    ``bulk_copy_rows(objs) -> (objs, after)``: it sees each object as it goes, and ``after()`` writes those rows
    once the COPY is done (the connection is busy until then)."""
    connection = connections[using]
    concrete = _fields(model)
    hook = getattr(model, "bulk_copy_rows", None)
    after = None
    if hook is not None:
        objs, after = hook(objs)
    with connection.cursor() as cursor:
        written = _copy(cursor, connection, model._meta.db_table, [f.column for f in concrete],
                        _rows(objs, concrete, connection))
    if after is not None:
        after()
    return written


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


def secondary_indexes_drop(cur, table: str, *, keep: Collection[str] = ()) -> list[str]:
    """Drop the non-unique indexes of ``table``; returns the statements that recreate them identically (run
    inside the same transaction, so other sessions never see the table without them): for a bulk load, where
    building an index once is several times cheaper than maintaining it row by row. ``cur`` is a DB-API cursor
    (Django's or psycopg's).

    Partial indexes stay: most loads hold no row they cover (the ledger's FOCUS 1.3 allocation), and keeping one
    costs a test of its condition per row, while rebuilding it costs a scan of the whole table. So do the indexes
    named in ``keep``: the caller knows the load maintains them cheaply (a few keys, each on many rows)."""
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class ic ON ic.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary AND i.indpred IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
        "AND ic.relname <> ALL(%s::text[]) ORDER BY 1", [table, list(keep)])
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


def side_connection(*, autocommit: bool = False, using: str = DEFAULT_DB_ALIAS) -> psycopg.Connection:
    """A second psycopg connection to the database of ``using``, outside Django's transaction (its commits are seen
    while the caller's transaction is still open). The backend's own parameters: they include OPTIONS (the embedded
    demo database passes its socket directory as OPTIONS["host"], which settings_dict["HOST"] alone would miss).
    Raises ``psycopg.Error`` when it cannot connect (within ``connect_timeout``, 5 s unless OPTIONS says)."""
    params = connections[using].get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    params.setdefault("connect_timeout", 5)
    return psycopg.connect(**params, autocommit=autocommit)


class IdBlocks:
    """Primary keys for a bulk COPY, reserved from the table's own sequence in blocks, so the rows carry their ids
    in the stream and the server evaluates no ``nextval`` per row (a sixth of the server's COPY of the ledger).

    A block is reserved on a connection of its own, in a transaction of a few milliseconds: ``ALTER SEQUENCE``
    takes the lock that makes every other ``nextval`` wait, ``nextval`` and ``setval`` move the sequence past the
    block, and the commit lets the others go on above it. So the ids are the sequence's, contiguous, above every id
    given before, whoever else inserts meanwhile; the COPY's own transaction never holds that lock. Ids a block
    reserved and the load did not use are left unused (a gap in a bigint sequence).

    ``IdBlocks.open`` returns None where a reservation cannot be made (the table is not yet visible to another
    connection, the role does not own the sequence, this transaction already holds the sequence's lock): the load
    then lets the column default draw its ids, as before."""

    # How long a reservation waits for the sequence's lock (another transaction that drew ids holds it until it
    # ends): the first briefly (then the default gives the ids), a later one longer (the load cannot change course).
    LOCK_TIMEOUT = "2s"
    LATER_LOCK_TIMEOUT = "60s"

    def __init__(self, side, sequence: str):
        self._side, self._sequence = side, sequence
        self._next = self._stop = 0

    @classmethod
    def open(cls, table: str, *, first_block: int, column: str = "id", using: str = DEFAULT_DB_ALIAS
             ) -> IdBlocks | None:
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
            if sequence is None:
                return None
            # A lock this transaction holds on the sequence (a row inserted earlier in it) would make the side
            # connection's ALTER wait for us while we wait for it.
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = pg_backend_pid() "
                           "AND locktype = 'relation' AND relation = %s::regclass)", [sequence])
            if cursor.fetchone()[0]:
                return None
        try:
            side = side_connection(using=using)
        except psycopg.Error:  # no second connection: the default ids
            logger.info("bulk ids: no second connection, the sequence default gives the ids", exc_info=True)
            return None
        blocks = cls(side, sequence)
        try:
            blocks._reserve(first_block)
        except psycopg.Error:  # not visible, not the owner, a lock not granted: the default ids
            logger.info("bulk ids: no block reserved from %s, the sequence default gives the ids", sequence,
                        exc_info=True)
            blocks.close()
            return None
        return blocks

    def _reserve(self, count: int, *, lock_timeout: str = LOCK_TIMEOUT) -> None:
        with self._side.transaction(), self._side.cursor() as cur:
            cur.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
            cur.execute(f"ALTER SEQUENCE {self._sequence} INCREMENT BY 1")  # the lock: others' nextval waits
            cur.execute("SELECT nextval(%s::regclass)", [self._sequence])
            first = cur.fetchone()[0]
            if count > 1:
                cur.execute("SELECT setval(%s::regclass, %s)", [self._sequence, first + count - 1])
        self._next, self._stop = first, first + count

    def take(self, count: int, *, block: int) -> list[tuple[int, int]]:
        """``count`` ids as half-open ranges ``[(start, stop), ...]`` (two when the block runs out on the way;
        a new block holds at least ``block`` ids)."""
        ranges = []
        while count:
            if self._next == self._stop:
                self._reserve(max(count, block), lock_timeout=self.LATER_LOCK_TIMEOUT)
            n = min(count, self._stop - self._next)
            ranges.append((self._next, self._next + n))
            self._next += n
            count -= n
        return ranges

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None
