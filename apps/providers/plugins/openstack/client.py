"""OpenStack over HTTP for every OpenStack cloud (Selectel, VK Cloud, ...). HTTP only; not a provider itself.

- Keystone v3 (``POST {auth_url}/auth/tokens``, the token in the ``X-Subject-Token`` header): a password
  scoped to a project (by id, or by name in a domain) or an application credential (already scoped).
- The token's service catalog: endpoints by service type, interface (public by default) and region.
- Endpoint overrides: {service type: URL} used instead of the catalog (a cloud whose catalog lists
  internal hosts, or a service it does not list).
- A token that expires or is revoked mid-sync: a 401 drops it, a new one is fetched and the request is
  sent once more; a second 401 is a ``ProviderAuthError``.
- Paged listings (``limit`` + ``marker``, following ``<items>_links`` rel=next): Nova servers (with
  microversion 2.47, flavors embedded) and flavors, Cinder volumes and snapshots, Neutron floating IPs
  and ports, Octavia load balancers; Glance images page with its own top-level ``next`` link.
- Gnocchi (service type ``metric``): an instance's metrics and their measures.

Shapes: shared/providers/openstack_common (official OpenStack API samples). A provider plugin builds an
``OpenStackClient`` with its own Keystone URL, credentials and "rejected" message, and reads the catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import requests
from django.utils.translation import gettext_lazy as _

from apps.providers.exceptions import ProviderAuthError, ProviderBadResponse, ProviderError, ProviderErrorCode
from apps.providers.http import request_json

PAGE_SIZE = 200
MAX_PAGES = 500
PUBLIC = "public"
TOKEN_ENDPOINT = "identity/auth/tokens"

NOVA_MICROVERSION = "2.47"  # the first Nova microversion that embeds the flavor (vcpus, ram, disk) in a server
# Service types as the OpenStack service-types authority names them (older aliases after the current one).
COMPUTE, VOLUME, NETWORK, IMAGE = ("compute",), ("volumev3", "block-storage", "volume"), ("network",), ("image",)
LOAD_BALANCER, METRIC = ("load-balancer",), ("metric",)

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


class ServiceMissing(ProviderError):
    """The token's catalog (and the overrides) list none of a service's types: that kind is not listed
    this run (its resources are kept as they were, the run says so)."""

    code = ProviderErrorCode.UNAVAILABLE
    permanent = True

    def __init__(self, service_types: tuple[str, ...], *, endpoint: str, what: Any):
        super().__init__(_("The cloud's service catalog lists no %(service)s service: %(what)s were not listed.")
                         % {"service": service_types[0], "what": what}, endpoint=endpoint,
                         detail=f"no {'/'.join(service_types)} in the catalog")


class OpenStackClient:
    """One project of one OpenStack cloud. ``auth`` may be a callable, so a plugin can resolve what the
    credentials need (e.g. Selectel's account id, the user domain) only when a token is first asked for."""

    def __init__(self, *, auth_url: str, auth: PasswordAuth | ApplicationCredentialAuth | Callable[[], Any],
                 session: requests.Session, interface: str = PUBLIC, rejected_message: Any = CREDENTIALS_REJECTED,
                 endpoint_overrides: Mapping[str, str] | None = None, override_region: str = ""):
        """``endpoint_overrides``: {service type: URL} used instead of the catalog's endpoints of that type,
        reported under ``override_region``."""
        self.auth_url = auth_url.rstrip("/")
        self.endpoint_overrides = {str(k).strip(): str(v).strip().rstrip("/")
                                   for k, v in (endpoint_overrides or {}).items() if str(k).strip() and str(v).strip()}
        self.override_region = override_region
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
        """{region: url} of the first of ``service_types`` overridden or listed in the token's catalog."""
        for service_type in service_types:
            if service_type in self.endpoint_overrides:
                return {self.override_region: self.endpoint_overrides[service_type]}
        return catalog_endpoints(self.token().catalog, *service_types, interface=self.interface)

    def require(self, service_types: tuple[str, ...], *, endpoint: str, what: Any) -> dict[str, str]:
        """``endpoints`` of a service that must be there: none is ``ServiceMissing`` for ``endpoint``."""
        found = self.endpoints(*service_types)
        if not found:
            raise ServiceMissing(service_types, endpoint=endpoint, what=what)
        return found

    # --- reads --------------------------------------------------------------------------------
    def get(self, url: str, *, endpoint: str, params: Any = None, headers: dict[str, str] | None = None) -> Any:
        """GET with the token; a 401 (the token expired or was revoked mid-sync) fetches a new token and
        sends the request once more: a second 401 is the credentials' rejection."""
        for attempt in (1, 2):
            token = self.token().token
            try:
                return request_json(self.session, "GET", url, endpoint=endpoint, params=params,
                                    headers={"X-Auth-Token": token, **(headers or {})})
            except ProviderAuthError as exc:
                if attempt == 1:
                    self._token = None  # the next token() asks Keystone again
                    continue
                raise ProviderAuthError(self.rejected_message, endpoint=exc.endpoint, detail=exc.detail) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def paged(self, url: str, *, items_key: str, endpoint: str, params: Mapping[str, Any] | None = None,
              headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """OpenStack paging: ``limit`` + ``marker``, following ``<items>_links`` rel=next."""
        items: list[dict[str, Any]] = []
        next_url, query = url, {**(params or {}), "limit": PAGE_SIZE}
        for _page in range(MAX_PAGES):
            body = self.get(next_url, endpoint=endpoint, params=query, headers=headers)
            page = body.get(items_key) if isinstance(body, dict) else None
            if not isinstance(page, list):
                raise ProviderBadResponse(endpoint=endpoint, detail=f"{items_key} is not a list")
            items.extend(item for item in page if isinstance(item, dict))
            links = body.get(f"{items_key}_links") or []
            following = next((link.get("href") for link in links
                              if isinstance(link, dict) and link.get("rel") == "next"), None)
            if not page or not following:
                break
            next_url, query = str(following), None
        return items

    def servers(self, compute_url: str, *, microversion: str = "") -> list[dict[str, Any]]:
        """Nova ``/servers/detail``; with ``microversion`` (e.g. ``NOVA_MICROVERSION``) both Nova headers are
        sent, and a Nova too old for it (406) is asked again without them."""
        url, endpoint = f"{compute_url}/servers/detail", "compute/servers"
        if not microversion:
            return self.paged(url, items_key="servers", endpoint=endpoint)
        headers = {"X-OpenStack-Nova-API-Version": microversion, "OpenStack-API-Version": f"compute {microversion}"}
        try:
            return self.paged(url, items_key="servers", endpoint=endpoint, headers=headers)
        except ProviderBadResponse as exc:
            if exc.detail != "HTTP 406":
                raise
            return self.paged(url, items_key="servers", endpoint=endpoint)

    def flavors(self, compute_url: str) -> list[dict[str, Any]]:
        """Nova ``/flavors/detail`` (specs of servers listed by a microversion older than 2.47)."""
        return self.paged(f"{compute_url}/flavors/detail", items_key="flavors", endpoint="compute/flavors")

    def _cinder(self, volume_url: str) -> str:
        """Cinder's URL under the project (the catalog URL may or may not end with it)."""
        project_id = self.token().project_id
        if project_id and not volume_url.endswith(project_id):
            volume_url = f"{volume_url}/{project_id}"
        return volume_url

    def volumes(self, volume_url: str) -> list[dict[str, Any]]:
        """Cinder ``/{project_id}/volumes/detail``."""
        return self.paged(f"{self._cinder(volume_url)}/volumes/detail", items_key="volumes", endpoint="volume/volumes")

    def snapshots(self, volume_url: str) -> list[dict[str, Any]]:
        """Cinder ``/{project_id}/snapshots/detail`` (the project's own snapshots)."""
        return self.paged(f"{self._cinder(volume_url)}/snapshots/detail", items_key="snapshots",
                          endpoint="volume/snapshots")

    @staticmethod
    def _neutron(network_url: str) -> str:
        """Neutron's URL under ``/v2.0`` (the catalog URL may or may not end with it)."""
        return network_url if network_url.rstrip("/").endswith("/v2.0") else f"{network_url}/v2.0"

    def floating_ips(self, network_url: str) -> list[dict[str, Any]]:
        """Neutron ``/v2.0/floatingips``."""
        return self.paged(f"{self._neutron(network_url)}/floatingips", items_key="floatingips",
                          endpoint="network/floatingips")

    def ports(self, network_url: str, **filters: str) -> list[dict[str, Any]]:
        """Neutron ``/v2.0/ports`` (``device_id``, ``device_owner``... filters as Neutron documents them)."""
        return self.paged(f"{self._neutron(network_url)}/ports", items_key="ports", endpoint="network/ports",
                          params=filters)

    def load_balancers(self, lb_url: str) -> list[dict[str, Any]]:
        """Octavia ``/v2/lbaas/loadbalancers`` (the catalog URL may or may not end with ``/v2``; the older
        ``/v2.0`` alias is not used)."""
        base = lb_url if lb_url.rstrip("/").endswith("/v2") else f"{lb_url}/v2"
        return self.paged(f"{base}/lbaas/loadbalancers", items_key="loadbalancers",
                          endpoint="load-balancer/loadbalancers")

    def images(self, image_url: str, *, owner: str = "") -> list[dict[str, Any]]:
        """Glance ``/v2/images?owner=<project>``: only the project's own images (not the public ones of the
        cloud nor other projects' shared ones). Glance pages with a top-level ``next``: a path from the
        service root (``/v2/images?marker=...``), not a ``<items>_links`` list."""
        endpoint = "image/images"
        root = image_url[:-3] if image_url.rstrip("/").endswith("/v2") else image_url
        items: list[dict[str, Any]] = []
        next_url: str = f"{root}/v2/images"
        query: dict[str, Any] | None = {"limit": PAGE_SIZE, **({"owner": owner} if owner else {})}
        for _page in range(MAX_PAGES):
            body = self.get(next_url, endpoint=endpoint, params=query)
            page = body.get("images") if isinstance(body, dict) else None
            if not isinstance(page, list):
                raise ProviderBadResponse(endpoint=endpoint, detail="images is not a list")
            items.extend(item for item in page if isinstance(item, dict))
            following = body.get("next")
            if not page or not following or not isinstance(following, str):
                break
            next_url = following if following.startswith(("http://", "https://")) else (
                f"{root}{following}" if following.startswith("/") else urljoin(f"{root}/v2/", following))
            query = None
        return items

    # --- Gnocchi ------------------------------------------------------------------------------
    def gnocchi_instance(self, metric_url: str, server_id: str) -> dict[str, Any] | None:
        """Gnocchi ``/v1/resource/instance/<server id>``: its ``metrics`` ({name: metric id}); None when
        Gnocchi has no such instance (404)."""
        try:
            body = self.get(f"{_gnocchi(metric_url)}/resource/instance/{server_id}", endpoint="metric/resource")
        except ProviderBadResponse as exc:
            if exc.detail == "HTTP 404":
                return None
            raise
        return body if isinstance(body, dict) else None

    def gnocchi_measures(self, metric_url: str, metric_id: str, *, start: datetime,
                         aggregation: str = "mean") -> list[Any]:
        """Gnocchi ``/v1/metric/<id>/measures?start=&aggregation=``: ``[[timestamp, granularity, value]...]``
        of every granularity the metric's archive policy keeps (the caller picks one)."""
        body = self.get(f"{_gnocchi(metric_url)}/metric/{metric_id}/measures", endpoint="metric/measures",
                        params={"start": start.isoformat(), "aggregation": aggregation})
        if not isinstance(body, list):
            raise ProviderBadResponse(endpoint="metric/measures", detail="measures are not a list")
        return body


def _gnocchi(metric_url: str) -> str:
    """Gnocchi's ``/v1`` root (the catalog URL may or may not end with it)."""
    return metric_url if metric_url.rstrip("/").endswith("/v1") else f"{metric_url}/v1"


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
