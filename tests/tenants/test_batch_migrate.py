"""``migrate_platform`` applies a new migration to every organization schema with the batch executor (one rendering
of the migration state, shared), as Django's own migrate would: in fresh ``manage.py`` processes against the test
database, with a probe tenant app whose migrations are written during the test."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.tenants.models import Organization
from benchmarks.scale_probe import TABLE, add_field, migrations_package, write_migration
from tests.processes import manage_process

pytestmark = pytest.mark.worker


def _migrate_platform(package, *options: str) -> str:
    env = {
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings_scale",
        "SCALE_PROBE_MIGRATIONS": str(package),
        "SCALE_PROBE_BASE_SETTINGS": "infrazen.settings.test",
    }
    with manage_process("migrate_platform", *options, env=env) as process:
        output, _ = process.communicate(timeout=240)
    assert process.returncode == 0, output
    return output


def _columns(schemas: list[str]) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, array_agg(column_name::text ORDER BY ordinal_position) "
            "FROM information_schema.columns WHERE table_name = %s AND table_schema = ANY(%s) GROUP BY 1",
            [TABLE, schemas],
        )
        return dict(cursor.fetchall())


def _recorded(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT name FROM "{schema}".django_migrations WHERE app = %s ORDER BY name', ["scale_probe"])
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def probe(world, django_db_blocker):
    """The probe's migrations package; afterwards its table and records are gone from every schema again."""
    with migrations_package() as package:
        yield package
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        schemas = [
            "tenant_template",
            *Organization.objects.exclude(schema_name="public").values_list("schema_name", flat=True),
        ]
        with connection.cursor() as cursor:
            for schema in schemas:
                cursor.execute(f'DROP TABLE IF EXISTS "{schema}".{TABLE}')
                cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s', ["scale_probe"])
            cursor.execute("DELETE FROM public.django_migrations WHERE app = %s", ["scale_probe"])


@pytest.mark.timeout(600)
def test_a_new_migration_reaches_every_schema_and_the_template(probe, django_db_blocker):
    with django_db_blocker.unblock():
        schemas = list(Organization.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
    assert len(schemas) >= 3

    output = _migrate_platform(probe)  # 0001: the table, in the template and in every organization
    assert f"and {len(schemas)} of {len(schemas)} organizations ({len(schemas)})." in output
    write_migration(probe, 2, add_field("weight"))
    output = _migrate_platform(probe, "--executor", "batch")
    assert f"and {len(schemas)} of {len(schemas)} organizations ({len(schemas)})." in output
    assert "the template schema (1)" in output

    with django_db_blocker.unblock():
        columns = _columns(["tenant_template", *schemas])
        assert columns == {schema: ["id", "text", "weight"] for schema in ["tenant_template", *schemas]}
        assert all(_recorded(schema) == ["0001_step", "0002_step"] for schema in schemas)
        # The public schema records the probe's migrations but holds no tenant table.
        assert _columns(["public"]) == {}
