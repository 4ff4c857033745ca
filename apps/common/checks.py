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
