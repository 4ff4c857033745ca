"""Cloud.ru Evolution plugin: projects of the customer -> per-project Compute lists; consumption API v2 costs.

The scope (which projects to read) is the optional ``project_id`` credential, or every project of the
customer (``organization/projects``), discovered once per plugin: when discovery fails, every per-project
endpoint fails with it, so nothing is marked deleted on a partial view. Consumption is read for the
agreement when ``agreement_id`` is given, else for the projects.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import requests
from django.utils import timezone

from apps.providers.exceptions import ProviderAuthError, ProviderBadResponse, ProviderError
from apps.providers.plugins.base import AccountInfo, CostLine, Endpoint, MetricSeries, ResourceRecord, readable

from . import normalize
from .client import COMPUTE_PAGE_SIZE, CONSUMPTION_PAGE_SIZE, CloudRuClient
from .spec import SPEC

CONSUMPTION = "organization/v2/consumption"


def _optional(func: Callable[[], Any]) -> Any:
    """Parts that may fail without failing the whole (only a rejected key does)."""
    try:
        return func()
    except ProviderAuthError:
        raise
    except ProviderError:
        return None


class CloudRuPlugin:
    spec = SPEC

    def __init__(self, *, credentials: dict[str, Any], endpoint: str = "", session: requests.Session | None = None,
                 clock: Callable[[], float] = time.time, today: date | None = None,
                 consumption_page_size: int = CONSUMPTION_PAGE_SIZE, compute_page_size: int = COMPUTE_PAGE_SIZE):
        self.customer_id = str(credentials.get("customer_id") or "").strip()
        self.agreement_id = str(credentials.get("agreement_id") or "").strip()
        self.project_id = str(credentials.get("project_id") or "").strip()
        self.client = CloudRuClient(
            key_id=str(credentials.get("key_id") or ""),
            key_secret=str(credentials.get("key_secret") or ""),
            endpoint=endpoint or SPEC.default_endpoint,
            session=session,
            clock=clock,
            consumption_page_size=consumption_page_size,
            compute_page_size=compute_page_size,
        )
        self.today = today
        self._projects: list[dict[str, Any]] | None = None
        self._day_rows: list[dict[str, Any]] | None = None
        self._day_read = False

    # --- scope ----------------------------------------------------------------------------------
    def projects(self) -> list[dict[str, Any]]:
        """The projects read: the one of ``project_id`` (named from the list when it is readable), or all."""
        if self._projects is None:
            if self.project_id:
                listed = _optional(lambda: self.client.projects(self.customer_id)) or []
                named = normalize.project_names(listed)
                projects = [{"id": self.project_id, "name": named.get(self.project_id, "")}]
            else:
                projects = self.client.projects(self.customer_id)
                if any(not normalize.to_text(p.get("id")) for p in projects):
                    raise ProviderBadResponse(endpoint="organization/projects", detail="project without id")
            self._projects = projects
        return self._projects

    def project_ids(self) -> list[str]:
        return [normalize.to_text(p.get("id")) for p in self.projects()]

    # --- consumption ----------------------------------------------------------------------------
    def last_full_day(self) -> date:
        return (self.today or timezone.now().date()) - timedelta(days=1)

    def _rows(self, start: date, end: date) -> Iterator[dict[str, Any]]:
        """The agreement's rows, or each project's in turn (one ``project_ids`` value per request: how the API
        takes several values of an array parameter is not documented)."""
        if self.agreement_id:
            yield from self.client.iter_consumption(start=start, end=end, agreement_id=self.agreement_id)
            return
        for project_id in self.project_ids():
            yield from self.client.iter_consumption(start=start, end=end, project_ids=(project_id,))

    def cost_lines(self, *, start: date, end: date) -> list[CostLine]:
        """Daily costs per resource and SKU for [start, end), amounts without VAT (VAT in the extras).

        The whole answer is read before anything is returned: a page-token loop or a failed page raises,
        and the ledger keeps what it had."""
        if end <= start:
            return []
        if not self.agreement_id and not self.project_ids():
            return []
        rows = list(self._rows(start, end))
        lines = readable(CONSUMPTION, lambda: normalize.cost_lines(rows, account_id=self.customer_id))
        return [line for line in lines if start <= line.day < end]

    def day_rows(self) -> list[dict[str, Any]] | None:
        """The last full UTC day's consumption rows, read once per plugin; None when they cannot be read."""
        if not self._day_read:
            day = self.last_full_day()
            self._day_rows = _optional(lambda: list(self._rows(day, day + timedelta(days=1))))
            self._day_read = True
        return self._day_rows

    def day_costs(self) -> dict[str, Decimal]:
        """{resource id: the last full day's consumption without VAT}; empty when it cannot be read."""
        rows = self.day_rows()
        return readable(CONSUMPTION, lambda: normalize.daily_costs(rows)) if rows is not None else {}

    # --- protocol -------------------------------------------------------------------------------
    def account_info(self) -> AccountInfo:
        projects = _optional(self.projects)
        rows = self.day_rows() if self.agreement_id or projects else None
        day_total = readable(CONSUMPTION, lambda: normalize.total(rows)) if rows is not None else None
        return normalize.account_info(customer_id=self.customer_id, day_total=day_total,
                                      projects=None if projects is None else len(projects))

    def test_connection(self) -> AccountInfo:
        """The access key must give a token, and the customer's projects must be readable (with ``project_id``:
        that project's VMs, since a project administrator may not list the organization's projects)."""
        self.client.access_token()
        if self.project_id:
            self.client.vms(self.project_id)
        else:
            self.client.projects(self.customer_id)
        return self.account_info()

    def _per_project(self, fetch: Callable[[str], list[dict[str, Any]]],
                     build: Callable[..., list[ResourceRecord]]) -> list[ResourceRecord]:
        records: list[ResourceRecord] = []
        costs = self.day_costs()
        for project in self.projects():
            project_id = normalize.to_text(project.get("id"))
            records.extend(build(fetch(project_id), project_id=project_id, customer_id=self.customer_id,
                                 project_name=normalize.to_text(project.get("name")), costs=costs))
        return records

    def endpoints(self) -> list[Endpoint]:
        c = self.client
        return [
            Endpoint("compute/vms", frozenset({normalize.VM}),
                     lambda: readable("compute/vms", lambda: self._per_project(c.vms, normalize.vm_records))),
            Endpoint("compute/disks", frozenset({normalize.DISK}),
                     lambda: readable("compute/disks", lambda: self._per_project(c.disks, normalize.disk_records))),
        ]

    def metrics(self, resource: ResourceRecord) -> list[MetricSeries]:
        # Cloud.ru Monitoring is not read yet: see docs/providers/cloudru.md.
        return []
