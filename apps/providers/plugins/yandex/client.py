"""Yandex Cloud REST client: IAM token exchange, paged lists, one Monitoring read. HTTP only.

Auth: every call carries ``Authorization: Bearer <IAM token>``. The IAM token comes from
``POST {iam}/iam/v1/tokens`` with either ``{"yandexPassportOauthToken": ...}`` (a user's OAuth token) or
``{"jwt": ...}`` (a PS256 JWT signed with a service account's authorized key). Tokens live up to 12 h;
they are cached per credential until shortly before ``expiresAt``.

Hosts: one per service (``compute.api.cloud.yandex.net`` ...). Every REST path already starts with its
service prefix (``/compute/v1/instances``), so a custom base URL maps to ``{base}{path}`` for all of
them and one fake server can stand in for the whole cloud. See docs/providers/yandex.md.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
import requests
from django.utils.translation import gettext_lazy as _

from apps.common.http import build_session
from apps.providers.exceptions import ProviderAuthError, ProviderBadResponse, ProviderError
from apps.providers.http import TokenCache, request_json

HOSTS = {
    "iam": "https://iam.api.cloud.yandex.net",
    "resource-manager": "https://resource-manager.api.cloud.yandex.net",
    "compute": "https://compute.api.cloud.yandex.net",
    "vpc": "https://vpc.api.cloud.yandex.net",
    "billing": "https://billing.api.cloud.yandex.net",
    "monitoring": "https://monitoring.api.cloud.yandex.net",
}
TOKENS_PATH = "/iam/v1/tokens"
# The audience Yandex requires in service-account JWTs, whatever host the request is sent to.
JWT_AUDIENCE = "https://iam.api.cloud.yandex.net/iam/v1/tokens"
JWT_LIFETIME = 3600  # seconds; Yandex accepts at most one hour between iat and exp
TOKEN_REFRESH_MARGIN = 300  # refresh a cached IAM token this many seconds before it expires
DEFAULT_TOKEN_LIFETIME = 3600  # when expiresAt is missing or unreadable, trust the token for an hour only
PAGE_SIZE = 1000  # the documented maximum of pageSize
MAX_PAGES = 10_000

_FRACTION = re.compile(r"\.\d+")
MSG_NO_CREDENTIALS = _("Enter either an OAuth token or a service account authorized key.")
MSG_BOTH_CREDENTIALS = _("Enter either an OAuth token or a service account authorized key, not both.")
MSG_BAD_KEY = _("The authorized key could not be read. Paste the whole JSON file created for the service "
                "account (it holds id, service_account_id and private_key).")
MSG_REJECTED_OAUTH = _("Yandex Cloud rejected the OAuth token. Get a new token and try again.")
MSG_REJECTED_KEY = _("Yandex Cloud rejected the service account key. Check that the key exists and is not "
                     "deleted, and that the whole key file was pasted.")


@dataclass(frozen=True)
class AuthorizedKey:
    """A service account's authorized key: ``id`` goes into the JWT header, the account into ``iss``."""

    key_id: str
    service_account_id: str
    private_key: str

    def __repr__(self) -> str:  # never the private key
        return f"AuthorizedKey(key_id={self.key_id!r}, service_account_id={self.service_account_id!r})"


def parse_authorized_key(raw: str | dict[str, Any]) -> AuthorizedKey:
    """Read the key file as ``yc iam key create`` writes it, or the ``iam/v1/keys`` create answer.

    Raises ``ProviderAuthError`` (permanent) without echoing any of the input.
    """
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise ProviderAuthError(MSG_BAD_KEY, endpoint="authorized_key", detail="not valid JSON") from None
    if not isinstance(data, dict):
        raise ProviderAuthError(MSG_BAD_KEY, endpoint="authorized_key", detail="not a JSON object")
    if isinstance(data.get("key"), dict):  # the API's create answer: {"key": {...}, "privateKey": "..."}
        key = data["key"]
        key_id, account, private = key.get("id"), key.get("serviceAccountId"), data.get("privateKey")
    else:
        key_id = data.get("id")
        account = data.get("service_account_id") or data.get("serviceAccountId")
        private = data.get("private_key") or data.get("privateKey")
    missing = [name for name, value in (("id", key_id), ("service_account_id", account), ("private_key", private))
               if not isinstance(value, str) or not value.strip()]
    if missing:
        raise ProviderAuthError(MSG_BAD_KEY, endpoint="authorized_key", detail=f"missing {', '.join(missing)}")
    private = str(private)
    # Newer yc CLI versions put a "PLEASE DO NOT REMOVE THIS LINE! ..." line before the PEM block.
    begin = private.find("-----BEGIN")
    if begin < 0:
        raise ProviderAuthError(MSG_BAD_KEY, endpoint="authorized_key", detail="private_key is not PEM")
    return AuthorizedKey(key_id=str(key_id).strip(), service_account_id=str(account).strip(),
                         private_key=private[begin:])


def sign_jwt(key: AuthorizedKey, *, now: float) -> str:
    """The PS256 JWT Yandex exchanges for an IAM token (docs: iam/operations/iam-token/create-for-sa)."""
    issued = int(now)
    claims = {"iss": key.service_account_id, "aud": JWT_AUDIENCE, "iat": issued, "exp": issued + JWT_LIFETIME}
    try:
        return jwt.encode(claims, key.private_key, algorithm="PS256", headers={"kid": key.key_id})
    except (ValueError, TypeError, jwt.PyJWTError):
        raise ProviderAuthError(MSG_BAD_KEY, endpoint="authorized_key", detail="private_key is unusable") from None


def parse_expires_at(value: Any) -> float | None:
    """``expiresAt`` is RFC 3339, with up to nanoseconds (``2021-10-22T05:54:53.035215444Z``)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    # Python reads at most microseconds: cut nanoseconds (".035215444" -> ".035215").
    text = _FRACTION.sub(lambda m: m.group(0)[:7], text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


TOKEN_CACHE = TokenCache(refresh_margin=TOKEN_REFRESH_MARGIN)


class YandexClient:
    def __init__(self, *, oauth_token: str = "", authorized_key: str | dict[str, Any] = "", base_url: str = "",
                 session: requests.Session | None = None, page_size: int = PAGE_SIZE,
                 clock: Callable[[], float] = time.time):
        self._oauth_token = (oauth_token or "").strip()
        self._authorized_key_raw = authorized_key or ""
        self.base_url = (base_url or "").rstrip("/")
        # Every POST this client sends is free of side effects (token exchange, Monitoring data read).
        self.session = session or build_session(retry_post=True)
        self.page_size = max(1, min(int(page_size), PAGE_SIZE))
        self.clock = clock
        self._key: AuthorizedKey | None = None

    def __repr__(self) -> str:  # never the credentials
        method = "oauth" if self._oauth_token else "authorized_key" if self._authorized_key_raw else "none"
        return f"YandexClient(auth={method}, base_url={self.base_url!r})"

    def url(self, service: str, path: str) -> str:
        return f"{self.base_url or HOSTS[service]}{path}"

    # --- IAM ------------------------------------------------------------------------------------
    def _credential_kind(self) -> str:
        """"oauth" or "key"; exactly one of the two credentials must be given."""
        if self._oauth_token and self._authorized_key_raw:
            raise ProviderAuthError(MSG_BOTH_CREDENTIALS, endpoint="iam/v1/tokens", detail="two credentials")
        if self._oauth_token:
            return "oauth"
        if self._authorized_key_raw:
            if self._key is None:
                self._key = parse_authorized_key(self._authorized_key_raw)
            return "key"
        raise ProviderAuthError(MSG_NO_CREDENTIALS, endpoint="iam/v1/tokens", detail="no credential")

    def _cache_key(self, kind: str) -> str:
        if kind == "oauth":
            secret = f"oauth:{self._oauth_token}"
        else:
            key = self._key
            assert key is not None
            secret = f"key:{key.key_id}:{key.service_account_id}:{key.private_key}"
        return hashlib.sha256(f"{self.url('iam', TOKENS_PATH)}|{secret}".encode()).hexdigest()

    def iam_token(self, *, force: bool = False) -> str:
        """A valid IAM token: from the process cache, or exchanged for the credential."""
        endpoint = "iam/v1/tokens"
        kind = self._credential_kind()
        cache_key = self._cache_key(kind)
        now = self.clock()
        if not force:
            cached = TOKEN_CACHE.get(cache_key, now=now)
            if cached:
                return cached
        if kind == "oauth":
            body = {"yandexPassportOauthToken": self._oauth_token}
        else:
            assert self._key is not None
            body = {"jwt": sign_jwt(self._key, now=now)}
        try:
            answer = request_json(self.session, "POST", self.url("iam", TOKENS_PATH), endpoint=endpoint, json=body)
        except ProviderError as exc:
            # 400 (malformed or expired JWT), 401 (unknown or revoked token/key), 403: a person must act.
            if exc.code.value in {"provider_auth", "provider_permission"} or exc.detail == "HTTP 400":
                raise ProviderAuthError(MSG_REJECTED_OAUTH if kind == "oauth" else MSG_REJECTED_KEY,
                                        endpoint=endpoint, detail=exc.detail) from None
            raise
        token = answer.get("iamToken") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise ProviderBadResponse(endpoint=endpoint, detail="no iamToken in answer")
        expires = parse_expires_at(answer.get("expiresAt")) or now + DEFAULT_TOKEN_LIFETIME
        TOKEN_CACHE.put(cache_key, token, expires)
        return token

    # --- REST -----------------------------------------------------------------------------------
    def call(self, method: str, service: str, path: str, *, endpoint: str, **kwargs: Any) -> Any:
        """One authenticated call; a 401 (token revoked or expired early) gets one fresh token and one retry."""
        base_headers = kwargs.pop("headers", None) or {}
        for attempt in range(2):
            headers = {**base_headers, "Authorization": f"Bearer {self.iam_token(force=attempt > 0)}"}
            try:
                return request_json(self.session, method, self.url(service, path), endpoint=endpoint,
                                    headers=headers, **kwargs)
            except ProviderAuthError:
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, service: str, path: str, *, endpoint: str, params: dict[str, Any] | None = None) -> Any:
        return self.call("GET", service, path, endpoint=endpoint, params=params)

    def iter_pages(self, service: str, path: str, *, items_key: str, endpoint: str,
                   params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Follow ``pageToken``/``nextPageToken`` until the token is empty or absent."""
        token = ""
        seen: set[str] = set()
        for _page in range(MAX_PAGES):
            query = {**(params or {}), "pageSize": self.page_size}
            if token:
                query["pageToken"] = token
            body = self.get(service, path, endpoint=endpoint, params=query)
            if not isinstance(body, dict):
                raise ProviderBadResponse(endpoint=endpoint, detail="answer is not an object")
            items = body.get(items_key) or []  # an empty list is omitted from proto3 JSON: {} is valid
            if not isinstance(items, list):
                raise ProviderBadResponse(endpoint=endpoint, detail=f"{items_key} is not a list")
            yield from (item for item in items if isinstance(item, dict))
            token = body.get("nextPageToken") or ""
            if not isinstance(token, str):
                raise ProviderBadResponse(endpoint=endpoint, detail="nextPageToken is not a string")
            if not token:
                return
            if token in seen:
                raise ProviderBadResponse(endpoint=endpoint, detail="paging does not advance")
            seen.add(token)
        raise ProviderBadResponse(endpoint=endpoint, detail="too many pages")

    def list_all(self, service: str, path: str, *, items_key: str, endpoint: str,
                 params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return list(self.iter_pages(service, path, items_key=items_key, endpoint=endpoint, params=params))

    # --- Resource Manager -----------------------------------------------------------------------
    def clouds(self) -> list[dict[str, Any]]:
        return self.list_all("resource-manager", "/resource-manager/v1/clouds", items_key="clouds",
                             endpoint="resource-manager/v1/clouds")

    def cloud(self, cloud_id: str) -> dict[str, Any]:
        return self.get("resource-manager", f"/resource-manager/v1/clouds/{cloud_id}",
                        endpoint="resource-manager/v1/clouds")

    def folders(self, cloud_id: str) -> list[dict[str, Any]]:
        return self.list_all("resource-manager", "/resource-manager/v1/folders", items_key="folders",
                             endpoint="resource-manager/v1/folders", params={"cloudId": cloud_id})

    def folder(self, folder_id: str) -> dict[str, Any]:
        return self.get("resource-manager", f"/resource-manager/v1/folders/{folder_id}",
                        endpoint="resource-manager/v1/folders")

    # --- Compute and VPC (per folder) -----------------------------------------------------------
    def instances(self, folder_id: str) -> list[dict[str, Any]]:
        return self.list_all("compute", "/compute/v1/instances", items_key="instances",
                             endpoint="compute/v1/instances", params={"folderId": folder_id})

    def disks(self, folder_id: str) -> list[dict[str, Any]]:
        return self.list_all("compute", "/compute/v1/disks", items_key="disks", endpoint="compute/v1/disks",
                             params={"folderId": folder_id})

    def snapshots(self, folder_id: str) -> list[dict[str, Any]]:
        return self.list_all("compute", "/compute/v1/snapshots", items_key="snapshots",
                             endpoint="compute/v1/snapshots", params={"folderId": folder_id})

    def addresses(self, folder_id: str) -> list[dict[str, Any]]:
        return self.list_all("vpc", "/vpc/v1/addresses", items_key="addresses", endpoint="vpc/v1/addresses",
                             params={"folderId": folder_id})

    # --- Billing --------------------------------------------------------------------------------
    def billing_accounts(self) -> list[dict[str, Any]]:
        return self.list_all("billing", "/billing/v1/billingAccounts", items_key="billingAccounts",
                             endpoint="billing/v1/billingAccounts")

    def billing_account(self, account_id: str) -> dict[str, Any]:
        return self.get("billing", f"/billing/v1/billingAccounts/{account_id}", endpoint="billing/v1/billingAccounts")

    # --- Monitoring -----------------------------------------------------------------------------
    def monitoring_read(self, *, folder_id: str, query: str, from_time: datetime, to_time: datetime,
                        grid_interval_ms: int = 3_600_000) -> Any:
        """``POST /monitoring/v2/data/read?folderId=``: one query, downsampled to a fixed grid."""
        body = {
            "query": query,
            "fromTime": from_time.isoformat().replace("+00:00", "Z"),
            "toTime": to_time.isoformat().replace("+00:00", "Z"),
            "downsampling": {"gridInterval": grid_interval_ms, "gridAggregation": "AVG", "gapFilling": "NONE"},
        }
        return self.call("POST", "monitoring", "/monitoring/v2/data/read", endpoint="monitoring/v2/data/read",
                         params={"folderId": folder_id}, json=body)
