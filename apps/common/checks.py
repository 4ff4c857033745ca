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
