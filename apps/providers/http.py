"""Provider calls over the shared outbound session: JSON bodies and the provider error taxonomy.

Sessions come from ``apps.common.http.build_session`` (timeouts, capped urllib3 retries honouring
``Retry-After``, the InfraZen User-Agent); this module turns a failed call into a ``ProviderError``.
"""

from __future__ import annotations

import threading
from typing import Any

import requests

from apps.common.http import OutboundHTTPError, send

from .exceptions import ProviderBadResponse, ProviderUnavailable, error_for_status


def request_json(session: requests.Session, method: str, url: str, *, endpoint: str, **kwargs: Any) -> Any:
    """Send one request and return its JSON body, or raise a ``ProviderError``."""
    response = request_response(session, method, url, endpoint=endpoint, **kwargs)
    try:
        return response.json()
    except ValueError:
        raise ProviderBadResponse(endpoint=endpoint, detail="body is not valid JSON") from None


def request_response(session: requests.Session, method: str, url: str, *, endpoint: str,
                     **kwargs: Any) -> requests.Response:
    """Send one request and return the 2xx response (non-JSON bodies: XML, CSV), or raise a ``ProviderError``.

    Exception texts of requests/urllib3 contain the URL (and query string): they are never copied
    into the error, only their class name.
    """
    try:
        return send(session, method, url, **kwargs)
    except OutboundHTTPError as exc:
        if exc.kind == "status":
            raise error_for_status(exc.status_code or 0, endpoint=endpoint, retry_after=exc.retry_after) from None
        raise ProviderUnavailable(endpoint=endpoint, detail=exc.detail) from None


class TokenCache:
    """Short-lived access tokens (IAM tokens) by key, e.g. (token endpoint, credential digest), shared by every
    client of a provider in the process; a token is handed out until ``refresh_margin`` seconds before it expires."""

    def __init__(self, *, refresh_margin: float) -> None:
        self.refresh_margin = refresh_margin
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}

    def get(self, key: str, *, now: float) -> str | None:
        with self._lock:
            entry = self._tokens.get(key)
        if entry is None or entry[1] - self.refresh_margin <= now:
            return None
        return entry[0]

    def put(self, key: str, token: str, expires_at: float) -> None:
        with self._lock:
            self._tokens[key] = (token, expires_at)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()
