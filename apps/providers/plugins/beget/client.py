"""Beget HTTP client: the legacy hosting API and the v1 REST API. HTTP only, no normalization.

Legacy: ``POST {base}/api/{section}/{method}`` with form fields ``login``, ``passwd`` (the API
password), ``output_format=json``; POST keeps the password out of URLs and access logs.
v1: ``POST {base}/v1/auth`` -> JWT, then ``Authorization: Bearer``. See docs/providers/beget.md.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import requests

from apps.common.http import build_session
from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderPermissionError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from apps.providers.http import request_json

DEFAULT_BASE_URL = "https://api.beget.com"
PAGE_SIZE = 100
MAX_PAGES = 1000

# v1 /v1/auth answers HTTP 200 with {"error": "<code>"}; the codes that mean "fix the credentials".
_V1_AUTH_PERMANENT = {
    "INCORRECT_CREDENTIALS", "EMPTY_LOGIN", "EMPTY_PASSWORD", "CODE_REQUIRED_EMAIL", "CODE_REQUIRED_SMS",
    "CODE_REQUIRED_TOTP", "INCORRECT_CODE", "ACCOUNT_DELETED", "EXPIRED_PASSWORD",
}


class BegetClient:
    """Beget's request limit: 60 calls a minute per user (FACTS.md). The legacy API reports it as
    ``LIMIT_ERROR`` inside an HTTP 200 body (``answer.errors[]`` or the envelope's ``error_code``), never as
    HTTP 429: the client then waits for the next window and repeats the call, at most ``LIMIT_WAITS`` times
    in its life (one sync), after which the limit surfaces as ``ProviderRateLimited`` with the wait as its
    ``retry_after``. A real HTTP 429 (none documented) still goes through the session's Retry-After path."""

    LIMIT_WAIT_SECONDS = 61.0  # the next one-minute window
    LIMIT_WAITS = 5

    def __init__(self, *, login: str, password: str, api_password: str | None = None,
                 base_url: str = DEFAULT_BASE_URL, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.login = login
        self._password = password
        self._api_password = api_password or password
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        # Every POST this client sends is read-only (getList/getAccountInfo, token exchange): retryable.
        self.session = session or build_session(retry_post=True)
        self._token: str | None = None
        self._sleep = sleep
        self.limit_waits = 0  # LIMIT_ERROR answers waited out so far

    def __repr__(self) -> str:  # never the passwords
        return f"BegetClient(login={self.login!r}, base_url={self.base_url!r})"

    # --- legacy API ---------------------------------------------------------------------------
    def legacy_call(self, section: str, method: str, params: dict[str, Any] | None = None) -> Any:
        endpoint = f"{section}/{method}"
        data = {"login": self.login, "passwd": self._api_password, "output_format": "json"}
        if params:
            data["input_format"] = "json"
            data["input_data"] = json.dumps(params)
        while True:
            body = request_json(self.session, "POST", f"{self.base_url}/api/{section}/{method}", endpoint=endpoint,
                                data=data)
            try:
                return _legacy_result(body, endpoint=endpoint)
            except ProviderRateLimited as exc:
                if self.limit_waits >= self.LIMIT_WAITS:
                    raise ProviderRateLimited(endpoint=endpoint, detail=exc.detail,
                                              retry_after=self.LIMIT_WAIT_SECONDS) from None
                self.limit_waits += 1
                self._sleep(self.LIMIT_WAIT_SECONDS)

    def account_info(self) -> Any:
        return self.legacy_call("user", "getAccountInfo")

    def domain_list(self) -> Any:
        return self.legacy_call("domain", "getList")

    def mysql_list(self) -> Any:
        return self.legacy_call("mysql", "getList")

    def ftp_list(self) -> Any:
        return self.legacy_call("ftp", "getList")

    def mailbox_list(self, domain: str) -> Any:
        """``mail/getMailboxList`` for one domain: ``[{mailbox, domain, spam_filter_status, forward_mail_status}]``."""
        return self.legacy_call("mail", "getMailboxList", {"domain": domain})

    # --- v1 API -------------------------------------------------------------------------------
    def authenticate(self) -> str:
        endpoint = "v1/auth"
        body = request_json(self.session, "POST", f"{self.base_url}/v1/auth", endpoint=endpoint,
                            json={"login": self.login, "password": self._password, "saveMe": False})
        if not isinstance(body, dict):
            raise ProviderBadResponse(endpoint=endpoint, detail="auth answer is not an object")
        if body.get("token"):
            self._token = str(body["token"])
            return self._token
        error = str(body.get("error") or "")
        if error in _V1_AUTH_PERMANENT:
            raise ProviderAuthError(endpoint=endpoint, detail=error)
        if error == "IP_BLOCKED":
            raise ProviderPermissionError(endpoint=endpoint, detail=error)
        if error in {"CODE_SENT_LIMIT", "CODE_INPUT_LIMIT"}:
            raise ProviderRateLimited(endpoint=endpoint, detail=error)
        if error in {"ACCOUNT_ON_MAINTANCE", "INTERNAL_ERROR"}:
            raise ProviderUnavailable(endpoint=endpoint, detail=error)
        raise ProviderBadResponse(endpoint=endpoint, detail=error or "no token in auth answer")

    def v1_get(self, path: str, *, endpoint: str, params: dict[str, Any] | None = None) -> Any:
        if self._token is None:
            self.authenticate()
        return request_json(self.session, "GET", f"{self.base_url}{path}", endpoint=endpoint, params=params,
                            headers={"Authorization": f"Bearer {self._token}"})

    def _v1_paged(self, path: str, *, items_key: str, endpoint: str) -> dict[str, Any]:
        items: list[Any] = []
        offset = 0
        for _page in range(MAX_PAGES):
            body = self.v1_get(path, endpoint=endpoint, params={"offset": offset, "limit": PAGE_SIZE})
            if not isinstance(body, dict):
                raise ProviderBadResponse(endpoint=endpoint, detail="answer is not an object")
            page = body.get(items_key) or []
            if not isinstance(page, list):
                raise ProviderBadResponse(endpoint=endpoint, detail=f"{items_key} is not a list")
            items.extend(page)
            total = _as_int(body.get("total_count"))
            offset += len(page)
            if not page or total is None or offset >= total:
                break
        return {items_key: items, "total_count": len(items)}

    def vps_list(self) -> dict[str, Any]:
        return self._v1_paged("/v1/vps/server/list", items_key="vps", endpoint="v1/vps/server/list")

    def cloud_list(self) -> dict[str, Any]:
        return self._v1_paged("/v1/cloud", items_key="service", endpoint="v1/cloud")

    def vps_statistic(self, metric: str, vps_id: str, *, period: str = "DAY") -> Any:
        if metric not in {"cpu", "memory"}:
            raise ValueError(metric)
        return self.v1_get(f"/v1/vps/statistic/{metric}/{vps_id}", endpoint=f"v1/vps/statistic/{metric}",
                           params={"period": period})


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _legacy_result(body: Any, *, endpoint: str) -> Any:
    """Unwrap ``{"status":"success","answer":{"status":"success","result":...}}`` or raise."""
    if not isinstance(body, dict) or "status" not in body:
        raise ProviderBadResponse(endpoint=endpoint, detail="no status in envelope")
    if body["status"] == "error":
        code, text = str(body.get("error_code") or ""), str(body.get("error_text") or "")
        detail = f"{code}: {text}".strip(": ")
        if code == "AUTH_ERROR":
            # Beget reports a method the API user may not call as AUTH_ERROR "Cannot access method <x>".
            if "cannot access method" in text.lower():
                raise ProviderPermissionError(endpoint=endpoint, detail=detail)
            raise ProviderAuthError(endpoint=endpoint, detail=detail)
        if code == "LIMIT_ERROR":
            raise ProviderRateLimited(endpoint=endpoint, detail=detail)
        raise ProviderBadResponse(endpoint=endpoint, detail=detail)
    answer = body.get("answer")
    if body["status"] != "success" or not isinstance(answer, dict):
        raise ProviderBadResponse(endpoint=endpoint, detail="unexpected envelope")
    if answer.get("status") == "error":
        errors = answer.get("errors") or []
        first = errors[0] if errors and isinstance(errors[0], dict) else {}
        code, text = str(first.get("error_code") or ""), str(first.get("error_text") or "")
        detail = f"{code}: {text}".strip(": ")
        if code == "LIMIT_ERROR":
            raise ProviderRateLimited(endpoint=endpoint, detail=detail)
        raise ProviderBadResponse(endpoint=endpoint, detail=detail)
    if answer.get("status") != "success" or "result" not in answer:
        raise ProviderBadResponse(endpoint=endpoint, detail="unexpected answer")
    return answer["result"]
