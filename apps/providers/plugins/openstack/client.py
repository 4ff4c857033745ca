"""OpenStack over HTTP for every OpenStack cloud (Selectel, VK Cloud, ...). HTTP only; not a provider itself.

- Keystone v3 (``POST {auth_url}/auth/tokens``, the token in the ``X-Subject-Token`` header): a password
  scoped to a project (by id, or by name in a domain) or an application credential (already scoped).
- The token's service catalog: endpoints by service type, interface (public by default) and region.
- Paged listings (``limit`` + ``marker``, following ``<items>_links`` rel=next): Nova servers and
  flavors, Cinder volumes, Neutron floating IPs.

Shapes: shared/providers/openstack_common (official OpenStack API samples). A provider plugin builds an
``OpenStackClient`` with its own Keystone URL, credentials and "rejected" message, and reads the catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from django.utils.translation import gettext_lazy as _

from apps.providers.exceptions import ProviderAuthError, ProviderBadResponse
from apps.providers.http import request_json

PAGE_SIZE = 200
MAX_PAGES = 500
PUBLIC = "public"
TOKEN_ENDPOINT = "identity/auth/tokens"

CREDENTIALS_REJECTED = _("The cloud rejected the OpenStack credentials. Check the user, password and project.")


@dataclass(frozen=True)
class PasswordAuth:
    """Keystone ``password`` method scoped to one project: by ``project_id``, or by ``project_name`` in
    ``project_domain`` (which defaults to the user's domain)."""

    username: str
    password: str
    user_domain: str = "Default"
    project_id: str = ""
    project_name: str = ""
    project_domain: str = ""

    def __repr__(self) -> str:  # never the password
        return f"PasswordAuth(username={self.username!r}, user_domain={self.user_domain!r})"

    def body(self) -> dict[str, Any]:
        if self.project_id:
            project: dict[str, Any] = {"id": self.project_id}
        else:
            project = {"name": self.project_name, "domain": {"name": self.project_domain or self.user_domain}}
        return {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": self.username, "domain": {"name": self.user_domain}, "password": self.password}}},
            "scope": {"project": project},
        }}


@dataclass(frozen=True)
class ApplicationCredentialAuth:
    """Keystone ``application_credential`` method: by credential ``id``, or by ``name`` with its owner
    (``user_id``, or ``username`` in ``user_domain``). The credential carries its project: no scope."""

    secret: str
    id: str = ""
    name: str = ""
    user_id: str = ""
    username: str = ""
    user_domain: str = "Default"

    def __repr__(self) -> str:  # never the secret
        return f"ApplicationCredentialAuth(id={self.id!r}, name={self.name!r})"

    def body(self) -> dict[str, Any]:
        credential: dict[str, Any] = {"secret": self.secret}
        if self.id:
            credential["id"] = self.id
        else:
            user = {"id": self.user_id} if self.user_id else {"name": self.username,
                                                                  "domain": {"name": self.user_domain}}
            credential.update(name=self.name, user=user)
        return {"auth": {"identity": {"methods": ["application_credential"],
                                      "application_credential": credential}}}


@dataclass(frozen=True)
class Token:
    token: str
    catalog: list[Any]
    project_id: str


class OpenStackClient:
    """One project of one OpenStack cloud. ``auth`` may be a callable, so a plugin can resolve what the
    credentials need (e.g. Selectel's account id, the user domain) only when a token is first asked for."""

    def __init__(self, *, auth_url: str, auth: PasswordAuth | ApplicationCredentialAuth | Callable[[], Any],
                 session: requests.Session, interface: str = PUBLIC, rejected_message: Any = CREDENTIALS_REJECTED):
        self.auth_url = auth_url.rstrip("/")
        self._auth = auth
        self.session = session
        self.interface = interface
        self.rejected_message = rejected_message
        self._token: Token | None = None

    def __repr__(self) -> str:
        return f"OpenStackClient(auth_url={self.auth_url!r})"

    # --- Keystone -----------------------------------------------------------------------------
    def token(self) -> Token:
        """A scoped token and its catalog, fetched once per client."""
        if self._token is not None:
            return self._token
        auth = self._auth() if callable(self._auth) else self._auth
        captured: dict[str, str] = {}

        def keep_subject_token(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            captured["token"] = response.headers.get("X-Subject-Token", "")

        try:
            answer = request_json(self.session, "POST", f"{self.auth_url}/auth/tokens", endpoint=TOKEN_ENDPOINT,
                                  json=auth.body(), hooks={"response": keep_subject_token})
        except ProviderAuthError as exc:
            raise ProviderAuthError(self.rejected_message, endpoint=exc.endpoint, detail=exc.detail) from None
        token_body = answer.get("token") if isinstance(answer, dict) else None
        if not captured.get("token") or not isinstance(token_body, dict):
            raise ProviderBadResponse(endpoint=TOKEN_ENDPOINT, detail="no X-Subject-Token or token body")
        project_body = token_body.get("project") if isinstance(token_body.get("project"), dict) else {}
        self._token = Token(
            token=captured["token"],
            catalog=token_body.get("catalog") if isinstance(token_body.get("catalog"), list) else [],
            project_id=str(project_body.get("id") or getattr(auth, "project_id", "") or ""),
        )
        return self._token

    def endpoints(self, *service_types: str) -> dict[str, str]:
        """{region: url} of the first of ``service_types`` the token's catalog lists."""
        return catalog_endpoints(self.token().catalog, *service_types, interface=self.interface)

    # --- reads --------------------------------------------------------------------------------
    def get(self, url: str, *, endpoint: str, params: Any = None, headers: dict[str, str] | None = None) -> Any:
        token = self.token().token
        try:
            return request_json(self.session, "GET", url, endpoint=endpoint, params=params,
                                headers={"X-Auth-Token": token, **(headers or {})})
        except ProviderAuthError as exc:
            raise ProviderAuthError(self.rejected_message, endpoint=exc.endpoint, detail=exc.detail) from None

    def paged(self, url: str, *, items_key: str, endpoint: str) -> list[dict[str, Any]]:
        """OpenStack paging: ``limit`` + ``marker``, following ``<items>_links`` rel=next."""
        items: list[dict[str, Any]] = []
        next_url, params = url, {"limit": PAGE_SIZE}
        for _page in range(MAX_PAGES):
            body = self.get(next_url, endpoint=endpoint, params=params)
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
        """Nova ``/servers/detail``."""
        return self.paged(f"{compute_url}/servers/detail", items_key="servers", endpoint="compute/servers")

    def flavors(self, compute_url: str) -> list[dict[str, Any]]:
        """Nova ``/flavors/detail`` (specs of servers listed by a microversion older than 2.47)."""
        return self.paged(f"{compute_url}/flavors/detail", items_key="flavors", endpoint="compute/flavors")

    def volumes(self, volume_url: str) -> list[dict[str, Any]]:
        """Cinder ``/{project_id}/volumes/detail`` (the catalog URL may or may not end with the project)."""
        project_id = self.token().project_id
        if project_id and not volume_url.endswith(project_id):
            volume_url = f"{volume_url}/{project_id}"
        return self.paged(f"{volume_url}/volumes/detail", items_key="volumes", endpoint="volume/volumes")

    def floating_ips(self, network_url: str) -> list[dict[str, Any]]:
        """Neutron ``/v2.0/floatingips`` (the catalog URL may or may not end with ``/v2.0``)."""
        base = network_url if network_url.rstrip("/").endswith("/v2.0") else f"{network_url}/v2.0"
        return self.paged(f"{base}/floatingips", items_key="floatingips", endpoint="network/floatingips")


def catalog_endpoints(catalog: Any, *service_types: str, interface: str = PUBLIC) -> dict[str, str]:
    """Keystone ``token.catalog`` -> {region: url} on ``interface`` for the first service type present."""
    for service_type in service_types:
        found: dict[str, str] = {}
        for service in catalog if isinstance(catalog, list) else []:
            if not isinstance(service, dict) or service.get("type") != service_type:
                continue
            for item in service.get("endpoints") or []:
                if isinstance(item, dict) and item.get("interface", PUBLIC) == interface and item.get("url"):
                    region = str(item.get("region") or item.get("region_id") or "")
                    found[region] = str(item["url"]).rstrip("/")
        if found:
            return dict(sorted(found.items()))
    return {}
