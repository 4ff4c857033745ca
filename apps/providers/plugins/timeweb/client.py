"""Timeweb Cloud HTTP client: ``Authorization: Bearer <token>`` on every call. HTTP only, no normalization.

Facts from the official OpenAPI spec (timeweb-cloud/sdk-go ``api/openapi.yaml``; docs/providers/timeweb.md):
- GET answers ``{"<entity>": ..., "meta": {"total": N}, "response_id": "<uuid>"}``; collections page with
  ``limit`` (default 100) / ``offset``.
- Errors answer ``{"status_code", "error_code", "message" (a string or a list of strings), "response_id"}``.
- More than 20 requests a second to one endpoint from one account may answer 429 Too Many Requests.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from apps.common.http import build_session
from apps.providers.exceptions import ProviderBadResponse, ProviderError
from apps.providers.http import request_json

DEFAULT_BASE_URL = "https://api.timeweb.cloud"
PAGE_SIZE = 100
MAX_PAGES = 1000
# Timeweb's documented limit: 20 requests a second per account and endpoint.
REQUESTS_PER_SECOND = 20


class TokenBucket:
    """``rate`` requests a second with bursts of at most ``capacity``; ``acquire()`` waits for a token.

    At most ``capacity + rate × T`` requests pass in any window of T seconds: with the default capacity of one
    token, 20 a second means one request every 50 ms, never more than 20 in any second (a burst of 20 followed
    by the refill would let 39 through between t and t + 1 s).

    Thread-safe: the token is taken under the lock, the wait happens outside it, so two threads never
    spend the same token. ``clock`` and ``sleep`` are injectable so tests count without the wall clock.
    """

    def __init__(self, *, rate: float = REQUESTS_PER_SECOND, capacity: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.rate = float(rate)
        self.capacity = float(capacity)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until it is there; returns the seconds waited (0.0 when none)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1  # may go negative: the debt is this caller's wait, later callers queue behind it
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        if wait > 0:
            self._sleep(wait)
        return wait


class RateLimiter:
    """One ``TokenBucket`` per endpoint (Timeweb counts requests per account and endpoint)."""

    def __init__(self, *, rate: float = REQUESTS_PER_SECOND, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, endpoint: str) -> TokenBucket:
        with self._lock:
            if endpoint not in self._buckets:
                self._buckets[endpoint] = TokenBucket(rate=self.rate, clock=self._clock, sleep=self._sleep)
            return self._buckets[endpoint]

    def acquire(self, endpoint: str) -> float:
        return self.bucket(endpoint).acquire()


_SHARED: dict[str, RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(token: str) -> RateLimiter:
    """The limiter of one account (token) in this process: syncs of connections sharing a token share its budget.
    Keyed by a digest, so the token itself is not kept here."""
    key = hashlib.sha256(token.encode()).hexdigest()
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = RateLimiter()
        return _SHARED[key]


def error_detail(body: Any, status: int) -> str:
    """``error_code: message`` of Timeweb's error envelope (``message`` a string or a list), else ``HTTP n``."""
    if not isinstance(body, dict):
        return f"HTTP {status}"
    code = str(body.get("error_code") or "").strip()
    message = body.get("message")
    if isinstance(message, list):
        message = "; ".join(str(m) for m in message if m not in (None, ""))
    text = str(message or "").strip()
    detail = f"{code}: {text}".strip(": ") if code or text else ""
    return f"HTTP {status} {detail}".strip()[:300]


class TimewebClient:
    """A Timeweb Cloud API client for one token. 429 answers are retried by the session's ``Retry``
    (``Retry-After`` honoured, capped, a bounded number of times); the limiter keeps each endpoint under
    Timeweb's 20 requests a second so that a large account rarely meets a 429 at all."""

    def __init__(self, *, token: str, base_url: str = DEFAULT_BASE_URL, session: requests.Session | None = None,
                 limiter: RateLimiter | None = None):
        self._token = token
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.session = session or build_session()
        self.limiter = limiter or shared_limiter(token)

    def __repr__(self) -> str:  # never the token
        return f"TimewebClient(base_url={self.base_url!r})"

    def get(self, path: str, *, endpoint: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One GET of ``path`` (``/api/v1/...``); ``endpoint`` names it in errors and in the limiter."""
        self.limiter.acquire(endpoint)
        failed: list[requests.Response] = []

        def keep_failure(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            if not 200 <= response.status_code < 300:
                failed.append(response)

        try:
            body = request_json(self.session, "GET", f"{self.base_url}{path}", endpoint=endpoint, params=params,
                                headers={"Authorization": f"Bearer {self._token}"},
                                hooks={"response": keep_failure})
        except ProviderError as exc:
            if failed:  # the provider's own error code and message, not just the status
                try:
                    envelope = failed[-1].json()
                except ValueError:
                    envelope = None
                exc.detail = error_detail(envelope, failed[-1].status_code)
            raise
        if not isinstance(body, dict):
            raise ProviderBadResponse(endpoint=endpoint, detail="answer is not an object")
        return body

    def paged(self, path: str, *, key: str, endpoint: str) -> list[Any]:
        """Every item of a ``limit``/``offset`` collection, page after page until ``meta.total``."""
        items: list[Any] = []
        offset = 0
        for _page in range(MAX_PAGES):
            body = self.get(path, endpoint=endpoint, params={"limit": PAGE_SIZE, "offset": offset})
            page = body.get(key)
            if page is None:
                page = []
            if not isinstance(page, list):
                raise ProviderBadResponse(endpoint=endpoint, detail=f"{key} is not a list")
            items.extend(page)
            offset += len(page)
            total = _total(body)
            if not page or total is None or offset >= total:
                break
        return items

    def listed(self, path: str, *, key: str, endpoint: str) -> list[Any]:
        """A collection the spec documents without paging parameters: one call."""
        page = self.get(path, endpoint=endpoint).get(key)
        if page is None:
            return []
        if not isinstance(page, list):
            raise ProviderBadResponse(endpoint=endpoint, detail=f"{key} is not a list")
        return page

    # --- account ------------------------------------------------------------------------------
    def finances(self) -> dict[str, Any]:
        return self.get("/api/v1/account/finances", endpoint="account/finances")

    def account_status(self) -> dict[str, Any]:
        return self.get("/api/v1/account/status", endpoint="account/status")

    def services_costs(self) -> list[Any]:
        return self.listed("/api/v1/account/services/cost", key="services_costs", endpoint="account/services/cost")

    # --- resources ----------------------------------------------------------------------------
    def servers(self) -> list[Any]:
        return self.paged("/api/v1/servers", key="servers", endpoint="servers")

    def databases(self) -> list[Any]:
        return self.paged("/api/v1/databases", key="dbs", endpoint="databases")

    def buckets(self) -> list[Any]:
        return self.listed("/api/v1/storages/buckets", key="buckets", endpoint="storages/buckets")

    def floating_ips(self) -> list[Any]:
        return self.listed("/api/v1/floating-ips", key="ips", endpoint="floating-ips")

    def balancers(self) -> list[Any]:
        return self.paged("/api/v1/balancers", key="balancers", endpoint="balancers")

    def k8s_clusters(self) -> list[Any]:
        return self.paged("/api/v1/k8s/clusters", key="clusters", endpoint="k8s/clusters")

    def projects(self) -> list[Any]:
        return self.listed("/api/v1/projects", key="projects", endpoint="projects")

    def project_resources(self, project_id: Any) -> dict[str, Any]:
        return self.get(f"/api/v1/projects/{int(project_id)}/resources", endpoint="projects/resources")

    def server_statistics(self, server_id: Any, *, date_from: str, date_to: str) -> dict[str, Any]:
        """``GET /api/v1/servers/{id}/statistics?date_from=&date_to=`` (ISO 8601; requests URL-encodes them)."""
        return self.get(f"/api/v1/servers/{int(server_id)}/statistics", endpoint="servers/statistics",
                        params={"date_from": date_from, "date_to": date_to})


def _total(body: dict[str, Any]) -> int | None:
    meta = body.get("meta")
    if not isinstance(meta, dict):
        return None
    try:
        return int(meta.get("total"))
    except (TypeError, ValueError):
        return None
