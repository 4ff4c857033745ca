"""Selectel HTTP client: billing + resell APIs (static token) and OpenStack via Keystone (the shared
``apps.providers.plugins.openstack`` client). HTTP only.

Two kinds of credentials (see docs/providers/selectel.md):
- the static token (``X-Token``) for ``api.selectel.ru``: balances, balance prediction, consumption
  statistics, the resell API v2 (account, projects);
- an optional service user (name, password, account id, project) exchanged at Keystone
  (``cloud.api.selcloud.ru/identity/v3/auth/tokens``) for a project-scoped token (``X-Auth-Token``)
  whose catalog lists the per-region Nova, Cinder and quota-manager endpoints (quotas live there).

With a custom base URL ``E`` every host is derived from it: ``api.selectel.ru`` -> ``E/selectel/api``,
``cloud.api.selcloud.ru`` -> ``E/selectel/cloud``; regional endpoints always come from the catalog.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import requests
from django.utils.translation import gettext_lazy as _

from apps.common.http import build_session
from apps.providers.exceptions import ProviderAuthError, ProviderBadResponse
from apps.providers.http import request_json
from apps.providers.plugins.openstack.client import OpenStackClient, PasswordAuth, Token

API_BASE_URL = "https://api.selectel.ru"
CLOUD_BASE_URL = "https://cloud.api.selcloud.ru"
CONSUMPTION_PROVIDER_KEYS = ("vpc", "mks", "dbaas", "craas")

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
        self._openstack: OpenStackClient | None = None

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

    def project_quotas(self, project_id: str) -> dict[str, Any]:
        """The quota-manager service of the Keystone catalog (type ``quota-manager``, one endpoint per region):
        ``GET {endpoint}/projects/{project_id}/quotas`` with the service user's token -> {region: answer}.
        The static token cannot read quotas: without a service user there are none to show."""
        cloud = self.openstack
        return {region: cloud.get(f"{url.rstrip('/')}/projects/{project_id}/quotas", endpoint="quota-manager/quotas")
                for region, url in cloud.endpoints("quota-manager").items()}

    def resolve_account_id(self, account_payload: Any = None) -> str:
        if not self.account_id:
            body = self.resell_account() if account_payload is None else account_payload
            account = body.get("account") if isinstance(body, dict) else None
            name = str(account.get("name") or "") if isinstance(account, dict) else ""
            if not name:
                raise ProviderBadResponse(endpoint="resell/accounts", detail="no account name")
            self.account_id = name
        return self.account_id

    # --- Keystone + OpenStack (apps.providers.plugins.openstack) -------------------------------
    @property
    def openstack(self) -> OpenStackClient:
        """The service user's project: Keystone at ``cloud.api.selcloud.ru/identity/v3``, the user's domain
        is the account id (read from the resell API when not given, only once a token is needed)."""
        if self._openstack is None:
            self._openstack = OpenStackClient(auth_url=f"{self.cloud_base}/identity/v3", auth=self._keystone_auth,
                                              session=self.session, rejected_message=SERVICE_USER_REJECTED)
        return self._openstack

    def _keystone_auth(self) -> PasswordAuth:
        account = self.resolve_account_id()
        return PasswordAuth(username=self.username, password=self._password, user_domain=account,
                            project_id=self.project_id, project_name=self.project_name, project_domain=account)

    def keystone(self) -> Token:
        """A project-scoped Keystone token with its catalog (fetched once)."""
        return self.openstack.token()
