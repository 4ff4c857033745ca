"""System checks for production configuration (reported by ``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Each process holds its own copy: lockout counters and cached figures are not shared between workers.
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
# Shared by the workers of one host only, and its increments are not atomic (read, then write).
HOST_LOCAL_CACHES = ("django.core.cache.backends.filebased.FileBasedCache",)


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in PER_PROCESS_CACHES:
        return [
            Error(
                f"The default cache ({backend}) is private to each process: login lockout counters are not "
                "shared between web workers.",
                hint="Set REDIS_URL (the cache then lives in that Redis) or CACHE_URL to a shared cache, "
                "e.g. redis://127.0.0.1:6379/1.",
                id="infrazen.E001",
            )
        ]
    if backend in HOST_LOCAL_CACHES:
        return [
            Warning(
                f"The default cache ({backend}) is shared only by the workers of one host and does not "
                "count failed logins atomically.",
                hint="Set CACHE_URL to a shared cache, e.g. redis://127.0.0.1:6379/1 (or unset it and set REDIS_URL).",
                id="infrazen.W001",
            )
        ]
    return []


# Pool modes in which one client connection keeps one server connection, and so its `SET search_path`.
SAFE_POOL_MODES = ("session",)


@register()
def check_database_pool_mode(app_configs=None, **kwargs):
    """django-tenants issues `SET search_path` as a statement of its own (in autocommit, its own transaction): a
    pooler that hands out server connections per transaction may run the next query on a server connection another
    organization's `SET` left behind (measured in docs/scaling-pgbouncer.md)."""
    mode = getattr(settings, "DATABASE_POOL_MODE", "session")
    if mode in SAFE_POOL_MODES:
        return []
    return [
        Error(
            f"DATABASE_POOL_MODE={mode!r}: with transaction or statement pooling a query can run with another "
            "organization's search_path and read or write its data.",
            hint="Run PgBouncer with pool_mode = session and set DATABASE_POOL_MODE=session "
            "(docs/scaling-pgbouncer.md).",
            id="infrazen.E002",
        )
    ]


# What pg_dump locks: one ACCESS SHARE lock per table, sequence and view of the dump, all in one transaction.
LOCKED_RELKINDS = ("r", "p", "m", "f", "v", "S")


def lock_table_warning(relations: int, locks_per_transaction: int, connections: int) -> Warning | None:
    """A warning when a whole-database ``pg_dump`` needs more locks than the server's shared lock table holds
    (``max_locks_per_transaction`` x (``max_connections`` + ``max_prepared_transactions``) slots)."""
    capacity = locks_per_transaction * connections
    if relations <= capacity:
        return None
    needed = -(-relations * 5 // (4 * max(connections, 1)))  # the relations and a quarter more, per connection
    return Warning(
        f"The database holds {relations} tables, sequences and views (one schema per organization), more than the "
        f"{capacity} locks PostgreSQL's lock table holds: a whole-database pg_dump fails with 'out of shared "
        "memory'.",
        hint=f"Raise max_locks_per_transaction to at least {needed} (a server restart), dump per schema "
        "(pg_dump -n), or back up physically (pg_basebackup, WAL archiving); docs/scaling.md.",
        id="infrazen.W003",
    )


@register(Tags.database, deploy=True)
def check_lock_table_for_backups(app_configs=None, databases=None, **kwargs):
    """Schema-per-organization multiplies tables: 1 000 organizations are ~80 000 lockable relations, the default
    lock table 6 400 (64 x 100 connections). Runs where checks reach the database (``check --deploy --database
    default``, ``migrate``)."""
    if not databases or "default" not in databases:
        return []
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_class WHERE relkind = ANY(%s) AND relnamespace NOT IN "
            "('pg_catalog'::regnamespace, 'information_schema'::regnamespace)), "
            "current_setting('max_locks_per_transaction')::int, current_setting('max_connections')::int "
            "+ current_setting('max_prepared_transactions')::int",
            [list(LOCKED_RELKINDS)],
        )
        relations, locks_per_transaction, connections = cursor.fetchone()
    warning = lock_table_warning(relations, locks_per_transaction, connections)
    return [warning] if warning else []
