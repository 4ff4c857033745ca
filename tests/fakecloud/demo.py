"""The fake cloud in demo mode (``python -m tests.fakecloud --demo``): Yandex Cloud and Selectel serve the demo
estate of ``apps/demo`` (``apps.demo.payloads``, built from ``apps.demo.estate``), so a sync of a demo
connection reads back what ``seed_demo`` wrote. Protocols, authentication, paging and faults are the
ordinary fakes'; only the data differs. Payloads follow the day they are asked on (UTC), as the seed does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from apps.demo import payloads
from apps.demo.estate import DEMO_CREDENTIALS, SEL_ACCOUNT, SEL_PROJECT, SELECTEL, YC_CLOUD, YC_FOLDER

from .selectel import FakeSelectel
from .server import Fault, Reply, Request
from .yandex import FakeYandex, _Folder


def _today() -> date:
    return datetime.now(UTC).date()


class DemoYandex(FakeYandex):
    """The demo cloud ``infrazen-demo``: one folder ``prod``, the estate's VMs and disks, Monitoring's CPU."""

    cloud_id = YC_CLOUD

    def __init__(self, *, today: Callable[[], date] = _today, **options: Any):
        super().__init__(**options)
        self.today = today
        self.folders = [_Folder(YC_FOLDER, "prod", numbers=False)]
        self._load()

    def _load(self) -> None:
        p = payloads.yandex_payloads(today=self.today())
        self.clouds, self.billing_accounts = p["clouds"], p["billing_accounts"]
        self._folder_payloads = {f["id"]: f for f in p["folders"]}
        for key in ("instances", "disks", "snapshots", "addresses"):
            setattr(self, key, {YC_FOLDER: p[key]})

    def _folder_json(self, folder: _Folder) -> dict[str, Any]:
        return self._folder_payloads[folder.id]

    def handle(self, request: Request, fault: Fault | None) -> Reply | None:
        self._load()
        return super().handle(request, fault)

    def _cpu_values(self, folder, resource_id: str, stamps: list[int]) -> list[float] | None:
        """The estate's CPU % of a VM: a fixed function of the resource and the hour, as the seed stored it."""
        at = [datetime.fromtimestamp(ms / 1000, tz=UTC) for ms in stamps]
        if at and payloads.yandex_cpu_percent(resource_id, at[0]) is None:
            return None
        return [float(payloads.yandex_cpu_percent(resource_id, moment)) for moment in at]


class DemoSelectel(FakeSelectel):
    """The demo Selectel account: the estate's servers and volumes in OpenStack, its billing statistics,
    balance and quotas."""

    def __init__(self, *, today: Callable[[], date] = _today):
        credentials = DEMO_CREDENTIALS[SELECTEL]
        super().__init__(servers=0, token=credentials["token"], account_id=SEL_ACCOUNT,
                         username=credentials["username"], password=credentials["password"])
        self.today = today
        self.regions = payloads.selectel_regions()
        self.project_id = SEL_PROJECT

    # --- OpenStack: the estate's servers and volumes ----------------------------------------------
    def openstack(self, request: Request, region: str, path: str, base: str, fault: Fault | None) -> Reply:
        lists = {
            "/compute/v2.1/servers/detail": ("servers", lambda: payloads.selectel_servers(today=self.today())),
            f"/volume/v3/{self.project_id}/volumes/detail": (
                "volumes", lambda: payloads.selectel_volumes(today=self.today())),
        }
        if path in lists or path == "/compute/v2.1/flavors/detail":
            if request.headers.get("x-auth-token") not in self.keystone_tokens:
                return super().openstack(request, region, path, base, fault)  # the 401
            if fault is not None and fault.kind == "forbid":
                return super().openstack(request, region, path, base, fault)
            limit = int(request.query.get("limit") or 1000)
            marker = request.query.get("marker") or ""
            url = f"{base}{self.prefix}/{region}{path}"
            if path == "/compute/v2.1/flavors/detail":
                return self._page(payloads.selectel_flavors(), "flavors", limit, marker, url)
            key, build = lists[path]
            items = payloads.grouped_by_region(build()).get(region, [])
            return self._page(items, key, limit, marker, url)
        return super().openstack(request, region, path, base, fault)

    def quotas(self, project_id: str, region: str) -> dict[str, list[dict[str, Any]]]:
        if project_id != SEL_PROJECT:
            return {}
        return {name: [e for e in entries if e["region"] == region]
                for name, entries in payloads.selectel_quotas()["quotas"].items()}

    # --- api.selectel.ru: balance, prediction, statistics ------------------------------------------
    def api(self, request: Request, path: str, fault: Fault | None) -> Reply:
        if request.headers.get("x-token") == self.token and (fault is None or fault.kind != "forbid"):
            if path == "/v3/balances":
                return Reply(200, payloads.selectel_balances())
            if path == "/v2/billing/prediction":
                return Reply(200, payloads.selectel_prediction(today=self.today()))
        return super().api(request, path, fault)

    def consumption_rows(self, start: datetime, end: datetime, period: str, locale: str) -> list[dict[str, Any]]:
        if period != "day":
            return []  # the demo's statistics are daily
        return payloads.selectel_consumption(today=self.today(), start=start.date(), end=end.date())
