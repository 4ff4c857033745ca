"""Migrating a thousand organization schemas: skip the ones already up to date, in one query per 250 schemas.

django-tenants runs Django's whole ``migrate`` command in every schema, even when there is nothing to apply: about
0.13 s per schema here (the loader, the plan, the check for model changes), so a no-op ``migrate_platform`` over
1 000 organizations took minutes. A schema is up to date when it has recorded the latest migration of every app on
disk (what Django's own plan checks first); that is read for all schemas at once and only the others are handed to
django-tenants' executor (``settings.GET_EXECUTOR_FUNCTION``), standard or multiprocessing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor as django_tenants_executor

CHUNK = 250
# Options of migrate_schemas that ask for something else than "bring every schema up to date".
_TARGETED_OPTIONS = (
    "app_label",
    "migration_name",
    "fake",
    "fake_initial",
    "plan",
    "prune",
    "check_unapplied",
    "run_syncdb",
)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def latest_migrations() -> list[tuple[str, str]]:
    """The latest migration of every app on disk (the graph's leaves)."""
    return sorted(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def applied_counts(schemas: Iterable[str], *, only: list[tuple[str, str]] | None = None) -> dict[str, int]:
    """How many migrations each schema has recorded (of ``only`` when given); 0 without a migrations table."""
    schemas = list(dict.fromkeys(schemas))
    counts = dict.fromkeys(schemas, 0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
            [schemas],
        )
        with_table = [row[0] for row in cursor.fetchall()]
        apps, names = ([app for app, _name in only], [name for _app, name in only]) if only is not None else ([], [])
        for start in range(0, len(with_table), CHUNK):
            chunk = with_table[start : start + CHUNK]
            if only is None:
                parts = [f"SELECT %s, (SELECT count(*) FROM {_q(s)}.django_migrations)" for s in chunk]  # noqa: S608
                sql, params = " UNION ALL ".join(parts), chunk
            else:
                counted = "count(*) FROM {}.django_migrations m JOIN wanted w ON w.app = m.app AND w.name = m.name"
                parts = [f"SELECT %s, (SELECT {counted.format(_q(s))})" for s in chunk]  # noqa: S608
                wanted = "WITH wanted(app, name) AS (SELECT * FROM unnest(%s::text[], %s::text[])) "
                sql, params = wanted + " UNION ALL ".join(parts), [apps, names, *chunk]
            cursor.execute(sql, params)  # schema names from the catalog, quoted
            counts.update(dict(cursor.fetchall()))
    return counts


def schemas_behind(schemas: Iterable[str]) -> list[str]:
    """The schemas (in the given order) missing the latest migration of some app."""
    schemas = list(schemas)
    latest = latest_migrations()
    counts = applied_counts(schemas, only=latest)
    return [schema for schema in schemas if counts[schema] < len(latest)]


def get_executor(codename=None):
    """django-tenants' executor (``settings.GET_EXECUTOR_FUNCTION``) that leaves up-to-date schemas alone when asked
    to bring schemas up to date (any targeted option runs every schema, as before)."""
    base = django_tenants_executor(codename=codename)

    class SkipUpToDate(base):
        def run_migrations(self, tenants=None):
            tenants = list(tenants or [])
            if tenants and not any(self.options.get(option) for option in _TARGETED_OPTIONS):
                public = self.PUBLIC_SCHEMA_NAME
                others = [schema for schema in tenants if schema != public]
                behind = set(schemas_behind(others))
                tenants = [schema for schema in tenants if schema == public or schema in behind]
                skipped = len(others) - len(behind)
                if skipped and int(self.options.get("verbosity", 1)) >= 1:
                    sys.stdout.write(f"{skipped} of {len(others)} schemas already up to date: skipped.\n")
            if tenants:
                super().run_migrations(tenants=tenants)

    SkipUpToDate.__name__ = f"SkipUpToDate{base.__name__}"
    return SkipUpToDate
