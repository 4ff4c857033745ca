"""A scratch database for one benchmark, on the PostgreSQL server of DATABASE_URL.

``with scratch_database("infrazen_bench_x", keep=False) as admin:`` creates the database (or, with
``reuse``, takes one kept earlier), points DATABASE_URL at it, sets Django up with the local settings and,
on leaving, drops it unless ``keep``. ``admin`` is the psycopg connection keywords of the server's
``postgres`` database, for benchmarks that also talk to it directly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


@contextmanager
def scratch_database(
    name: str, *, keep: bool = False, reuse: bool = False, env: dict[str, str] | None = None
) -> Iterator[dict]:
    import environ

    server = environ.Env.db_url_config(os.environ.get("DATABASE_URL", DEFAULT_SERVER))
    host = server["HOST"] or "127.0.0.1"
    admin = dict(
        dbname="postgres",
        user=server["USER"] or "postgres",
        host=host,
        port=server["PORT"] or 5432,
        password=server["PASSWORD"] or None,
    )
    if not reuse:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = (
        f"postgres://{admin['user']}@/{name}?host={host}"
        if host.startswith("/")
        else f"postgres://{admin['user']}@{host}:{admin['port']}/{name}"
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "infrazen.settings.local"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.update(env or {})

    import django

    django.setup()
    try:
        yield admin
    finally:
        if not keep:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(**admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def insert_select_columns(model, explicit: dict[str, str]) -> tuple[list[str], list[str]]:
    """The columns of ``model`` (primary key aside) and, for each, a SQL expression: ``explicit`` by field name or
    attname, else NULL for a nullable column, ``{}`` for JSON, 0 for numbers, false for booleans, ``''`` for text.
    For the benchmarks' ``INSERT ... SELECT`` over ``generate_series``."""
    from django.db import connection, models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in explicit or field.attname in explicit:
            values.append(explicit.get(field.name) or explicit[field.attname])
        elif field.null:
            values.append("NULL")
        elif isinstance(field, models.JSONField):
            values.append("'{}'::jsonb")
        elif isinstance(field, models.DecimalField | models.IntegerField | models.BigIntegerField):
            values.append("0")
        elif isinstance(field, models.BooleanField):
            values.append("false")
        else:
            values.append("''")
    return columns, values


def tag_set_sql(combos: list[dict], index_sql: str) -> str:
    """A SQL expression for the ``TagSet`` id of ``combos[index]`` (``index_sql``: a 0-based SQL expression, with
    ``%%`` for ``%``), the sets stored first: the ledger's rows carry their tags as a set id."""
    from apps.costs.models import TagSet, tag_set_id

    TagSet.objects.ensure(combos)
    ids = ", ".join(str(tag_set_id(combo)) for combo in combos)
    return f"(ARRAY[{ids}]::bigint[])[1 + ({index_sql})]"
