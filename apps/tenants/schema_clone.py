"""A new organization's schema, cloned from the template schema in one round trip, at any number of organizations.

django-tenants clones with a 4 600-line PL/pgSQL function that reads ``information_schema`` for every table; those
views scan the whole catalog, so a new organization took 0.4 s at 5 organizations and 14 s at 270 (the catalog
grows by ~250 relations per organization). Here the template is read once per process and per template state
(its applied migrations) from ``pg_catalog`` by namespace, into a *blueprint*: the ordered DDL and data copies that
rebuild it under another name. Creating an organization then runs that script: a cost independent of how many
organizations exist (``benchmarks/tenants_scale.py``).

What the blueprint reproduces exactly, with the template's names (later migrations drop and alter by name):
tables (columns, defaults, identity, NOT NULL, storage), primary keys, unique, check and exclusion constraints,
indexes, foreign keys (to the new schema's tables, or to the public schema's), and the template's rows (its
``django_migrations`` records, content types, built-in allocation dimensions...) with their identity sequences.
A template holding anything else (views, functions, triggers, sequences of its own, partitioned tables, types)
falls back to django-tenants' clone, which copies those too.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_exists

from apps.common.tenancy import quote_identifier as _q

from .migration import schemas_behind

logger = logging.getLogger(__name__)

SCHEMA = "\x00schema\x00"  # stands for the new schema's quoted name in blueprint SQL (SQL text never holds NUL)
_REFERENCES_RE = re.compile(r"REFERENCES (?:\"[^\"]+\"|[^\s(]+)\(")
_INDEX_ON_RE = re.compile(r"^(CREATE (?:UNIQUE )?INDEX \S+ ON (?:ONLY )?)(\"[^\"]+\"|\w+)\.")


@dataclass(frozen=True)
class Blueprint:
    key: tuple
    sql: str | None  # None: the template holds objects this clone does not rebuild (use django-tenants' clone)
    reason: str = ""

    def for_schema(self, schema: str) -> str:
        return self.sql.replace(SCHEMA, _q(schema))


_lock = threading.Lock()
_cache: dict[str, Blueprint] = {}


def _template_key(cursor, template: str) -> tuple:
    """What the blueprint depends on: the template's migrations, which are the only way it changes. (Counting its
    catalog objects too would scan pg_class: ~50 ms at 1 000 organizations, on every new organization.)"""
    cursor.execute(
        f"SELECT count(*), max(id), max(applied) FROM {_q(template)}.django_migrations"  # noqa: S608 - our schema
    )
    return (template, *cursor.fetchone())


def blueprint_forget() -> None:
    """Drop the cached blueprints (after changing a template schema by hand)."""
    with _lock:
        _cache.clear()


def _namespace(cursor, schema: str) -> int:
    cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [schema])
    return cursor.fetchone()[0]


def _unsupported(cursor, namespace: int) -> str:
    """What the template holds that the blueprint cannot rebuild ('' when nothing)."""
    cursor.execute(
        """
        SELECT 'relation ' || c.relname || ' of kind ' || c.relkind::text FROM pg_class c
         WHERE c.relnamespace = %(ns)s AND c.relkind NOT IN ('r', 'i', 'S', 't')
        UNION ALL
        SELECT 'sequence ' || c.relname FROM pg_class c
         WHERE c.relnamespace = %(ns)s AND c.relkind = 'S'
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND d.deptype = 'i')
        UNION ALL
        SELECT 'function ' || p.proname FROM pg_proc p WHERE p.pronamespace = %(ns)s
        UNION ALL
        SELECT 'trigger ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = %(ns)s AND NOT t.tgisinternal
        UNION ALL
        SELECT 'type ' || t.typname FROM pg_type t
         WHERE t.typnamespace = %(ns)s AND t.typtype IN ('e', 'd', 'r', 'm')
           OR (t.typnamespace = %(ns)s AND t.typtype = 'c'
               AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'r'))
        UNION ALL
        SELECT 'policy ' || p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
         WHERE c.relnamespace = %(ns)s
        UNION ALL
        SELECT 'inherited table ' || c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE c.relnamespace = %(ns)s
        LIMIT 1
        """,
        {"ns": namespace},
    )
    row = cursor.fetchone()
    return row[0] if row else ""


def _build(cursor, template: str, key: tuple) -> Blueprint:
    namespace = _namespace(cursor, template)
    reason = _unsupported(cursor, namespace)
    if reason:
        return Blueprint(key=key, sql=None, reason=reason)
    source = _q(template)
    statements = [f"CREATE SCHEMA {SCHEMA}"]

    cursor.execute(
        "SELECT oid, relname FROM pg_class WHERE relnamespace = %s AND relkind = 'r' ORDER BY relname", [namespace]
    )
    tables = cursor.fetchall()
    for _oid, name in tables:
        # Columns, NOT NULL, defaults, identity (a new sequence of its own), generated columns, storage: no
        # constraints or indexes, which follow with their original names.
        statements.append(
            f"CREATE TABLE {SCHEMA}.{_q(name)} (LIKE {source}.{_q(name)} INCLUDING DEFAULTS INCLUDING IDENTITY "
            f"INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION)"
        )

    # The template's rows (before indexes: cheaper), then its identity sequences where they are.
    for oid, name in tables:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {source}.{_q(name)})")  # noqa: S608 - catalog names
        if not cursor.fetchone()[0]:
            continue
        cursor.execute(
            "SELECT attname, attidentity <> '' FROM pg_attribute WHERE attrelid = %s AND attnum > 0 "
            "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
            [oid],
        )
        columns = cursor.fetchall()
        column_list = ", ".join(_q(column) for column, _identity in columns)
        copy = f"SELECT {column_list} FROM {source}.{_q(name)}"  # noqa: S608 - catalog names, quoted
        statements.append(f"INSERT INTO {SCHEMA}.{_q(name)} ({column_list}) OVERRIDING SYSTEM VALUE {copy}")
        for column, identity in columns:
            if not identity:
                continue
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [f"{source}.{_q(name)}", column])
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 - from the catalog
            last_value, is_called = cursor.fetchone()
            statements.append(
                f"SELECT setval(pg_get_serial_sequence('{SCHEMA}.{_q(name)}'::text, '{column}'), "
                f"{int(last_value)}, {'true' if is_called else 'false'})"
            )

    # Primary keys, unique, exclusion and check constraints (with the index each one owns), by name.
    cursor.execute(
        """
        SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
         WHERE k.connamespace = %s AND k.contype IN ('p', 'u', 'x', 'c')
         ORDER BY array_position(ARRAY['p', 'u', 'x', 'c']::"char"[], k.contype), c.relname, k.conname
        """,
        [namespace],
    )
    for table, name, definition in cursor.fetchall():
        statements.append(f"ALTER TABLE {SCHEMA}.{_q(table)} ADD CONSTRAINT {_q(name)} {definition}")

    # Indexes that no constraint owns: pg_get_indexdef always qualifies the table with its schema.
    cursor.execute(
        """
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relnamespace = %s
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
                              AND k.contype IN ('p', 'u', 'x'))
         ORDER BY c.relname
        """,
        [namespace],
    )
    for (definition,) in cursor.fetchall():
        rewritten, count = _INDEX_ON_RE.subn(lambda m: m.group(1) + SCHEMA + ".", definition, count=1)
        if not count:
            return Blueprint(key=key, sql=None, reason=f"index definition not understood: {definition}")
        statements.append(rewritten)

    # Foreign keys last, each pointing at the new schema's table (or wherever outside the template it pointed).
    cursor.execute(
        """
        SELECT c.relname, k.conname, pg_get_constraintdef(k.oid), r.relname, rn.nspname, rn.oid = %(ns)s
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
          JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
         WHERE k.connamespace = %(ns)s AND k.contype = 'f'
         ORDER BY c.relname, k.conname
        """,
        {"ns": namespace},
    )
    for table, name, definition, target, target_schema, internal in cursor.fetchall():
        reference = f"{SCHEMA if internal else _q(target_schema)}.{_q(target)}"
        rewritten, count = _REFERENCES_RE.subn(lambda m, ref=reference: f"REFERENCES {ref}(", definition, count=1)
        if not count:
            return Blueprint(key=key, sql=None, reason=f"foreign key not understood: {definition}")
        statements.append(f"ALTER TABLE {SCHEMA}.{_q(table)} ADD CONSTRAINT {_q(name)} {rewritten}")
    return Blueprint(key=key, sql=";\n".join(statements) + ";")


def blueprint(*, template: str | None = None) -> Blueprint:
    """The template's blueprint, rebuilt when the template's migrations change (and migrated first if behind)."""
    template = template or settings.TENANT_BASE_SCHEMA
    if not schema_exists(template):
        _migrate_template()
    with connection.cursor() as cursor:
        key = _template_key(cursor, template)
        cached = _cache.get(template)
        if cached is not None and cached.key == key:
            return cached
    current = not schemas_behind([template])  # every app's latest migration recorded there
    with _lock:
        if not current:
            _migrate_template()
        with connection.cursor() as cursor:  # a new cursor: migrating may have replaced the connection
            built = _build(cursor, template, _template_key(cursor, template))
        if built.sql is None:
            logger.warning("The template schema is cloned by django-tenants (slower): it holds a %s.", built.reason)
        _cache[template] = built
        return built


def _migrate_template() -> None:
    previous = connection.tenant
    template_schema_migrate(verbosity=0)
    connection.set_tenant(previous)


def template_schema_migrate(*, verbosity: int = 0) -> None:
    """New organizations are clones of this schema, so it must always be fully migrated."""
    schema = settings.TENANT_BASE_SCHEMA
    if not schema_exists(schema):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema}"')
    call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=verbosity)
    connection.set_schema_to_public()


def schema_clone(schema: str, *, template: str | None = None) -> None:
    """Create ``schema`` as a copy of the template schema (structure, names and rows), in the current transaction."""
    template = template or settings.TENANT_BASE_SCHEMA
    plan = blueprint(template=template)
    if plan.sql is None:
        from django_tenants.clone import CloneSchema

        CloneSchema().clone_schema(template, schema)
        return
    with connection.cursor() as cursor:
        cursor.execute(plan.for_schema(schema))
