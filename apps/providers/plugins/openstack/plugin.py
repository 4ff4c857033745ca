"""A generic OpenStack cloud (any Keystone v3 + Nova/Cinder/Neutron/...), and the base of the OpenStack
providers (VK Cloud subclasses it): inventory from the shared client, costs from the subclass' prices.

Extension points for a subclass (a provider whose cloud is OpenStack):
- ``spec``, ``provider`` (``ResourceRecord.provider``), ``currency``, ``rejected_message``;
- ``auth_from(credentials)``: the Keystone method from the provider's credential fields;
- ``resource_costs(records)``: daily cost by resource id for the listed records (a price list, a billing
  API); the base knows no prices;
- ``extra_endpoints()``: the provider's own services (VK: Trove databases, Magnum clusters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import requests
from django.utils.translation import gettext_lazy as _

from apps.common.http import build_session
from apps.providers.plugins.base import AccountInfo, Endpoint, MetricSeries, ResourceRecord, readable

from . import normalize
from .client import ApplicationCredentialAuth, OpenStackClient, PasswordAuth
from .spec import SPEC

REJECTED = _("The cloud rejected the OpenStack credentials. Check the user, password and project, or the "
             "application credential.")


class OpenStackPlugin:
    spec = SPEC
    provider = "openstack"
    currency = "RUB"
    rejected_message: Any = REJECTED
    default_user_domain = "Default"

    def __init__(self, *, credentials: Mapping[str, Any], endpoint: str = "",
                 session: requests.Session | None = None, today: date | None = None):
        self.credentials = {k: str(v or "").strip() for k, v in credentials.items()}
        self.today = today
        auth_url = self.auth_url(endpoint)
        # The only POST is the Keystone token exchange, which changes nothing: retrying it is safe.
        self.client = OpenStackClient(auth_url=auth_url, auth=self.auth_from(self.credentials),
                                      session=session or build_session(retry_post=True),
                                      rejected_message=self.rejected_message)
        self.region = self.credentials.get("region", "")

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

    # --- inventory ----------------------------------------------------------------------------
    def _listed(self, service_types: tuple[str, ...], fetch: Callable[[str], list[dict[str, Any]]],
                build: Callable[..., list[ResourceRecord]], **options: Any) -> list[ResourceRecord]:
        records: list[ResourceRecord] = []
        for region, url in self.regions(*service_types).items():
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
        records: list[ResourceRecord] = []
        for region, url in self.regions("compute").items():
            flavors = {str(f.get("id")): f for f in self.client.flavors(url)}
            records += normalize.server_records(self.client.servers(url), provider=self.provider, region=region,
                                                currency=self.currency, flavors=flavors,
                                                account_id=self.project_id)
        return self._priced(records)

    def _volumes(self) -> list[ResourceRecord]:
        return self._listed(("volumev3", "volume"), self.client.volumes, normalize.volume_records)

    def _floating_ips(self) -> list[ResourceRecord]:
        return self._listed(("network",), self.client.floating_ips, normalize.floating_ip_records)

    def endpoints(self) -> list[Endpoint]:
        def endpoint(name: str, types: frozenset[str], fetch: Callable[[], list[ResourceRecord]]) -> Endpoint:
            return Endpoint(name, types, lambda: readable(name, fetch))

        return [
            endpoint("compute/servers", frozenset({normalize.SERVER}), self._servers),
            endpoint("volume/volumes", frozenset({normalize.VOLUME}), self._volumes),
            endpoint("network/floatingips", frozenset({normalize.FLOATING_IP}), self._floating_ips),
            *self.extra_endpoints(),
        ]

    def metrics(self, resource: ResourceRecord) -> list[MetricSeries]:
        return []
