"""Migrating a thousand organization schemas: skip the ones already up to date, in one query per 250 schemas.

django-tenants runs Django's whole ``migrate`` command in every schema, even when there is nothing to apply: about
0.13 s per schema here (the loader, the plan, the check for model changes), so a no-op ``migrate_platform`` over
1 000 organizations took minutes. A schema is up to date when it has recorded the latest migration of every app on
disk (what Django's own plan checks first); that is read for all schemas at once and only the others are handed to
django-tenants' executor (``settings.GET_EXECUTOR_FUNCTION``), or to ours, ``batch`` (``BatchExecutor``, the
default of ``migrate_platform``), which renders each starting migration state once for all the schemas that share it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor as django_tenants_executor
from django_tenants.migration_executors.base import MigrationExecutor as BaseExecutor

from apps.common.tenancy import quote_identifier as _q

CHUNK = 250
# The batch executor forks worker processes only from this many schemas per process.
PARALLEL_FROM = 20
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


@contextmanager
def _recorder_by_name():
    """Within: Django's migration recorder asks whether the schema has its ``django_migrations`` table by name
    (``to_regclass``, an index lookup) instead of listing every table visible on the search path, which scans the
    whole catalog (60-110 ms at 1 000 organizations, three times per schema: most of a migration's time there)."""
    from django.db.migrations.recorder import MigrationRecorder

    original = MigrationRecorder.has_table

    def has_table(recorder) -> bool:
        if recorder._has_table:
            return True
        schema = getattr(recorder.connection, "schema_name", None)
        if not schema:
            return original(recorder)
        with recorder.connection.cursor() as cursor:
            cursor.execute(
                "SELECT to_regclass(%s) IS NOT NULL", [f"{_q(schema)}.{_q(recorder.Migration._meta.db_table)}"]
            )
            recorder._has_table = cursor.fetchone()[0]
        return recorder._has_table

    MigrationRecorder.has_table = has_table
    try:
        yield
    finally:
        MigrationRecorder.has_table = original


def _batch_migrate(schemas: list[str], verbosity: int) -> int:
    with _recorder_by_name():
        return _batch_migrate_schemas(schemas, verbosity)


def _batch_migrate_schemas(schemas: list[str], verbosity: int) -> int:
    """Bring ``schemas`` up to date in this process, rendering each distinct starting state only once.

    Django's ``migrate`` renders the whole project state (every model of every app) from the migration files for
    each schema, before and after: most of its 0.8 s per schema. Schemas with the same applied migrations start
    from the same state, so it is built once per group and each schema gets a copy; the operations still run
    against each schema's own tables (a schema editor introspects the schema it works in, so a constraint named
    differently in an older schema is still found). Signals as Django and django-tenants send them: pre_migrate
    once per group, post_migrate and django-tenants' per-schema signals for each schema."""
    from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.recorder import MigrationRecorder
    from django_tenants.signals import schema_migrated, schema_pre_migration
    from django_tenants.utils import get_tenant_database_alias

    alias = get_tenant_database_alias()
    db = connections[alias]
    starts: dict[frozenset, tuple] = {}
    done = 0
    for index, schema in enumerate(schemas, start=1):
        schema_pre_migration.send(_batch_migrate, schema_name=schema)
        db.set_schema(schema, include_public=False)
        MigrationRecorder(db).ensure_schema()  # in this schema, not public's table
        db.set_schema(schema)
        executor = MigrationExecutor(db)
        targets = executor.loader.graph.leaf_nodes()
        plan = executor.migration_plan(targets)
        if any(backwards for _migration, backwards in plan):
            raise RuntimeError(f"{schema}: bringing it up to date would unapply migrations; migrate it by hand")
        if plan:
            key = frozenset(executor.loader.applied_migrations)
            if key not in starts:
                state = executor._create_project_state(with_applied_migrations=True)  # noqa: SLF001 - as migrate
                emit_pre_migrate_signal(verbosity - 1, False, alias, apps=state.apps, plan=plan)
                starts[key] = (state, None)
            state, after = starts[key]
            result = executor.migrate(targets, plan=plan, state=state.clone())
            if after is None:  # the state after the plan, fully rendered once for post_migrate
                result.clear_delayed_apps_cache()
                after = result.apps
                starts[key] = (state, after)
            emit_post_migrate_signal(verbosity - 1, False, alias, apps=after, plan=plan)
            done += 1
            if verbosity >= 1:
                names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in plan)
                sys.stdout.write(f"[{index}/{len(schemas)}] {schema}: {names}\n")
        db.set_schema_to_public()
        schema_migrated.send(_batch_migrate, schema_name=schema)
    db.close()
    return done


def _batch_migrate_chunk(verbosity: int, schemas: list[str]) -> int:
    return _batch_migrate(schemas, verbosity)


class BatchExecutor(BaseExecutor):
    """``--executor batch``: each starting state rendered once (``_batch_migrate``), the schemas split between
    ``settings.TENANT_MULTIPROCESSING_MAX_PROCESSES`` forked processes when there are many."""

    codename = "batch"

    def run_migrations(self, tenants=None):
        import functools

        from django.conf import settings
        from django.db import connections
        from django_tenants.migration_executors.base import run_migrations
        from django_tenants.migration_executors.multiproc import get_pool

        tenants = list(tenants or [])
        if self.PUBLIC_SCHEMA_NAME in tenants:
            run_migrations(self.args, self.options, self.codename, self.PUBLIC_SCHEMA_NAME)
            tenants.remove(self.PUBLIC_SCHEMA_NAME)
        verbosity = int(self.options.get("verbosity", 1))
        processes = min(getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 1), len(tenants) // PARALLEL_FROM)
        if processes <= 1:
            _batch_migrate(tenants, verbosity)
            return
        connections[self.TENANT_DB_ALIAS].close()  # never share a connection with the forked processes
        chunks = [tenants[offset::processes] for offset in range(processes)]
        with get_pool() as pool:
            pool.map(functools.partial(_batch_migrate_chunk, verbosity), chunks, 1)


def get_executor(codename=None):
    """django-tenants' executor (``settings.GET_EXECUTOR_FUNCTION``) that leaves up-to-date schemas alone when asked
    to bring schemas up to date (any targeted option runs every schema, as before); ``batch`` is ours."""
    base = BatchExecutor if codename == "batch" else django_tenants_executor(codename=codename)

    class SkipUpToDate(base):
        def run_migrations(self, tenants=None):
            tenants = list(tenants or [])
            targeted = any(self.options.get(option) for option in _TARGETED_OPTIONS)
            if targeted and base is BatchExecutor:
                base_executor = django_tenants_executor(codename="standard")(self.args, self.options)
                return base_executor.run_migrations(tenants=tenants)
            if tenants and not targeted:
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
