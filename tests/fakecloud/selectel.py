"""Fake Selectel: billing + resell APIs (``X-Token``) over the fake OpenStack (``openstack.py``): Keystone and
per-region Nova/Cinder.

Everything is served under ``/selectel/`` so it never collides with other fakes, mirroring the
plugin's mapping of hosts onto one base URL ``E`` (docs/providers/selectel.md):

  https://api.selectel.ru/...                    -> E/selectel/api/...
  https://cloud.api.selcloud.ru/identity/v3/...  -> E/selectel/cloud/identity/v3/...
  https://<region>.cloud.api.selcloud.ru/...     -> E/selectel/<region>/...   (from the Keystone catalog)

Shapes follow shared/providers/selectel (FACTS.md, samples, SDK fixtures) and the official
OpenStack API samples in shared/providers/openstack_common. Money is integer kopecks; like the real
APIs some numbers arrive as strings. Deterministic from ``seed``; ``servers`` scales the estate.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from .openstack import FakeOpenStack, fake_uuid
from .server import Fault, Reply, Request

PREFIX = "/selectel"
DEMO_TOKEN = "selectel-demo-static-token"
DEMO_ACCOUNT_ID = "478587"
DEMO_USERNAME = "infrazen-sync"
DEMO_USER_PASSWORD = "selectel-demo-password"
DEMO_PROJECT_ID = "48643015916742d080f0ecdd519bada3"
DEMO_PROJECT_NAME = "My First Project"
SECOND_PROJECT_ID = "ae452e6f559f4aeca2c4412dcbbfb60b"
REGIONS = ("ru-1", "ru-3")
FINAL_SUM_KOPECKS = 3321810  # 33 218.10 RUB

VOLUME_TYPES = {"universal": 2, "fast": 4}  # kopecks per GB per hour (illustrative)


class FakeSelectel(FakeOpenStack):
    """Selectel's own APIs (``X-Token``) over the fake OpenStack (Keystone's user domain = the account)."""

    prefix = PREFIX
    identity_path = "/cloud/identity/v3/auth/tokens"

    def __init__(self, *, servers: int = 3, seed: int = 1, token: str = DEMO_TOKEN,
                 account_id: str = DEMO_ACCOUNT_ID, username: str = DEMO_USERNAME,
                 password: str = DEMO_USER_PASSWORD, nova_microversion_default: str = "2.1",
                 stopped: Collection[int] = ()):
        super().__init__(servers=servers, seed=seed, regions=REGIONS, username=username, password=password,
                         user_domain=account_id, project_id=DEMO_PROJECT_ID, project_name=DEMO_PROJECT_NAME,
                         nova_microversion_default=nova_microversion_default, stopped=stopped)
        self.token, self.account_id = token, account_id
        self.dbaas_id = fake_uuid(self.rng)

    # --- billing objects ---------------------------------------------------------------------
    def billed_metrics(self) -> list[dict[str, Any]]:
        """Every billed (object, metric) with its hourly price in kopecks."""
        metrics = []
        for server in self.servers:
            flavor = server["flavor"]
            obj = {"id": server["id"], "name": server["name"], "parent_id": "", "parent_name": "",
                   "type": "cloud_vm", "type_name": "Server"}
            if server["status"] == "ACTIVE":
                metrics.append({"object": obj, "metric": ("compute_cores", "vCPU", flavor["vcpus"], "item*H"),
                                "zone": server["zone"], "hourly": flavor["vcpu_kop"], "key": "vpc"})
                metrics.append({"object": obj, "metric": ("compute_ram", "RAM", flavor["ram"], "MB*H"),
                                "zone": server["zone"], "hourly": flavor["ram_kop"], "key": "vpc"})
        by_id = {s["id"]: s for s in self.servers}
        for volume in self.volumes:
            parent = by_id.get(volume["server_id"])
            metric_id = f"volume_gigabytes_{volume['type']}"
            metrics.append({
                "object": {"id": volume["id"], "name": volume["name"], "parent_id": parent["id"] if parent else "",
                           "parent_name": parent["name"] if parent else "", "type": metric_id,
                           "type_name": f"{volume['type'].title()} disk"},
                "metric": (metric_id, f"{volume['type'].title()} SSD disks", volume["size"], "GB*H"),
                "zone": volume["zone"], "hourly": volume["size"] * VOLUME_TYPES[volume["type"]], "key": "vpc"})
        metrics.append({"object": {"id": self.dbaas_id, "name": "pg-main", "parent_id": "", "parent_name": "",
                                   "type": "dbaas_cluster", "type_name": "PostgreSQL cluster"},
                        "metric": ("dbaas_postgresql_2_8", "PostgreSQL 2 vCPU 8 GB", 1, "item*H"),
                        "zone": "ru-1a", "hourly": 1250, "key": "dbaas"})
        return metrics

    def daily_kopecks(self) -> int:
        return sum(m["hourly"] for m in self.billed_metrics()) * 24

    def consumption_rows(self, start: datetime, end: datetime, period: str, locale: str) -> list[dict[str, Any]]:
        step = timedelta(days=1) if period == "day" else timedelta(hours=1)
        hours = 24 if period == "day" else 1
        rows = []
        cursor = start.replace(minute=0, second=0) if period == "hour" else start.replace(hour=0, minute=0, second=0)
        while cursor <= end:
            for n, item in enumerate(self.billed_metrics()):
                metric_id, name, quantity, unit = item["metric"]
                value: Any = item["hourly"] * hours
                rows.append({
                    "account_id": self.account_id, "balance": None,
                    "metric": {"id": metric_id, "locale": locale, "name": name, "quantity": quantity,
                               "region": item["zone"], "unit": unit},
                    "object": dict(item["object"]),
                    "period": cursor.strftime("%Y-%m-%dT%H:%M:%S"),
                    "project": {"id": DEMO_PROJECT_ID, "name": DEMO_PROJECT_NAME},
                    "provider_key": item["key"],
                    "provision_end": (cursor + step - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                    "provision_start": cursor.strftime("%Y-%m-%dT%H:%M:%S"),
                    # As in live answers seen by third parties, a number here, a string there.
                    "value": str(value) if n % 3 == 1 else value,
                })
            cursor += step
        return rows

    # --- api.selectel.ru ------------------------------------------------------------------------
    def api(self, request: Request, path: str, fault: Fault | None) -> Reply:
        if request.headers.get("x-token") != self.token:
            return Reply(401, {"status": "error", "code": "UNAUTHORIZED", "error": "invalid token"})
        if fault is not None and fault.kind == "forbid":
            return Reply(403, {"status": "error", "code": "FORBIDDEN", "error": "access denied"})
        if path == "/v3/balances":
            return Reply(200, {"status": "success", "data": {
                "currency": "rub", "is_postpay": False, "discount": 0,
                "billings": [{"billing_type": "primary", "final_sum": FINAL_SUM_KOPECKS, "debt_sum": 0,
                              "balances_values_sum": FINAL_SUM_KOPECKS,
                              "balances": [{"balance_type": "main", "value": FINAL_SUM_KOPECKS},
                                           {"balance_type": "bonus", "value": 0}]}]}})
        if path == "/v2/billing/prediction":
            hours = FINAL_SUM_KOPECKS * 24 // max(self.daily_kopecks(), 1)
            return Reply(200, {"status": "success", "data": {"primary": hours, "storage": None, "vmware": None,
                                                             "vpc": hours}})
        if path == "/v1/cloud_billing/statistic/consumption":
            return self._consumption(request)
        if path == "/vpc/resell/v2/accounts":
            return Reply(200, {"account": {"name": self.account_id, "enabled": True, "locked": False,
                                           "onboarding": False, "locks": []}})
        if path == "/vpc/resell/v2/projects":
            return Reply(200, {"projects": [
                {"custom_url": None, "enabled": True, "id": DEMO_PROJECT_ID, "name": DEMO_PROJECT_NAME,
                 "url": "https://123456.selvpc.ru", "theme": {"color": "#581845", "logo": None}},
                {"custom_url": None, "enabled": True, "id": SECOND_PROJECT_ID, "name": "second project",
                 "url": "https://123457.selvpc.ru", "theme": {"color": "", "logo": None}},
            ]})
        return Reply(404, {"status": "error", "code": "NOT_FOUND", "error": "not found"})

    def _consumption(self, request: Request) -> Reply:
        query = request.query
        missing = {name: ["Missing data for required field."] for name in ("start", "end", "locale")
                   if not query.get(name)}
        if missing:
            return Reply(422, {"status": "error", "code": "UNPROCESSABLE_ENTITY", "error": missing})
        try:
            start, end = datetime.fromisoformat(query["start"]), datetime.fromisoformat(query["end"])
        except ValueError:
            return Reply(422, {"status": "error", "code": "UNPROCESSABLE_ENTITY",
                               "error": {"start": ["Not a valid datetime."]}})
        period = query.get("period_group_type") or "hour"
        return Reply(200, {"status": "success", "data": self.consumption_rows(start, end, period, query["locale"])})

    def quotas(self, project_id: str, region: str) -> dict[str, list[dict[str, Any]]]:
        """One region's quotas of a project (quota-manager), a list of zones per resource."""
        mine = [s for s in self.servers if s["region"] == region] if project_id == DEMO_PROJECT_ID else []
        disks = [v for v in self.volumes if v["region"] == region and v["type"] == "universal"] \
            if project_id == DEMO_PROJECT_ID else []
        zone = f"{region}a"
        cores = sum(s["flavor"]["vcpus"] for s in mine)
        ram = sum(s["flavor"]["ram"] for s in mine)
        size = sum(v["size"] for v in disks)
        return {"compute_cores": [{"region": region, "zone": zone, "value": max(20, cores), "used": cores}],
                # a string here, numbers elsewhere
                "compute_ram": [{"region": region, "zone": zone, "value": max(51200, ram), "used": str(ram)}],
                "volume_gigabytes_universal": [{"region": region, "zone": zone, "value": max(500, size),
                                                "used": size}]}

    def _quota_manager(self, request: Request, region: str, path: str) -> Reply:
        """``{quota-manager endpoint}/projects/{project_id}/quotas`` (and ``/limits``): Keystone token, one region."""
        if request.headers.get("x-auth-token") not in self.keystone_tokens:
            return Reply(401, {"error": "Unauthorized"})
        parts = path.strip("/").split("/")  # quota-manager, v1, projects, <id>, quotas
        if len(parts) != 5 or parts[4] not in ("quotas", "limits"):
            return Reply(404, {"error": "not found"})
        if parts[3] not in (DEMO_PROJECT_ID, SECOND_PROJECT_ID):
            return Reply(404, {"error": "project not found"})
        return Reply(200, {"quotas": self.quotas(parts[3], region)})

    def openstack(self, request: Request, region: str, path: str, base: str, fault: Fault | None) -> Reply:
        if path.startswith("/quota-manager/v1/"):
            return self._quota_manager(request, region, path)
        return super().openstack(request, region, path, base, fault)

    # --- Keystone catalog ------------------------------------------------------------------------
    def catalog(self, base: str) -> list[dict[str, Any]]:
        return [*super().catalog(base), self.service(base, "quota-manager", "quota-manager", "/quota-manager/v1")]

    # --- dispatch -------------------------------------------------------------------------------
    def handle(self, request: Request, fault: Fault | None) -> Reply | None:
        if request.path.startswith(f"{PREFIX}/api/"):
            return self.api(request, request.path[len(f"{PREFIX}/api"):], fault)
        return super().handle(request, fault)
