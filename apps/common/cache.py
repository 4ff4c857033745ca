"""Per-organization cache of read aggregates (dashboard figures, costs summary answers).

An entry's key holds the organization's schema, its *data version*, the active language and the caller's
parameters. The services that finish changing an organization's data (a sync, a billing import, a rollup
refresh, a connection added or removed) call ``organization_data_changed()``, which gives the organization
a new version: every entry computed before is never read again and expires on its own. Nothing is deleted
by pattern and no signal is involved.

Only a cache every process shares can hold these entries (a worker's sync must invalidate what the web
processes cached): ``ORGANIZATION_CACHE_SECONDS`` is 0 by default with a per-process backend (locmem, dummy),
and with 0 every call simply computes. Never cache a model instance that carries secrets (a connection's credentials):
entries are pickled as they are.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import translation

T = TypeVar("T")
VERSION_KEY = "orgdata:version:{schema}"
ENTRY_KEY = "orgdata:{schema}:{version}:{name}:{digest}"
_MISSING = object()


def organization_cache_enabled() -> bool:
    return settings.ORGANIZATION_CACHE_SECONDS > 0


def _schema(schema_name: str | None) -> str | None:
    schema = schema_name or connection.schema_name
    return None if not schema or schema == "public" else schema


def organization_data_version(*, schema_name: str | None = None) -> str:
    """The organization's current data version (a new random one when the cache has none: an evicted
    version can never bring back entries computed under an older one)."""
    key = VERSION_KEY.format(schema=_schema(schema_name))
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key)
    return version


def organization_data_changed(*, schema_name: str | None = None) -> None:
    """Every cached aggregate of the organization (default: the one of the active schema) is out of date.

    Called by the services that finish a change. The version changes now (later reads in this transaction
    see the change) and again when the transaction commits (an entry another request computed from the
    data committed before is not kept)."""
    schema = _schema(schema_name)
    if schema is None or not organization_cache_enabled():
        return

    def bump() -> None:
        cache.set(VERSION_KEY.format(schema=schema), uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def organization_cached(name: str, params: Any, compute: Callable[[], T], *, schema_name: str | None = None) -> T:
    """``compute()``'s value for the organization's current data version, from the cache when it holds it.

    ``params`` is everything besides the organization's data that the value depends on (dates, filters,
    a search text): its ``repr`` must be stable, so pass tuples, dicts with sorted keys, dates, strings."""
    schema = _schema(schema_name)
    if schema is None or not organization_cache_enabled():
        return compute()
    digest = hashlib.sha256(repr((translation.get_language(), params)).encode()).hexdigest()[:32]
    key = ENTRY_KEY.format(
        schema=schema, version=organization_data_version(schema_name=schema), name=name, digest=digest
    )
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, timeout=settings.ORGANIZATION_CACHE_SECONDS)
    return value
