"""Selectel plugin: billing (static token) always, OpenStack servers and volumes with a service user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import requests
from django.utils import timezone

from apps.providers.exceptions import ProviderAuthError, ProviderError
from apps.providers.plugins.base import AccountInfo, CostLine, Endpoint, MetricSeries, ResourceRecord, readable
from apps.providers.plugins.openstack import normalize as openstack

from . import normalize
from .client import SelectelClient
from .spec import SPEC

OPENSTACK_TYPES = frozenset({normalize.SERVER, normalize.VOLUME})  # resource types OpenStack lists
BILLING_ONLY_TYPES = frozenset({normalize.CLOUD_SERVICE})


def _optional(func: Callable[[], Any]) -> Any:
    """Parts of the account card that may fail without failing the card (only bad credentials do)."""
    try:
        return func()
    except ProviderAuthError:
        raise
    except ProviderError:
        return None


class SelectelPlugin:
    spec = SPEC

    def __init__(self, *, credentials: dict[str, Any], endpoint: str = "",
                 session: requests.Session | None = None, today: date | None = None):
        self.client = SelectelClient(
            token=str(credentials.get("token") or ""),
            account_id=str(credentials.get("account_id") or ""),
            username=str(credentials.get("username") or ""),
            password=str(credentials.get("password") or ""),
            project_id=str(credentials.get("project_id") or ""),
            project_name=str(credentials.get("project_name") or ""),
            endpoint=endpoint,
            session=session,
        )
        self.today = today
        self._day_rows: list[dict[str, Any]] | None = None

    # --- billing ------------------------------------------------------------------------------
    def last_full_day(self) -> date:
        return (self.today or timezone.localdate()) - timedelta(days=1)

    def day_rows(self) -> list[dict[str, Any]]:
        """Consumption of the last whole day, fetched once per plugin instance."""
        if self._day_rows is None:
            day = self.last_full_day()
            payload = self.client.consumption(start=day, end=day, period="day")
            self._day_rows = readable("cloud_billing/consumption", lambda: normalize.consumption_rows(payload))
        return self._day_rows

    def day_costs(self) -> dict[str, Decimal]:
        """{object id: daily roubles}; empty when the statistics cannot be read (the billing endpoint
        then fails on its own, the inventory endpoints still list their resources without costs)."""
        rows = _optional(self.day_rows)
        return normalize.daily_costs(rows) if rows is not None else {}

    def cost_lines(self, *, start: date, end: date) -> list[CostLine]:
        """Daily costs per resource and service for [start, end) from the consumption statistics
        (kopecks -> roubles); the statistics API itself takes whole days, both ends inclusive."""
        if end <= start:
            return []
        payload = self.client.consumption(start=start, end=end - timedelta(days=1), period="day")
        lines = readable("cloud_billing/consumption",
                          lambda: normalize.cost_lines(normalize.consumption_rows(payload)))
        return [line for line in lines if start <= line.day < end]

    # --- account ------------------------------------------------------------------------------
    def _limits(self) -> dict[str, Any] | None:
        """Quotas of the service user's project from the quota-manager (every region of the catalog); none
        without a service user (the static token has no access to the quota-manager)."""
        if not self.client.has_service_user:
            return None
        project_id = self.client.keystone().project_id
        answers = self.client.project_quotas(project_id)
        return readable("quota-manager/quotas", lambda: normalize.quota_limits(answers))

    def account_info(self) -> AccountInfo:
        account_payload = None
        if not self.client.account_id:
            account_payload = _optional(self.client.resell_account)
            if account_payload is not None:
                _optional(lambda: self.client.resolve_account_id(account_payload))
        balances = self.client.balances()
        prediction = _optional(self.client.prediction)
        rows = _optional(self.day_rows)
        daily_rate = sum(normalize.daily_costs(rows).values(), Decimal(0)) if rows is not None else None
        limits = _optional(self._limits)
        return readable("v3/balances", lambda: normalize.account_info(
            account_id=self.client.account_id, balances_payload=balances, prediction_payload=prediction,
            daily_rate=daily_rate, limits=limits, account_payload=account_payload))

    def test_connection(self) -> AccountInfo:
        """The static token must read the balance; a service user, when given, must get a token."""
        info = self.account_info()
        if self.client.has_service_user:
            self.client.keystone()
        return info

    # --- inventory ----------------------------------------------------------------------------
    def _servers(self) -> list[ResourceRecord]:
        cloud, costs, records = self.client.openstack, self.day_costs(), []
        for region, url in cloud.endpoints("compute").items():
            flavors = {str(f.get("id")): f for f in cloud.flavors(url)}
            records += openstack.server_records(cloud.servers(url), provider=normalize.PROVIDER, region=region,
                                                currency=normalize.CURRENCY, flavors=flavors, costs=costs,
                                                account_id=self.client.account_id)
        return records

    def _volumes(self) -> list[ResourceRecord]:
        cloud, costs, records = self.client.openstack, self.day_costs(), []
        for region, url in cloud.endpoints("volumev3", "volume").items():
            records += openstack.volume_records(cloud.volumes(url), provider=normalize.PROVIDER, region=region,
                                                currency=normalize.CURRENCY, costs=costs,
                                                account_id=self.client.account_id)
        return records

    def _billed(self, exclude: frozenset[str]) -> list[ResourceRecord]:
        return normalize.consumption_records(self.day_rows(), account_id=self.client.account_id,
                                             exclude_types=exclude)

    def endpoints(self) -> list[Endpoint]:
        if not self.client.has_service_user:
            return [Endpoint("cloud_billing/consumption", OPENSTACK_TYPES | BILLING_ONLY_TYPES,
                             lambda: readable("cloud_billing/consumption", lambda: self._billed(frozenset())))]
        return [
            Endpoint("compute/servers", frozenset({normalize.SERVER}),
                     lambda: readable("compute/servers", self._servers)),
            Endpoint("volume/volumes", frozenset({normalize.VOLUME}),
                     lambda: readable("volume/volumes", self._volumes)),
            Endpoint("cloud_billing/consumption", BILLING_ONLY_TYPES,
                     lambda: readable("cloud_billing/consumption", lambda: self._billed(OPENSTACK_TYPES))),
        ]

    def metrics(self, resource: ResourceRecord) -> list[MetricSeries]:
        # Gnocchi (metric service) is not read yet: see docs/providers/selectel.md.
        return []
