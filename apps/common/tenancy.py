"""Cross-organization sweeps without visiting every schema: which organizations have a row matching a filter, asked of
250 schemas per query.

The worker's minute and five-minute schedules (alerts to deliver, reports due) used to switch into every
organization's schema to ask one question; at 1 000 organizations that is 1 000 round trips a minute for what is
usually no work at all. ``schemas_having`` asks them all at once from the public schema: one ``EXISTS`` per schema,
``UNION ALL``-ed, on the same SQL Django would run in each schema.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name, get_tenant_model

CHUNK = 250


def quote_identifier(name: str) -> str:
    """A schema, table or column name quoted for SQL (a double quote inside doubled)."""
    return '"' + name.replace('"', '""') + '"'


_q = quote_identifier


def organization_schemas() -> list[str]:
    """Every organization's schema (the public schema and the template aside), read from the public schema."""
    public = get_public_schema_name()
    return list(get_tenant_model().objects.exclude(schema_name=public).order_by("pk")
                .values_list("schema_name", flat=True))


def schemas_having(queryset: QuerySet, schemas: Iterable[str] | None = None) -> list[str]:
    """The schemas (in the given order, default every organization) in which ``queryset`` has a row.

    ``queryset`` is a filter on one tenant table (no join: its SQL names the table once, in FROM)."""
    schemas = organization_schemas() if schemas is None else list(schemas)
    if not schemas:
        return []
    table = queryset.model._meta.db_table
    sql, params = queryset.order_by().values("pk")[:1].query.sql_with_params()
    source = f"FROM {_q(table)}"
    if sql.count(source) != 1 or " JOIN " in sql:
        raise ValueError(f"schemas_having needs a filter on {table} alone: {sql}")
    found: list[str] = []
    with connection.cursor() as cursor:
        for start in range(0, len(schemas), CHUNK):
            chunk = schemas[start:start + CHUNK]
            parts, values = [], []
            for schema in chunk:
                qualified = sql.replace(source, f"FROM {_q(schema)}.{_q(table)} AS {_q(table)}")
                parts.append(f"SELECT %s WHERE EXISTS ({qualified})")  # noqa: S608 - catalog names, quoted
                values.extend([schema, *params])
            cursor.execute(" UNION ALL ".join(parts), values)
            found.extend(row[0] for row in cursor.fetchall())
    having = set(found)
    return [schema for schema in schemas if schema in having]
