"""Selectel HTTP client: billing + resell APIs (static token) and OpenStack via Keystone. HTTP only.

Two kinds of credentials (see docs/providers/selectel.md):
- the static token (``X-Token``) for ``api.selectel.ru``: balances, balance prediction, consumption
  statistics, the resell API v2 (account, projects, quotas);
- an optional service user (name, password, account id, project) exchanged at Keystone
  (``cloud.api.selcloud.ru/identity/v3/auth/tokens``) for a project-scoped token (``X-Auth-Token``)
  whose catalog lists the per-region Nova and Cinder endpoints.

With a custom base URL ``E`` every host is derived from it: ``api.selectel.ru`` -> ``E/selectel/api``,
``cloud.api.selcloud.ru`` -> ``E/selectel/cloud``; regional endpoints always come from the catalog.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import requests
from django.utils.translation import gettext_lazy as _

from apps.common.http import build_session
from apps.providers.errors import ProviderAuthError, ProviderBadResponse
from apps.providers.http import request_json

API_BASE_URL = "https://api.selectel.ru"
CLOUD_BASE_URL = "https://cloud.api.selcloud.ru"
CONSUMPTION_PROVIDER_KEYS = ("vpc", "mks", "dbaas", "craas")
PAGE_SIZE = 200
MAX_PAGES = 500

TOKEN_REJECTED = _("Selectel rejected the API token (X-Token). Check the key in the control panel.")
SERVICE_USER_REJECTED = _("Selectel rejected the service user. Check the user name, password, account ID "
                          "and project.")


def derive_bases(endpoint: str) -> tuple[str, str]:
    """(api base, cloud base) for a connection's custom base URL, or the real hosts."""
    endpoint = (endpoint or "").rstrip("/")
    if not endpoint:
        return API_BASE_URL, CLOUD_BASE_URL
    return f"{endpoint}/selectel/api", f"{endpoint}/selectel/cloud"


class SelectelClient:
    def __init__(self, *, token: str, account_id: str = "", username: str = "", password: str = "",
                 project_id: str = "", project_name: str = "", endpoint: str = "",
                 session: requests.Session | None = None):
        self._token = token
        self.account_id = account_id
        self.username = username
        self._password = password
        self.project_id = project_id
        self.project_name = project_name
        self.api_base, self.cloud_base = derive_bases(endpoint)
        # The only POST is the Keystone token exchange, which changes nothing: retrying it is safe.
        self.session = session or build_session(retry_post=True)
        self._keystone: dict[str, Any] | None = None

    def __repr__(self) -> str:  # never the token or the password
        return f"SelectelClient(account_id={self.account_id!r}, username={self.username!r}, api={self.api_base!r})"

    @property
    def has_service_user(self) -> bool:
        return bool(self.username and self._password)

    # --- static token APIs --------------------------------------------------------------------
    def _api_get(self, path: str, *, endpoint: str, params: Any = None) -> Any:
        try:
            return request_json(self.session, "GET", f"{self.api_base}{path}", endpoint=endpoint, params=params,
                                headers={"X-Token": self._token})
        except ProviderAuthError as exc:
            raise ProviderAuthError(TOKEN_REJECTED, endpoint=exc.endpoint, detail=exc.detail) from None

    def balances(self) -> Any:
        return self._api_get("/v3/balances", endpoint="v3/balances")

    def prediction(self) -> Any:
        return self._api_get("/v2/billing/prediction", endpoint="v2/billing/prediction")

    def consumption(self, *, start: date, end: date, period: str = "day", locale: str = "en") -> Any:
        """Consumption statistics from ``start`` to ``end`` inclusive (whole days), values in kopecks."""
        params: list[tuple[str, str]] = [("provider_keys", key) for key in CONSUMPTION_PROVIDER_KEYS]
        params += [
            ("start", datetime.combine(start, time(0, 0, 0)).strftime("%Y-%m-%dT%H:%M:%S")),
            ("end", datetime.combine(end, time(23, 59, 59)).strftime("%Y-%m-%dT%H:%M:%S")),
            ("locale", locale),
            ("group_type", "project_object_region_metric"),
            ("period_group_type", period),
        ]
        return self._api_get("/v1/cloud_billing/statistic/consumption", endpoint="cloud_billing/consumption",
                             params=params)

    def resell_account(self) -> Any:
        return self._api_get("/vpc/resell/v2/accounts", endpoint="resell/accounts")

    def resell_projects(self) -> Any:
        return self._api_get("/vpc/resell/v2/projects", endpoint="resell/projects")

    def resell_project_quotas(self, project_id: str) -> Any:
        return self._api_get(f"/vpc/resell/v2/quotas/projects/{project_id}", endpoint="resell/quotas")

    def resolve_account_id(self, account_payload: Any = None) -> str:
        if not self.account_id:
            body = self.resell_account() if account_payload is None else account_payload
            account = body.get("account") if isinstance(body, dict) else None
            name = str(account.get("name") or "") if isinstance(account, dict) else ""
            if not name:
                raise ProviderBadResponse(endpoint="resell/accounts", detail="no account name")
            self.account_id = name
        return self.account_id

    # --- Keystone + OpenStack -----------------------------------------------------------------
    def keystone(self) -> dict[str, Any]:
        """A project-scoped Keystone token: ``{"token": str, "catalog": [...], "project_id": str}``."""
        if self._keystone is not None:
            return self._keystone
        endpoint = "identity/auth/tokens"
        domain = {"name": self.resolve_account_id()}
        if self.project_id:
            project: dict[str, Any] = {"id": self.project_id}
        else:
            project = {"name": self.project_name, "domain": domain}
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": self.username, "domain": domain, "password": self._password}}},
            "scope": {"project": project},
        }}
        captured: dict[str, str] = {}

        def keep_subject_token(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            captured["token"] = response.headers.get("X-Subject-Token", "")

        try:
            answer = request_json(self.session, "POST", f"{self.cloud_base}/identity/v3/auth/tokens",
                                  endpoint=endpoint, json=body, hooks={"response": keep_subject_token})
        except ProviderAuthError as exc:
            raise ProviderAuthError(SERVICE_USER_REJECTED, endpoint=exc.endpoint, detail=exc.detail) from None
        token_body = answer.get("token") if isinstance(answer, dict) else None
        if not captured.get("token") or not isinstance(token_body, dict):
            raise ProviderBadResponse(endpoint=endpoint, detail="no X-Subject-Token or token body")
        project_body = token_body.get("project") if isinstance(token_body.get("project"), dict) else {}
        self._keystone = {
            "token": captured["token"],
            "catalog": token_body.get("catalog") if isinstance(token_body.get("catalog"), list) else [],
            "project_id": str(project_body.get("id") or self.project_id),
        }
        return self._keystone

    def regional_endpoints(self, *service_types: str) -> dict[str, str]:
        """{region: public url} of the first of ``service_types`` the Keystone catalog lists."""
        return catalog_endpoints(self.keystone()["catalog"], *service_types)

    def _os_get(self, url: str, *, endpoint: str, params: Any = None, headers: dict[str, str] | None = None) -> Any:
        token = self.keystone()["token"]
        try:
            return request_json(self.session, "GET", url, endpoint=endpoint, params=params,
                                headers={"X-Auth-Token": token, **(headers or {})})
        except ProviderAuthError as exc:
            raise ProviderAuthError(SERVICE_USER_REJECTED, endpoint=exc.endpoint, detail=exc.detail) from None

    def _os_paged(self, url: str, *, items_key: str, endpoint: str) -> list[dict[str, Any]]:
        """OpenStack paging: ``limit`` + ``marker``, following ``<items>_links`` rel=next."""
        items: list[dict[str, Any]] = []
        next_url, params = url, {"limit": PAGE_SIZE}
        for _page in range(MAX_PAGES):
            body = self._os_get(next_url, endpoint=endpoint, params=params)
            page = body.get(items_key) if isinstance(body, dict) else None
            if not isinstance(page, list):
                raise ProviderBadResponse(endpoint=endpoint, detail=f"{items_key} is not a list")
            items.extend(item for item in page if isinstance(item, dict))
            links = body.get(f"{items_key}_links") or []
            following = next((link.get("href") for link in links
                              if isinstance(link, dict) and link.get("rel") == "next"), None)
            if not page or not following:
                break
            next_url, params = str(following), None
        return items

    def servers(self, compute_url: str) -> list[dict[str, Any]]:
        return self._os_paged(f"{compute_url}/servers/detail", items_key="servers", endpoint="compute/servers")

    def flavors(self, compute_url: str) -> list[dict[str, Any]]:
        return self._os_paged(f"{compute_url}/flavors/detail", items_key="flavors", endpoint="compute/flavors")

    def volumes(self, volume_url: str) -> list[dict[str, Any]]:
        project_id = self.keystone()["project_id"]
        if project_id and not volume_url.endswith(project_id):
            volume_url = f"{volume_url}/{project_id}"
        return self._os_paged(f"{volume_url}/volumes/detail", items_key="volumes", endpoint="volume/volumes")


def catalog_endpoints(catalog: Any, *service_types: str) -> dict[str, str]:
    """Keystone ``token.catalog`` -> {region: public url} for the first service type present."""
    for service_type in service_types:
        found: dict[str, str] = {}
        for service in catalog if isinstance(catalog, list) else []:
            if not isinstance(service, dict) or service.get("type") != service_type:
                continue
            for item in service.get("endpoints") or []:
                if isinstance(item, dict) and item.get("interface", "public") == "public" and item.get("url"):
                    region = str(item.get("region") or item.get("region_id") or "")
                    found[region] = str(item["url"]).rstrip("/")
        if found:
            return dict(sorted(found.items()))
    return {}
