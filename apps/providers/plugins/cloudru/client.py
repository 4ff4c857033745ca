"""Cloud.ru Evolution HTTP client: IAM token exchange, the consumption API v2, projects, Compute. HTTP only.

Auth: a service account's access key (Key ID + Key Secret) is exchanged at
``POST https://iam.api.cloud.ru/api/v1/auth/token`` (``{"keyId", "secret"}``) for an ``access_token`` that
lives ``expires_in`` seconds (3600, fixed). Tokens are cached per (token URL, key) in the process and
refreshed ``TOKEN_REFRESH_MARGIN`` seconds before they expire, and once more when a call answers 401.

Hosts: ``iam.api.cloud.ru`` (tokens), ``organization.api.cloud.ru`` (customers, projects, consumption),
``compute.api.cloud.ru`` (VMs, disks). With a custom base URL ``E`` every host is derived from it:
``E/cloudru/iam``, ``E/cloudru/organization``, ``E/cloudru/compute``, so one fake server stands in for all
of them. See docs/providers/cloudru.md.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import requests
from django.utils.translation import gettext_lazy as _

from apps.common.http import build_session
from apps.providers.exceptions import ProviderAuthError, ProviderBadResponse, ProviderError
from apps.providers.http import TokenCache, request_json

HOSTS = {
    "iam": "https://iam.api.cloud.ru",
    "organization": "https://organization.api.cloud.ru",
    "compute": "https://compute.api.cloud.ru",
}
TOKEN_PATH = "/api/v1/auth/token"
CONSUMPTION_PATH = "/v2/consumption"
TOKEN_REFRESH_MARGIN = 300  # seconds before expiry a cached token is replaced
DEFAULT_TOKEN_LIFETIME = 3600  # the documented (fixed) lifetime, when expires_in is missing
CONSUMPTION_PAGE_SIZE = 10_000  # the documented maximum is 25 000
CONSUMPTION_MAX_PAGES = 500  # 5 million rows: far beyond any real window; a cap against a runaway answer
COMPUTE_PAGE_SIZE = 100
COMPUTE_MAX_PAGES = 1000

MSG_REJECTED_KEY = _("Cloud.ru rejected the access key. Check the Key ID and Key Secret and that the key is "
                     "active and not expired.")
MSG_PAGE_LOOP = _("Cloud.ru returned the same consumption page token twice: the consumption could not be read "
                  "whole, so nothing was imported. Try again later.")
MSG_TOO_MANY_PAGES = _("Cloud.ru returned more consumption pages than InfraZen reads in one sync: nothing was "
                       "imported.")


def derive_bases(endpoint: str) -> dict[str, str]:
    """The base URL of each service for a connection's custom base URL, or the real hosts."""
    endpoint = (endpoint or "").rstrip("/")
    if not endpoint:
        return dict(HOSTS)
    return {service: f"{endpoint}/cloudru/{service}" for service in HOSTS}


TOKEN_CACHE = TokenCache(refresh_margin=TOKEN_REFRESH_MARGIN)


class CloudRuClient:
    def __init__(self, *, key_id: str, key_secret: str, endpoint: str = "", session: requests.Session | None = None,
                 clock: Callable[[], float] = time.time, consumption_page_size: int = CONSUMPTION_PAGE_SIZE,
                 compute_page_size: int = COMPUTE_PAGE_SIZE):
        self.key_id = (key_id or "").strip()
        self._key_secret = (key_secret or "").strip()
        self.bases = derive_bases(endpoint)
        # The only POST is the token exchange, which changes nothing: retrying it is safe.
        self.session = session or build_session(retry_post=True)
        self.clock = clock
        self.consumption_page_size = max(1, min(int(consumption_page_size), 25_000))
        self.compute_page_size = max(1, int(compute_page_size))

    def __repr__(self) -> str:  # never the secret
        return f"CloudRuClient(key_id={self.key_id!r}, iam={self.bases['iam']!r})"

    def url(self, service: str, path: str) -> str:
        return f"{self.bases[service]}{path}"

    # --- IAM ------------------------------------------------------------------------------------
    def _cache_key(self) -> str:
        material = f"{self.url('iam', TOKEN_PATH)}|{self.key_id}|{self._key_secret}"
        return hashlib.sha256(material.encode()).hexdigest()

    def access_token(self, *, force: bool = False) -> str:
        """A valid access token: from the process cache, or exchanged for the access key."""
        endpoint = "iam/auth/token"
        if not self.key_id or not self._key_secret:
            raise ProviderAuthError(MSG_REJECTED_KEY, endpoint=endpoint, detail="no access key")
        cache_key, now = self._cache_key(), self.clock()
        if not force:
            cached = TOKEN_CACHE.get(cache_key, now=now)
            if cached:
                return cached
        try:
            answer = request_json(self.session, "POST", self.url("iam", TOKEN_PATH), endpoint=endpoint,
                                  json={"keyId": self.key_id, "secret": self._key_secret})
        except ProviderError as exc:
            # 400/401/403/404: the key is unknown, disabled or expired; a person must act.
            if exc.code.value in {"provider_auth", "provider_permission"} or exc.detail in {"HTTP 400", "HTTP 404"}:
                raise ProviderAuthError(MSG_REJECTED_KEY, endpoint=endpoint, detail=exc.detail) from None
            raise
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise ProviderBadResponse(endpoint=endpoint, detail="no access_token in answer")
        lifetime = answer.get("expires_in")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
            lifetime = DEFAULT_TOKEN_LIFETIME
        TOKEN_CACHE.put(cache_key, token, now + float(lifetime))
        return token

    # --- calls ----------------------------------------------------------------------------------
    def get(self, service: str, path: str, *, endpoint: str, params: Any = None) -> Any:
        """One authenticated GET; a 401 (token revoked or expired early) gets one fresh token and one retry."""
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self.access_token(force=attempt > 0)}"}
            try:
                return request_json(self.session, "GET", self.url(service, path), endpoint=endpoint,
                                    params=params, headers=headers)
            except ProviderAuthError:
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # --- organization ---------------------------------------------------------------------------
    def customers(self) -> Any:
        return self.get("organization", "/v1/customers", endpoint="organization/customers")

    def projects(self, customer_id: str) -> list[dict[str, Any]]:
        body = self.get("organization", "/v1/projects", endpoint="organization/projects",
                        params={"customer_ids": customer_id})
        items = body.get("projects") if isinstance(body, dict) else None
        if items is None:
            items = []
        if not isinstance(items, list):
            raise ProviderBadResponse(endpoint="organization/projects", detail="projects is not a list")
        return [item for item in items if isinstance(item, dict)]

    def iter_consumption(self, *, start: date, end: date, agreement_id: str = "",
                         project_ids: list[str] | tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
        """Consumption rows of the days ``start <= day < end`` (``GET /v2/consumption``), page after page.

        ``next_page_token`` leads to the next page; an empty or missing one ends the answer. A token seen
        before is a loop on the provider's side: stop and report it rather than spin; past
        ``CONSUMPTION_MAX_PAGES`` stop too. Either way the caller imports nothing of the window.
        """
        endpoint = "organization/v2/consumption"
        params: list[tuple[str, Any]] = []
        if agreement_id:
            params.append(("agreement_id", agreement_id))
        else:
            params += [("project_ids", project_id) for project_id in project_ids]
        params += [("start_date", f"{start.isoformat()}T00:00:00Z"), ("end_date", f"{end.isoformat()}T00:00:00Z"),
                   ("page_filter.page_size", self.consumption_page_size)]
        token = ""
        seen: set[str] = set()
        for _page in range(CONSUMPTION_MAX_PAGES):
            query = [*params, ("page_filter.page_token", token)] if token else params
            body = self.get("organization", CONSUMPTION_PATH, endpoint=endpoint, params=query)
            if not isinstance(body, dict):
                raise ProviderBadResponse(endpoint=endpoint, detail="answer is not an object")
            rows = body.get("consumptions")
            if rows is None:
                rows = []
            if not isinstance(rows, list):
                raise ProviderBadResponse(endpoint=endpoint, detail="consumptions is not a list")
            yield from (row for row in rows if isinstance(row, dict))
            following = body.get("next_page_token")
            if following is None or following == "":
                return
            if isinstance(following, bool) or not isinstance(following, str | int):
                raise ProviderBadResponse(endpoint=endpoint, detail="next_page_token is not a string")
            following = str(following)
            if following in seen or following == token:
                raise ProviderBadResponse(MSG_PAGE_LOOP, endpoint=endpoint,
                                          detail=f"page token repeated after {len(seen) + 1} pages")
            seen.add(following)
            token = following
        raise ProviderBadResponse(MSG_TOO_MANY_PAGES, endpoint=endpoint,
                                  detail=f"more than {CONSUMPTION_MAX_PAGES} pages")

    # --- Compute --------------------------------------------------------------------------------
    def _compute_list(self, path: str, *, endpoint: str, project_id: str) -> list[dict[str, Any]]:
        """``{"items": [...], "total": N}`` lists, read with ``limit``/``offset`` until ``total`` is reached."""
        items: list[dict[str, Any]] = []
        for page in range(COMPUTE_MAX_PAGES):
            body = self.get("compute", path, endpoint=endpoint, params={
                "project_id": project_id, "limit": self.compute_page_size, "offset": page * self.compute_page_size})
            if not isinstance(body, dict):
                raise ProviderBadResponse(endpoint=endpoint, detail="answer is not an object")
            batch = body.get("items")
            if batch is None:
                batch = []
            if not isinstance(batch, list):
                raise ProviderBadResponse(endpoint=endpoint, detail="items is not a list")
            items.extend(item for item in batch if isinstance(item, dict))
            total = body.get("total")
            total = int(total) if isinstance(total, int | str) and str(total).isdigit() else None
            if not batch or len(batch) < self.compute_page_size or (total is not None and len(items) >= total):
                return items
        raise ProviderBadResponse(endpoint=endpoint, detail="too many pages")

    def vms(self, project_id: str) -> list[dict[str, Any]]:
        return self._compute_list("/api/v1/vms", endpoint="compute/vms", project_id=project_id)

    def disks(self, project_id: str) -> list[dict[str, Any]]:
        return self._compute_list("/api/v1/disks", endpoint="compute/disks", project_id=project_id)
