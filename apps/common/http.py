"""The one outbound HTTP session factory (provider clients, the Central Bank rates, notifications).

Every call gets a (connect, read) timeout. Retries are urllib3's ``Retry``: exponential backoff for
connection errors and 429/5xx, honouring ``Retry-After`` (capped, so a provider cannot park a worker
for an hour). No hand-made retry loops in plugins.

Which methods are retried: urllib3's idempotent default (GET, HEAD, PUT, DELETE, OPTIONS, TRACE).
POST is added only when the client declares ``retry_post=True``, i.e. every POST it sends is free of
side effects (token exchange, read-only query APIs such as Beget's legacy ``getList`` methods). A
client that ever creates or changes something at the provider must leave it off.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exceptions
from urllib3.util.retry import Retry

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 0.5
# Longest Retry-After we are willing to sleep inside one request; longer waits surface as rate_limited.
RETRY_AFTER_MAX = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@lru_cache(maxsize=1)
def infrazen_version() -> str:
    try:
        data = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
        return str(data["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0"


def user_agent() -> str:
    return f"InfraZen/{infrazen_version()} (+https://infrazen.ru)"


class CappedRetry(Retry):
    """``Retry`` whose Retry-After sleep never exceeds ``retry_after_max`` seconds."""

    retry_after_max: float = RETRY_AFTER_MAX

    def get_retry_after(self, response) -> float | None:
        value = super().get_retry_after(response)
        if value is None:
            return None
        return min(value, self.retry_after_max)


class TimeoutHTTPAdapter(HTTPAdapter):
    """An adapter that applies a default timeout to every request that does not pass one."""

    def __init__(self, *args: Any, timeout: tuple[float, float], **kwargs: Any):
        self.timeout = timeout
        super().__init__(*args, **kwargs)

    def send(self, request, **kwargs: Any):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def build_retry(*, retries: int = DEFAULT_RETRIES, backoff_factor: float = DEFAULT_BACKOFF,
                retry_post: bool = False, read_retries: int | None = None,
                status_forcelist: Iterable[int] = RETRY_STATUSES) -> Retry:
    methods = set(Retry.DEFAULT_ALLOWED_METHODS)
    if retry_post:
        methods.add("POST")
    return CappedRetry(
        total=retries,
        connect=retries,
        # Read timeouts are retried less: each one already costs a full read timeout.
        read=min(retries, 1) if read_retries is None else read_retries,
        status=retries,
        other=0,
        backoff_factor=backoff_factor,
        backoff_max=10,
        status_forcelist=frozenset(status_forcelist),
        allowed_methods=frozenset(methods),
        respect_retry_after_header=True,
        # Give the caller the last response so it can map 429/5xx to the error taxonomy itself.
        raise_on_status=False,
    )


def build_session(*, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, read_timeout: float = DEFAULT_READ_TIMEOUT,
                  retries: int = DEFAULT_RETRIES, backoff_factor: float = DEFAULT_BACKOFF, retry_post: bool = False,
                  read_retries: int | None = None) -> requests.Session:
    """A ``requests.Session`` with timeouts, retries and the InfraZen User-Agent on every call."""
    session = requests.Session()
    adapter = TimeoutHTTPAdapter(
        timeout=(connect_timeout, read_timeout),
        max_retries=build_retry(retries=retries, backoff_factor=backoff_factor, retry_post=retry_post,
                                read_retries=read_retries),
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent()
    session.headers["Accept"] = "application/json"
    # Provider credentials must never come from ~/.netrc or proxy env of the worker by accident.
    session.trust_env = False
    return session


class OutboundHTTPError(Exception):
    """A request that gave no 2xx answer. ``kind`` is ``timeout``, ``connection`` or ``status``.

    The text never carries the URL (it may hold a query string with a secret): only exception class names.
    """

    def __init__(self, kind: str, detail: str, *, status_code: int | None = None, retry_after: float | None = None):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.status_code = status_code
        self.retry_after = retry_after


def _retry_after(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return None


def send(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    """Send one request and return the 2xx response, or raise ``OutboundHTTPError``."""
    try:
        response = session.request(method, url, **kwargs)
    except requests.Timeout as exc:
        raise OutboundHTTPError("timeout", f"timeout ({type(exc).__name__})") from None
    except (requests.ConnectionError, requests.exceptions.RetryError) as exc:
        # After the read retries run out requests raises ConnectionError(MaxRetryError(ReadTimeoutError)).
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        if isinstance(reason, TimeoutError | urllib3_exceptions.TimeoutError):
            raise OutboundHTTPError("timeout", f"timeout ({type(reason).__name__})") from None
        raise OutboundHTTPError("connection", f"connection failed ({type(exc).__name__})") from None
    except requests.RequestException as exc:
        raise OutboundHTTPError("connection", type(exc).__name__) from None
    if not 200 <= response.status_code < 300:
        raise OutboundHTTPError("status", f"HTTP {response.status_code}", status_code=response.status_code,
                                retry_after=_retry_after(response))
    return response
