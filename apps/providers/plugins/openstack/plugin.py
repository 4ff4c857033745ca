"""A generic OpenStack cloud (any Keystone v3 + Nova/Cinder/Neutron/...), and the base of the OpenStack
providers (VK Cloud subclasses it): inventory from the shared client, costs from the subclass' prices.

Extension points for a subclass (a provider whose cloud is OpenStack):
- ``spec``, ``provider`` (``ResourceRecord.provider``), ``currency``, ``rejected_message``;
- ``auth_from(credentials)``: the Keystone method from the provider's credential fields;
- ``resource_costs(records)``: daily cost by resource id for the listed records (a price list, a billing
  API); the base knows no prices;
- ``extra_endpoints()``: the provider's own services (VK: Trove databases, Magnum clusters);
- ``endpoint_overrides()``: {service type: URL} used instead of the catalog (the base reads the optional
  ``endpoint_overrides`` credential and the ``endpoint_overrides`` constructor option).

Every kind is listed only when the catalog (or an override) has its service: a missing one fails that
endpoint alone with ``ServiceMissing`` (the run is partial and says which; the kind's stored resources are
kept, not marked deleted). CPU comes from Gnocchi (``metric``) when the catalog lists it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import requests
from django.utils.translation import gettext_lazy as _

from apps.common.http import build_session
from apps.providers.plugins.base import AccountInfo, Endpoint, MetricSeries, ResourceRecord, readable

from . import normalize
from .client import (
    COMPUTE,
    IMAGE,
    LOAD_BALANCER,
    METRIC,
    NETWORK,
    NOVA_MICROVERSION,
    VOLUME,
    ApplicationCredentialAuth,
    OpenStackClient,
    PasswordAuth,
    ServiceMissing,
)
from .spec import SPEC

METRICS_WINDOW = timedelta(days=14)

REJECTED = _("The cloud rejected the OpenStack credentials. Check the user, password and project, or the "
             "application credential.")


class OpenStackPlugin:
    spec = SPEC
    provider = "openstack"
    currency = "RUB"
    rejected_message: Any = REJECTED
    default_user_domain = "Default"

    def __init__(self, *, credentials: Mapping[str, Any], endpoint: str = "",
                 session: requests.Session | None = None, today: date | None = None,
                 now: Callable[[], datetime] | None = None, endpoint_overrides: Mapping[str, str] | None = None):
        self.credentials = {k: str(v or "").strip() for k, v in credentials.items()}
        self.today = today
        self.now = now or (lambda: datetime.now(UTC))
        self.region = self.credentials.get("region", "")
        auth_url = self.auth_url(endpoint)
        # The only POST is the Keystone token exchange, which changes nothing: retrying it is safe.
        self.client = OpenStackClient(auth_url=auth_url, auth=self.auth_from(self.credentials),
                                      session=session or build_session(retry_post=True),
                                      rejected_message=self.rejected_message,
                                      endpoint_overrides={**self.endpoint_overrides(), **(endpoint_overrides or {})},
                                      override_region=self.region)

    # --- hooks --------------------------------------------------------------------------------
    def auth_url(self, endpoint: str) -> str:
        """The Keystone v3 root (``OS_AUTH_URL``): the connection's endpoint, else the ``auth_url`` field."""
        return (endpoint or self.credentials.get("auth_url") or self.spec.default_endpoint).rstrip("/")

    def auth_from(self, credentials: Mapping[str, str]) -> PasswordAuth | ApplicationCredentialAuth:
        if credentials.get("application_credential_id") and credentials.get("application_credential_secret"):
            return ApplicationCredentialAuth(id=credentials["application_credential_id"],
                                             secret=credentials["application_credential_secret"])
        return PasswordAuth(username=credentials.get("username", ""), password=credentials.get("password", ""),
                            user_domain=credentials.get("user_domain") or self.default_user_domain,
                            project_id=credentials.get("project_id", ""),
                            project_name=credentials.get("project_name", ""),
                            project_domain=credentials.get("project_domain", ""))

    def resource_costs(self, records: list[ResourceRecord]) -> dict[str, Decimal]:
        """Daily cost by resource id of ``records``; a generic OpenStack cloud publishes no prices."""
        return {}

    def extra_endpoints(self) -> list[Endpoint]:
        return []

    def endpoint_overrides(self) -> dict[str, str]:
        """{service type: URL} from the optional ``endpoint_overrides`` credential: a JSON object, or lines
        ``type=URL``; only http(s) URLs are kept."""
        return parse_endpoint_overrides(self.credentials.get("endpoint_overrides", ""))

    # --- account ------------------------------------------------------------------------------
    @property
    def project_id(self) -> str:
        return self.client.token().project_id

    def regions(self, *service_types: str) -> dict[str, str]:
        """{region: url} of a service, limited to the connection's region when it names one."""
        found = self.client.endpoints(*service_types)
        if self.region and self.region in found:
            return {self.region: found[self.region]}
        return found

    def account_info(self) -> AccountInfo:
        return AccountInfo(account_id=self.project_id, currency=self.currency)

    def test_connection(self) -> AccountInfo:
        return self.account_info()

    def required_regions(self, service_types: tuple[str, ...], *, endpoint: str, what: Any) -> dict[str, str]:
        """``regions`` of a service the endpoint needs: none is ``ServiceMissing`` (that endpoint fails alone,
        its kind's stored resources stay)."""
        found = self.regions(*service_types)
        if not found:
            raise ServiceMissing(service_types, endpoint=endpoint, what=what)
        return found

    # --- inventory ----------------------------------------------------------------------------
    def _listed(self, service_types: tuple[str, ...], fetch: Callable[[str], list[dict[str, Any]]],
                build: Callable[..., list[ResourceRecord]], *, endpoint: str = "", what: Any = "",
                **options: Any) -> list[ResourceRecord]:
        records: list[ResourceRecord] = []
        regions = self.required_regions(service_types, endpoint=endpoint, what=what) if endpoint \
            else self.regions(*service_types)
        for region, url in regions.items():
            records += build(fetch(url), provider=self.provider, region=region, currency=self.currency,
                             account_id=self.project_id, **options)
        return self._priced(records)

    def _priced(self, records: list[ResourceRecord]) -> list[ResourceRecord]:
        costs = self.resource_costs(records)
        if not costs:
            return records
        from dataclasses import replace

        return [replace(r, **normalize.hourly_costs(costs[r.resource_id])) if r.resource_id in costs else r
                for r in records]

    def _servers(self) -> list[ResourceRecord]:
        """Nova servers with microversion 2.47 (flavors embedded); ``/flavors/detail`` only when a Nova too
        old for it answered with flavor ids."""
        records: list[ResourceRecord] = []
        for region, url in self.required_regions(COMPUTE, endpoint="compute/servers", what=_("servers")).items():
            servers = self.client.servers(url, microversion=NOVA_MICROVERSION)
            flavors = {}
            if any(not isinstance(s.get("flavor"), dict) or s["flavor"].get("vcpus") is None for s in servers):
                flavors = {str(f.get("id")): f for f in self.client.flavors(url)}
            records += normalize.server_records(servers, provider=self.provider, region=region,
                                                currency=self.currency, flavors=flavors,
                                                account_id=self.project_id)
        return self._priced(records)

    def _volumes(self) -> list[ResourceRecord]:
        return self._listed(VOLUME, self.client.volumes, normalize.volume_records, endpoint="volume/volumes",
                            what=_("volumes"))

    def _snapshots(self) -> list[ResourceRecord]:
        return self._listed(VOLUME, self.client.snapshots, normalize.snapshot_records, endpoint="volume/snapshots",
                            what=_("volume snapshots"))

    def _images(self) -> list[ResourceRecord]:
        owner = self.project_id
        return self._listed(IMAGE, lambda url: self.client.images(url, owner=owner), normalize.image_records,
                            endpoint="image/images", what=_("images"), owner=owner)

    def _load_balancers(self) -> list[ResourceRecord]:
        return self._listed(LOAD_BALANCER, self.client.load_balancers, normalize.load_balancer_records,
                            endpoint="load-balancer/loadbalancers", what=_("load balancers"))

    def _floating_ips(self) -> list[ResourceRecord]:
        """Neutron floating IPs; the project's ports (only when an address has a port but no ``port_details``)
        say what each is on."""
        records: list[ResourceRecord] = []
        regions = self.required_regions(NETWORK, endpoint="network/floatingips", what=_("floating IPs"))
        for region, url in regions.items():
            addresses = self.client.floating_ips(url)
            ports = None
            if any(item.get("port_id") and not isinstance(item.get("port_details"), dict) for item in addresses):
                ports = {str(p.get("id")): p for p in self.client.ports(url)}
            records += normalize.floating_ip_records(addresses, provider=self.provider, region=region,
                                                     currency=self.currency, account_id=self.project_id, ports=ports)
        return self._priced(records)

    def endpoints(self) -> list[Endpoint]:
        def endpoint(name: str, types: frozenset[str], fetch: Callable[[], list[ResourceRecord]]) -> Endpoint:
            return Endpoint(name, types, lambda: readable(name, fetch))

        return [
            endpoint("compute/servers", frozenset({normalize.SERVER}), self._servers),
            endpoint("volume/volumes", frozenset({normalize.VOLUME}), self._volumes),
            endpoint("volume/snapshots", frozenset({normalize.SNAPSHOT}), self._snapshots),
            endpoint("image/images", frozenset({normalize.IMAGE}), self._images),
            endpoint("network/floatingips", frozenset({normalize.FLOATING_IP}), self._floating_ips),
            endpoint("load-balancer/loadbalancers", frozenset({normalize.LOAD_BALANCER}), self._load_balancers),
            *self.extra_endpoints(),
        ]

    # --- metrics ------------------------------------------------------------------------------
    def metrics(self, resource: ResourceRecord) -> list[MetricSeries]:
        """Hourly ``cpu_percent`` of a server over the last 14 days from Gnocchi, when the catalog lists it:
        the instance's ``cpu_util`` when it has one, else its cumulative ``cpu`` (ns) over its vCPUs."""
        if resource.resource_type != normalize.SERVER:
            return []
        found = self.regions(*METRIC)
        url = found.get(resource.region) or (next(iter(found.values())) if len(found) == 1 else "")
        if not url:
            return []
        instance = self.client.gnocchi_instance(url, resource.resource_id)
        names = instance.get("metrics") if isinstance(instance, dict) else None
        if not isinstance(names, dict):
            return []
        metric = next((name for name in ("cpu_util", "cpu") if names.get(name)), "")
        if not metric:
            return []
        start = (self.now() - METRICS_WINDOW).replace(minute=0, second=0, microsecond=0)
        measures = self.client.gnocchi_measures(url, str(names[metric]), start=start)
        vcpus = resource.specs.get("cpu_cores") if isinstance(resource.specs, Mapping) else None
        return [readable("metric/measures", lambda: normalize.cpu_series(
            measures, resource_id=resource.resource_id, metric=metric, vcpus=vcpus))]


def parse_endpoint_overrides(text: str) -> dict[str, str]:
    """``{"compute": "https://..."}`` or lines ``compute=https://...`` -> {service type: URL} (http(s) only)."""
    text = (text or "").strip()
    pairs: dict[str, str] = {}
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = {}
        items = loaded.items() if isinstance(loaded, dict) else []
        pairs = {str(k).strip(): str(v).strip() for k, v in items}
    else:
        for line in text.replace(",", "\n").splitlines():
            key, sep, value = line.partition("=")
            if sep:
                pairs[key.strip()] = value.strip()
    return {k: v.rstrip("/") for k, v in pairs.items() if k and v.startswith(("https://", "http://"))}
