"""Timeweb Cloud plugin: wires the client to the normalizers, one isolated endpoint per API listing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests
from django.utils import timezone

from apps.providers.exceptions import ProviderAuthError, ProviderBadResponse, ProviderError
from apps.providers.plugins.base import (
    AccountInfo,
    CostLine,
    Endpoint,
    MetricSeries,
    RememberedRecords,
    ResourceRecord,
    estimated_cost_lines,
    normalized,
    readable,
)
from apps.providers.plugins.parsing import to_text

from . import normalize
from .client import RateLimiter, TimewebClient
from .spec import SPEC

MOSCOW = ZoneInfo("Europe/Moscow")
METRICS_HOURS = 24


class TimewebPlugin(RememberedRecords):
    spec = SPEC

    def __init__(self, *, credentials: dict[str, Any], endpoint: str = "", session: requests.Session | None = None,
                 limiter: RateLimiter | None = None, now: Callable[[], datetime] = timezone.now):
        self.client = TimewebClient(token=str(credentials.get("token") or ""),
                                    base_url=endpoint or SPEC.default_endpoint, session=session, limiter=limiter)
        self._now = now
        # Answers shared by the endpoints of one sync (prices and projects are read once).
        self._costs: list[normalize.ServiceCost] | None = None
        self._costs_error: ProviderError | None = None
        self._projects: list[Any] | None = None
        self._project_index: dict[tuple[str, str], normalize.Project] | None = None
        self._listed: dict[str, list[ResourceRecord]] = {}
        self._failed: set[str] = set()
        self._account_id = ""  # the projects' account_id (cp…), once the account info is read

    # --- account ------------------------------------------------------------------------------
    def _project_list(self) -> list[Any]:
        if self._projects is None:
            self._projects = [p for p in self.client.projects() if isinstance(p, dict)]
        return self._projects

    def account_info(self) -> AccountInfo:
        finances = self.client.finances()
        status = _optional(self.client.account_status)
        projects = _optional(self._project_list) or []
        account_id = next((to_text(p.get("account_id")) for p in projects if to_text(p.get("account_id"))), "")
        self._account_id = account_id
        return readable("account/finances", lambda: normalize.account_info(finances, status_payload=status,
                                                                            account_id=account_id))

    def test_connection(self) -> AccountInfo:
        return self.account_info()

    # --- shared answers -----------------------------------------------------------------------
    def _service_costs(self) -> list[normalize.ServiceCost]:
        """``services_costs``, read once; a failure (other than rejected credentials) leaves resources without a
        price rather than failing every listing, and is raised by ``cost_lines``."""
        if self._costs is None and self._costs_error is None:
            try:
                items = self.client.services_costs()
                self._costs = readable("account/services/cost", lambda: normalize.service_costs(items))
            except ProviderAuthError:
                raise
            except ProviderError as exc:
                self._costs_error = exc
        return self._costs or []

    def _cost_index(self) -> dict[tuple[str, str], normalize.ServiceCost]:
        return normalize.cost_index(self._service_costs())

    def _projects_by_resource(self) -> dict[tuple[str, str], normalize.Project]:
        """(family, id) -> project from ``/api/v1/projects/{id}/resources``; empty when projects cannot be read."""
        if self._project_index is None:
            try:
                projects = self._project_list()
                answers = {normalize.id_text(p.get("id")): self.client.project_resources(p.get("id"))
                           for p in projects if p.get("id") is not None}
                self._project_index = readable("projects/resources",
                                               lambda: normalize.project_index(projects, answers))
            except ProviderAuthError:
                raise
            except (ProviderError, ValueError, TypeError):
                self._project_index = {}
        return self._project_index

    def _projects_by_id(self) -> dict[str, normalize.Project]:
        try:
            projects = self._project_list()
        except ProviderAuthError:
            raise
        except ProviderError:
            return {}
        found = (normalize.Project(normalize.id_text(p.get("id")), to_text(p.get("name"))) for p in projects)
        return {project.id: project for project in found}

    # --- resources ----------------------------------------------------------------------------
    def _with_account(self, records: list[ResourceRecord]) -> list[ResourceRecord]:
        if not self._account_id:
            return records
        return [r if r.account_id else replace(r, account_id=self._account_id) for r in records]

    def _priced(self, listing: Callable[[], list[Any]], normalizer) -> Callable[[], list[ResourceRecord]]:
        def fetch() -> list[ResourceRecord]:
            items = listing()
            return self._with_account(normalizer(items, costs=self._cost_index(),
                                                 projects=self._projects_by_resource()))

        return fetch

    def _other_services(self) -> list[ResourceRecord]:
        self._service_costs()
        if self._costs_error is not None:
            raise self._costs_error
        return self._with_account(normalize.other_service_records(self._costs or [],
                                                                  projects=self._projects_by_id()))

    def endpoints(self) -> list[Endpoint]:
        c = self.client
        listing = [
            ("servers", frozenset({"server"}), self._priced(c.servers, normalize.server_records)),
            ("databases", normalize.DATABASE_TYPES, self._priced(c.databases, normalize.database_records)),
            ("storages/buckets", frozenset({"bucket"}), self._priced(c.buckets, normalize.bucket_records)),
            ("floating-ips", frozenset({"floating_ip"}), self._priced(c.floating_ips, normalize.floating_ip_records)),
            ("balancers", frozenset({"load_balancer"}), self._priced(c.balancers, normalize.balancer_records)),
            ("k8s/clusters", frozenset({"kubernetes_cluster"}), self._priced(c.k8s_clusters, normalize.k8s_records)),
            ("account/services/cost", frozenset({"cloud_service"}), self._other_services),
        ]
        return [Endpoint(name, types, self._remember(name, normalized(name, fetch))) for name, types, fetch in listing]

    # --- costs --------------------------------------------------------------------------------
    def last_full_day(self) -> date:
        """Yesterday in Moscow, Timeweb's billing time zone: the last day whose charges are complete."""
        return self._now().astimezone(MOSCOW).date() - timedelta(days=1)

    def cost_lines(self, *, start: date, end: date) -> Iterator[CostLine]:
        """ESTIMATES from ``/api/v1/account/services/cost``: Timeweb publishes no per-day charges.

        Each priced resource (and each service no listing covers) gets one line per day of [start, end) up to
        the last full day (Moscow), its monthly ``total_cost`` / 30, marked ``x_estimated`` with the original
        monthly price. The records of this plugin's sync are reused; an endpoint not read yet is read now and one
        that failed is left out (the import keeps the earlier estimates of resources missing from the answer).
        The services' costs themselves failing fails the answer: there is nothing to estimate from.
        """
        last = min(end, self.last_full_day() + timedelta(days=1))
        days = [start + timedelta(days=n) for n in range((last - start).days)]
        if not days:
            return
        self._service_costs()
        if self._costs_error is not None:
            raise self._costs_error
        yield from estimated_cost_lines(provider=normalize.PROVIDER, endpoints=self.endpoints(), listed=self._listed,
                                        failed=self._failed, days=days)

    # --- metrics ------------------------------------------------------------------------------
    def metrics(self, resource: ResourceRecord) -> list[MetricSeries]:
        """The last day of a server's statistics (CPU, memory, network) and its disks' use now."""
        if resource.resource_type != "server":
            return []
        if not resource.resource_id.isdigit():
            raise ProviderBadResponse(endpoint="servers/statistics", detail="server id is not a number")
        now = self._now().astimezone(MOSCOW).replace(microsecond=0)
        # The spec's example is Moscow local time without an offset (its own timestamps are +03:00).
        payload = self.client.server_statistics(
            resource.resource_id, date_from=(now - timedelta(hours=METRICS_HOURS)).strftime("%Y-%m-%dT%H:%M:%S"),
            date_to=now.strftime("%Y-%m-%dT%H:%M:%S"))
        series = readable("servers/statistics",
                          lambda: normalize.statistics_series(payload, resource_id=resource.resource_id))
        return series + normalize.disk_series(resource.provider_config, resource_id=resource.resource_id, at=now)


def _optional(call: Callable[[], Any]) -> Any:
    """An account detail that may be refused (403) or fail: None; rejected credentials still fail."""
    try:
        return call()
    except ProviderAuthError:
        raise
    except ProviderError:
        return None
