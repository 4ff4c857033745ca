"""Fake Selectel: billing + resell APIs (``X-Token``), Keystone and per-region Nova/Cinder.

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

import hashlib
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

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

FLAVORS = [
    {"id": "1011", "name": "SL1.1-1024", "vcpus": 1, "ram": 1024, "disk": 0, "vcpu_kop": 75, "ram_kop": 40},
    {"id": "1012", "name": "SL1.2-4096", "vcpus": 2, "ram": 4096, "disk": 0, "vcpu_kop": 150, "ram_kop": 160},
    {"id": "1013", "name": "SL1.4-8192", "vcpus": 4, "ram": 8192, "disk": 0, "vcpu_kop": 300, "ram_kop": 320},
]
VOLUME_TYPES = {"universal": 2, "fast": 4}  # kopecks per GB per hour (illustrative)
UNAUTHORIZED = {"error": {"code": 401, "title": "Unauthorized",
                          "message": "The request you have made requires authentication."}}


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class FakeSelectel:
    def __init__(self, *, servers: int = 3, seed: int = 1, token: str = DEMO_TOKEN,
                 account_id: str = DEMO_ACCOUNT_ID, username: str = DEMO_USERNAME,
                 password: str = DEMO_USER_PASSWORD, nova_microversion_default: str = "2.1"):
        self.token, self.account_id = token, account_id
        self.username, self.password = username, password
        self.nova_microversion_default = nova_microversion_default
        self.keystone_tokens: set[str] = set()
        rng = random.Random(seed)
        self.servers: list[dict[str, Any]] = []
        self.volumes: list[dict[str, Any]] = []
        for n in range(servers):
            region = REGIONS[n % len(REGIONS)]
            flavor = FLAVORS[rng.randrange(len(FLAVORS))]
            server = {"id": _uuid(rng), "name": f"srv-{seed}-{n:05d}", "region": region,
                      "zone": f"{region}{'ab'[n // len(REGIONS) % 2]}", "flavor": flavor,
                      "status": "SHUTOFF" if n % 7 == 6 else "ACTIVE", "ip": f"10.{n // 65536 % 256}."
                      f"{n // 256 % 256}.{n % 256}", "created": datetime(2025, 9, 1, tzinfo=UTC) + timedelta(hours=n)}
            volume_type = "fast" if n % 3 == 0 else "universal"
            volume = {"id": _uuid(rng), "name": f"disk-for-{server['name']}-#1", "region": region,
                      "zone": server["zone"], "size": rng.choice([10, 20, 50]), "type": volume_type,
                      "server_id": server["id"], "bootable": True}
            server["volume_ids"] = [volume["id"]]
            self.servers.append(server)
            self.volumes.append(volume)
        for region in REGIONS:  # one detached volume per region: billed, not attached
            self.volumes.append({"id": _uuid(rng), "name": f"spare-{region}", "region": region,
                                 "zone": f"{region}a", "size": 30, "type": "universal", "server_id": "",
                                 "bootable": False})
        self.dbaas_id = _uuid(rng)

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
        if path.startswith("/vpc/resell/v2/quotas/projects/"):
            return self._quotas(path.rsplit("/", 1)[-1])
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

    def _quotas(self, project_id: str) -> Reply:
        if project_id not in (DEMO_PROJECT_ID, SECOND_PROJECT_ID):
            return Reply(404, {"error": {"code": 404, "message": "project not found"}})
        quotas: dict[str, list[dict[str, Any]]] = {"compute_cores": [], "compute_ram": [],
                                                   "volume_gigabytes_universal": []}
        for region in REGIONS:
            mine = [s for s in self.servers if s["region"] == region] if project_id == DEMO_PROJECT_ID else []
            disks = [v for v in self.volumes if v["region"] == region and v["type"] == "universal"] \
                if project_id == DEMO_PROJECT_ID else []
            cores = sum(s["flavor"]["vcpus"] for s in mine)
            quotas["compute_cores"].append({"region": region, "zone": f"{region}a", "value": max(20, cores),
                                            "used": cores})
            ram = sum(s["flavor"]["ram"] for s in mine)
            quotas["compute_ram"].append({"region": region, "zone": f"{region}a", "value": max(51200, ram),
                                          "used": str(ram)})  # a string here, numbers elsewhere
            size = sum(v["size"] for v in disks)
            quotas["volume_gigabytes_universal"].append({"region": region, "zone": f"{region}a",
                                                         "value": max(500, size), "used": size})
        return Reply(200, {"quotas": quotas})

    # --- Keystone -------------------------------------------------------------------------------
    def keystone(self, request: Request, base: str) -> Reply:
        if request.method != "POST":
            return Reply(405, {"error": {"code": 405, "title": "Method Not Allowed", "message": "POST only"}})
        auth = (request.json or {}).get("auth") if isinstance(request.json, dict) else None
        try:
            user = auth["identity"]["password"]["user"]
            project = auth["scope"]["project"]
        except (KeyError, TypeError):
            return Reply(400, {"error": {"code": 400, "title": "Bad Request",
                                         "message": "Expecting to find identity and scope in auth."}})
        domain = (user.get("domain") or {}).get("name")
        project_ok = project.get("id") == DEMO_PROJECT_ID or (
            project.get("name") == DEMO_PROJECT_NAME and (project.get("domain") or {}).get("name") == self.account_id)
        if (user.get("name"), user.get("password"), domain) != (self.username, self.password, self.account_id) \
                or not project_ok:
            return Reply(401, UNAUTHORIZED)
        token = "gAAAAA" + hashlib.sha256(f"{self.username}:{len(self.keystone_tokens)}".encode()).hexdigest()
        self.keystone_tokens.add(token)

        def service(kind: str, name: str, path: str) -> dict[str, Any]:
            return {"type": kind, "name": name, "id": hashlib.md5(kind.encode()).hexdigest(),  # noqa: S324
                    "endpoints": [{"id": hashlib.md5(f"{kind}{r}".encode()).hexdigest(),  # noqa: S324
                                   "interface": "public", "region": r, "region_id": r,
                                   "url": f"{base}{PREFIX}/{r}{path}"} for r in REGIONS]}

        now = datetime.now(UTC)
        body = {"token": {
            "methods": ["password"], "is_domain": False,
            "expires_at": (now + timedelta(hours=24)).isoformat().replace("+00:00", "Z"),
            "issued_at": now.isoformat().replace("+00:00", "Z"), "audit_ids": ["fake"],
            "project": {"id": DEMO_PROJECT_ID, "name": DEMO_PROJECT_NAME,
                        "domain": {"id": self.account_id, "name": self.account_id}},
            "user": {"id": "b9f534c98efc4a348f876870e1f331f7", "name": self.username,
                     "domain": {"id": self.account_id, "name": self.account_id}},
            "roles": [{"id": "51cc68287d524c759f47c811e6463340", "name": "member"}],
            "catalog": [
                service("compute", "nova", "/compute/v2.1"),
                service("volumev3", "cinderv3", f"/volume/v3/{DEMO_PROJECT_ID}"),
                service("network", "neutron", "/network"),
                service("quota-manager", "quota-manager", "/quota-manager/v1"),
            ],
        }}
        return Reply(201, body, {"X-Subject-Token": token})

    # --- Nova / Cinder --------------------------------------------------------------------------
    def openstack(self, request: Request, region: str, path: str, base: str, fault: Fault | None) -> Reply:
        if request.headers.get("x-auth-token") not in self.keystone_tokens:
            return Reply(401, UNAUTHORIZED)
        if fault is not None and fault.kind == "forbid":
            return Reply(403, {"forbidden": {"code": 403, "message": "Policy doesn't allow this to be performed."}})
        limit = int(request.query.get("limit") or 1000)
        marker = request.query.get("marker") or ""
        if path == "/compute/v2.1/servers/detail":
            version = request.headers.get("x-openstack-nova-api-version") or self.nova_microversion_default
            items = [self._server(s, base, embedded=_version(version) >= (2, 47))
                     for s in self.servers if s["region"] == region]
            return self._page(items, "servers", limit, marker, f"{base}{PREFIX}/{region}{path}")
        if path == "/compute/v2.1/flavors/detail":
            items = [{"id": f["id"], "name": f["name"], "vcpus": f["vcpus"], "ram": f["ram"], "disk": f["disk"],
                      "swap": 0, "OS-FLV-EXT-DATA:ephemeral": 0, "os-flavor-access:is_public": True,
                      "description": None, "extra_specs": {}, "links": []} for f in FLAVORS]
            return self._page(items, "flavors", limit, marker, f"{base}{PREFIX}/{region}{path}")
        if path == f"/volume/v3/{DEMO_PROJECT_ID}/volumes/detail":
            items = [self._volume(v) for v in self.volumes if v["region"] == region]
            return self._page(items, "volumes", limit, marker, f"{base}{PREFIX}/{region}{path}")
        return Reply(404, {"itemNotFound": {"code": 404, "message": "The resource could not be found."}})

    @staticmethod
    def _page(items: list[dict[str, Any]], key: str, limit: int, marker: str, url: str) -> Reply:
        start = 0
        if marker:
            ids = [item["id"] for item in items]
            if marker not in ids:
                return Reply(400, {"badRequest": {"code": 400, "message": f"marker [{marker}] not found"}})
            start = ids.index(marker) + 1
        page = items[start:start + limit]
        body: dict[str, Any] = {key: page}
        if start + limit < len(items):
            query = urlencode({"limit": limit, "marker": page[-1]["id"]})
            body[f"{key}_links"] = [{"rel": "next", "href": f"{url}?{query}"}]
        return Reply(200, body)

    def _server(self, server: dict[str, Any], base: str, *, embedded: bool) -> dict[str, Any]:
        flavor = server["flavor"]
        if embedded:
            flavor_body: dict[str, Any] = {"original_name": flavor["name"], "vcpus": flavor["vcpus"],
                                           "ram": flavor["ram"], "disk": flavor["disk"], "ephemeral": 0,
                                           "swap": 0, "extra_specs": {}}
        else:
            flavor_body = {"id": flavor["id"], "links": [{"rel": "bookmark",
                                                          "href": f"{base}/flavors/{flavor['id']}"}]}
        created = server["created"].strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "OS-DCF:diskConfig": "MANUAL", "OS-EXT-AZ:availability_zone": server["zone"],
            "OS-EXT-STS:power_state": 1 if server["status"] == "ACTIVE" else 4, "OS-EXT-STS:task_state": None,
            "OS-EXT-STS:vm_state": "active" if server["status"] == "ACTIVE" else "stopped",
            "OS-SRV-USG:launched_at": created, "OS-SRV-USG:terminated_at": None,
            "accessIPv4": "", "accessIPv6": "",
            "addresses": {"net-192.168.0.0/24": [{"OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01",
                                                  "OS-EXT-IPS:type": "fixed", "addr": server["ip"], "version": 4}]},
            "config_drive": "", "created": created, "description": None, "flavor": flavor_body,
            "hostId": hashlib.sha256(server["id"].encode()).hexdigest()[:56], "id": server["id"],
            "image": "",  # booted from a volume: Nova sends an empty string, not an object
            "key_name": None, "links": [], "locked": False, "metadata": {"env": "prod"}, "name": server["name"],
            "os-extended-volumes:volumes_attached": [{"id": v, "delete_on_termination": False}
                                                     for v in server["volume_ids"]],
            "progress": 0, "security_groups": [{"name": "default"}], "status": server["status"], "tags": [],
            "tenant_id": DEMO_PROJECT_ID, "updated": created, "user_id": "b9f534c98efc4a348f876870e1f331f7",
        }

    def _volume(self, volume: dict[str, Any]) -> dict[str, Any]:
        attached = bool(volume["server_id"])
        return {
            "attachments": [{"server_id": volume["server_id"], "attachment_id": volume["id"][::-1],
                             "volume_id": volume["id"], "device": "/dev/sda", "id": volume["id"]}]
            if attached else [],
            "availability_zone": volume["zone"], "bootable": "true" if volume["bootable"] else "false",
            "consistencygroup_id": None, "created_at": "2025-09-01T10:00:00.000000", "description": None,
            "encrypted": False, "id": volume["id"], "links": [], "metadata": {}, "migration_status": None,
            "multiattach": False, "name": volume["name"], "os-vol-host-attr:host": None,
            "os-vol-tenant-attr:tenant_id": DEMO_PROJECT_ID, "replication_status": None,
            "size": volume["size"], "snapshot_id": None, "source_volid": None,
            "status": "in-use" if attached else "available", "updated_at": None,
            "user_id": "b9f534c98efc4a348f876870e1f331f7", "volume_type": f"{volume['type']}.{volume['zone']}",
            "group_id": None, "provider_id": None, "service_uuid": None, "shared_targets": True,
            "cluster_name": None, "consumes_quota": True,
        }

    # --- dispatch -------------------------------------------------------------------------------
    def handle(self, request: Request, fault: Fault | None) -> Reply | None:
        if not request.path.startswith(f"{PREFIX}/"):
            return None
        base = f"http://{request.headers.get('host', '127.0.0.1')}"
        rest = request.path[len(PREFIX):]
        if rest.startswith("/api/"):
            return self.api(request, rest[len("/api"):], fault)
        if rest == "/cloud/identity/v3/auth/tokens":
            return self.keystone(request, base)
        region, _, tail = rest.lstrip("/").partition("/")
        if region in REGIONS:
            return self.openstack(request, region, f"/{tail}", base, fault)
        return Reply(404, {"error": "not found"})


def _version(text: str) -> tuple[int, int]:
    raw = text.split()[-1] if text else "2.1"
    if raw == "latest":
        return (99, 0)
    major, _, minor = raw.partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return (2, 1)
