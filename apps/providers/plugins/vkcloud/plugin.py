"""VK Cloud: the generic OpenStack plugin with VK's Keystone (user domain ``users``, region ``RegionOne``),
Trove databases and Magnum clusters besides what every OpenStack cloud lists (servers, volumes, snapshots, the
project's own images, floating IPs, load balancers: the shared package); costs ESTIMATED from the
price list shipped in ``prices/`` (VK Cloud has no billing API), replaced in the ledger by VK's billing detail
export when the user imports it for the same days (``apps/costs/importers/vkcloud.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import requests
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.providers.exceptions import ProviderAuthError, ProviderError
from apps.providers.plugins.base import AccountInfo, CostLine, Endpoint, ResourceRecord, readable
from apps.providers.plugins.openstack.plugin import OpenStackPlugin

from . import client as vk
from . import normalize
from .prices import PriceList, price_list
from .spec import SPEC

REJECTED = _("VK Cloud rejected the credentials. Check the e-mail, password and OpenStack project ID (or the "
             "application credential), and that API access is enabled in the project settings.")
DEFAULT_REGION = "RegionOne"


class VKCloudPlugin(OpenStackPlugin):
    spec = SPEC
    provider = normalize.PROVIDER
    currency = normalize.CURRENCY
    rejected_message = REJECTED
    default_user_domain = "users"

    def __init__(self, *, credentials: Mapping[str, Any], endpoint: str = "",
                 session: requests.Session | None = None, today: date | None = None,
                 prices: PriceList | None = None):
        super().__init__(credentials=credentials, endpoint=endpoint, session=session, today=today)
        self.region = self.region or DEFAULT_REGION
        self.prices = prices or price_list()
        self._records: dict[str, list[ResourceRecord]] = {}
        self._flavors: dict[str, dict[str, dict[str, Any]]] = {}

    # --- hooks of OpenStackPlugin -----------------------------------------------------------------
    def resource_costs(self, records: list[ResourceRecord]) -> dict[str, Decimal]:
        costs = {}
        for record in records:
            daily = normalize.estimated_daily(record, self.prices)
            if daily is not None:
                costs[record.resource_id] = daily
        return costs

    def extra_endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("database/instances", frozenset({normalize.DATABASE}),
                     lambda: readable("database/instances", self._databases)),
            Endpoint("container-infra/clusters", frozenset({normalize.KUBERNETES}),
                     lambda: readable("container-infra/clusters", self._clusters)),
        ]

    def endpoints(self) -> list[Endpoint]:
        """The base's endpoints, each remembering its records for ``cost_lines`` of the same sync."""
        def remembered(endpoint: Endpoint) -> Endpoint:
            def fetch() -> list[ResourceRecord]:
                records = endpoint.fetch()
                self._records[endpoint.name] = records
                return records

            return Endpoint(endpoint.name, endpoint.resource_types, fetch)

        return [remembered(endpoint) for endpoint in super().endpoints()]

    # --- VK's own services ----------------------------------------------------------------------
    def _region_flavors(self, region: str) -> dict[str, dict[str, Any]]:
        if region not in self._flavors:
            compute = self.client.endpoints("compute")
            url = compute.get(region) or next(iter(compute.values()), "")
            self._flavors[region] = {str(f.get("id")): f for f in self.client.flavors(url)} if url else {}
        return self._flavors[region]

    def _each_region(self, service_types: tuple[str, ...],
                     build: Callable[[str, str], list[ResourceRecord]]) -> list[ResourceRecord]:
        records: list[ResourceRecord] = []
        for region, url in self.regions(*service_types).items():
            records += build(region, url)
        return self._priced(records)

    def _databases(self) -> list[ResourceRecord]:
        return self._each_region(("database",), lambda region, url: normalize.trove_records(
            vk.trove_instances(self.client, url), region=region, project_id=self.project_id,
            flavors=self._region_flavors(region)))

    def _clusters(self) -> list[ResourceRecord]:
        return self._each_region(("container-infra",), lambda region, url: normalize.magnum_records(
            vk.magnum_clusters(self.client, url), region=region, project_id=self.project_id))

    # --- account and costs ----------------------------------------------------------------------
    def account_info(self) -> AccountInfo:
        """The OpenStack project the token is scoped to; VK publishes no balance API."""
        return AccountInfo(account_id=self.project_id, currency=self.currency)

    def cost_lines(self, *, start: date, end: date) -> Iterator[CostLine]:
        """ESTIMATES from the shipped price list, not VK's bill (VK Cloud has no billing API).

        One line per priced resource and day of [start, end) up to today (UTC), its ``daily_cost`` at the
        price list, marked ``x_estimated`` with the price list's date. The records of this plugin's sync are
        reused; an endpoint not read yet is read now, one that fails is left out (the import keeps the earlier
        estimates of resources missing from the answer); rejected credentials fail the answer. The cost import
        keeps only the days InfraZen knew each resource and drops the days an imported VK export covers.
        """
        last = min(end, (self.today or timezone.now().date()) + timedelta(days=1))
        days = [start + timedelta(days=n) for n in range((last - start).days)]
        if not days:
            return
        extras = {"x_estimated": True, "x_price_list_date": self.prices.date.isoformat(),
                  "x_price_list_source": self.prices.source}
        for endpoint in self.endpoints():
            try:
                records = self._records[endpoint.name] if endpoint.name in self._records else endpoint.fetch()
            except ProviderAuthError:
                raise
            except ProviderError:
                continue
            for record in records:
                if record.daily_cost is None or record.daily_cost <= 0:
                    continue
                for day in days:
                    yield CostLine(provider=self.provider, resource_id=record.resource_id, day=day,
                                   amount=record.daily_cost, currency=record.currency,
                                   service_name=record.service_name, description=record.resource_name,
                                   resource_name=record.resource_name, resource_type=record.resource_type,
                                   region=record.region, tags=dict(record.tags), extras=extras)
