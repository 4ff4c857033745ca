"""A new organization's schema is an exact copy of the template schema, and migrating skips up-to-date schemas."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.signals import schema_pre_migration
from django_tenants.utils import schema_context

from apps.tenants import schema_clone
from apps.tenants.migration import latest_migrations, schemas_behind
from apps.tenants.services import organization_create

TEMPLATE = "tenant_template"

# Everything a later migration can refer to by name, with the schema left out: tables and columns (type, NOT NULL,
# default, identity), constraints and indexes with their definitions, foreign keys with their targets.
SIGNATURE_SQL = """
SELECT 'column', c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END || ' ' || a.attidentity::text || ' '
       || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = %(ns)s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint', c.relname || '.' || k.conname || ' ' || k.contype::text || ' '
       || regexp_replace(pg_get_constraintdef(k.oid), 'REFERENCES [^(]+\\.', 'REFERENCES ')
       || coalesce(' -> ' || rn.nspname || '.' || r.relname, '')
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
  LEFT JOIN pg_class r ON r.oid = k.confrelid LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
 WHERE k.connamespace = %(ns)s
UNION ALL
SELECT 'index', i.relname || ' ' || regexp_replace(pg_get_indexdef(i.oid), ' ON \\S+\\.', ' ON ')
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE i.relnamespace = %(ns)s
"""


def _signature(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [schema])
        cursor.execute(SIGNATURE_SQL, {"ns": cursor.fetchone()[0]})
        rows = [f"{kind} {text}" for kind, text in cursor.fetchall()]
    # A foreign key into the template reads as one into the new schema. A partial index's predicate, parsed again,
    # may come back with its casts in other places (same meaning): compared without casts and parentheses.
    return sorted(
        _without_casts(row.replace(f"-> {schema}.", "-> <self>.").replace(f"-> {TEMPLATE}.", "-> <self>."))
        for row in rows
    )


def _without_casts(row: str) -> str:
    if " WHERE " not in row:
        return row
    head, predicate = row.split(" WHERE ", 1)
    return head + " WHERE " + re.sub(r"::[a-z ]+(\[\])?|[()\s]", "", predicate)


def _rows(schema: str, table: str, order: str = "id") -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{schema}"."{table}" ORDER BY {order}')  # noqa: S608 - test constants
        return cursor.fetchall()


def test_a_new_organization_schema_is_the_template_under_another_name(w):
    organization = organization_create(slug="clone-check", name="Clone check")
    schema = organization.schema_name
    template = _signature(TEMPLATE)
    assert len([row for row in template if row.startswith("constraint")]) > 50  # a real schema, not an empty one
    assert _signature(schema) == template
    # The template's rows come along: migration records, content types, the built-in allocation dimensions.
    assert _rows(schema, "django_migrations") == _rows(TEMPLATE, "django_migrations")
    assert _rows(schema, "django_content_type") == _rows(TEMPLATE, "django_content_type")
    dimensions = _rows(schema, "allocation_dimension")
    assert {row[1] for row in dimensions} >= {"business_unit", "environment", "owner"}
    assert dimensions == _rows(TEMPLATE, "allocation_dimension")


def test_copied_rows_keep_their_identity_sequences_going(w):
    from apps.allocation.models import Dimension

    organization = organization_create(slug="clone-seq", name="Clone seq")
    with schema_context(organization.schema_name):
        highest = Dimension.objects.order_by("-pk").values_list("pk", flat=True).first()
        created = Dimension.objects.create(key="team", name="Команда")
    assert created.pk == highest + 1


def test_foreign_keys_of_a_new_schema_point_at_its_own_tables(w):
    organization = organization_create(slug="clone-fk", name="Clone fk")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT rn.nspname FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid "
            "JOIN pg_namespace rn ON rn.oid = r.relnamespace "
            "WHERE k.contype = 'f' AND k.connamespace = %s::regnamespace",
            [organization.schema_name],
        )
        targets = {row[0] for row in cursor.fetchall()}
    assert organization.schema_name in targets
    assert TEMPLATE not in targets


def test_a_template_holding_a_view_is_cloned_by_django_tenants_with_the_view(w):
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE VIEW "{TEMPLATE}".migration_apps AS SELECT DISTINCT app FROM "{TEMPLATE}".django_migrations'
        )
    schema_clone.blueprint_forget()  # the template changed by hand: its blueprint is read again
    try:
        plan = schema_clone.blueprint()
        assert plan.sql is None and "migration_apps" in plan.reason
        organization = organization_create(slug="clone-view", name="Clone view")
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{organization.schema_name}".migration_apps')
            assert cursor.fetchone()[0] > 5
    finally:
        schema_clone.blueprint_forget()  # the view goes with the test's transaction


def test_a_missing_template_is_migrated_before_the_first_organization_is_cloned(w):
    with connection.cursor() as cursor:  # as on a database where migrate_platform never ran
        cursor.execute(f'DROP SCHEMA "{TEMPLATE}" CASCADE')
    schema_clone.blueprint_forget()
    try:
        organization = organization_create(slug="clone-fresh", name="Clone fresh")
        assert _rows(TEMPLATE, "django_migrations")  # migrated again
        assert _signature(organization.schema_name) == _signature(TEMPLATE)
    finally:
        schema_clone.blueprint_forget()


def test_migrate_schemas_runs_only_the_schemas_that_are_behind(w):
    app, name = next((app, name) for app, name in latest_migrations() if app == "sessions")
    # The sessions app has no table in an organization schema: applying its migration again only records it.
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{w.beta.schema_name}".django_migrations WHERE app = %s AND name = %s', [app, name]
        )
    schemas = [w.alpha.schema_name, w.beta.schema_name, w.gamma.schema_name]
    assert schemas_behind(schemas) == [w.beta.schema_name]

    migrated = []

    def record(sender, schema_name, **kwargs):
        migrated.append(schema_name)

    schema_pre_migration.connect(record)
    try:
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
    finally:
        schema_pre_migration.disconnect(record)
        connection.set_schema_to_public()
    assert migrated == [w.beta.schema_name]
    assert schemas_behind(schemas) == []


@pytest.mark.parametrize("option", [{"fake": True}, {"app_label": "audit"}])
def test_a_targeted_migrate_still_visits_every_schema(w, option):
    migrated = []

    def record(sender, schema_name, **kwargs):
        migrated.append(schema_name)

    schema_pre_migration.connect(record)
    try:
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0, **option)
    finally:
        schema_pre_migration.disconnect(record)
        connection.set_schema_to_public()
    assert {w.alpha.schema_name, w.beta.schema_name, w.gamma.schema_name} <= set(migrated)
