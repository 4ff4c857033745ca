"""Fake Cloud.ru Evolution: IAM tokens, organization (customers, projects, consumption API v2) and Compute.

Everything is served under ``/cloudru/`` so it never collides with other fakes, mirroring the plugin's
mapping of hosts onto one base URL ``E`` (docs/providers/cloudru.md):

  https://iam.api.cloud.ru/...           -> E/cloudru/iam/...
  https://organization.api.cloud.ru/...  -> E/cloudru/organization/...
  https://compute.api.cloud.ru/...       -> E/cloudru/compute/...

Shapes: the token answer is the documented sample (tests/providers/samples/cloudru/iam_auth_token.json);
consumption v2 takes the documented query (``agreement_id`` or ``project_ids``, ``start_date``, ``end_date``,
``page_filter.page_size``, ``page_filter.page_token``) and answers ``{"consumptions": [...],
"next_page_token": "..."}`` (cloud.ru/docs billing api_consumptionv2 and api_consumption_pagination); the
row fields (``sku``, ``servname``, ``resource_id``, ``resource_name``, ``usedate``, ``amount`` without VAT,
``cost``, ``unit``, ``usefact``, ``meta``...) are those third parties saw in live answers (see the docs page:
not all are in the public reference). Compute lists answer ``{"items": [...], "total": N}``.

Tokens live ``TOKEN_LIFETIME`` seconds by the injected ``clock``; an expired or unknown token is a 401.
Fault kind ``loop`` on the consumption path makes every page point to the same next page token.
Deterministic from ``seed``; ``extra_vms`` adds running VMs to the prod project for scale.
"""

from __future__ import annotations

import base64
import random
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from .server import Fault, Reply, Request

PREFIX = "/cloudru"
DEMO_KEY_ID = "8c2d1f7e-0b4a-4e55-9d3c-5a1b2c3d4e5f"
DEMO_KEY_SECRET = "cloudru-demo-key-secret"
DEMO_CUSTOMER_ID = "3f1b7a52-6c0e-4d2a-9b8f-1e2d3c4b5a69"
DEMO_AGREEMENT_ID = "b7e0c9d1-2a34-4f56-8a9b-0c1d2e3f4a5b"
PROD_PROJECT_ID = "0ae87bd4-4675-4d08-9103-387a87b3de40"
DEV_PROJECT_ID = "10dd738e-6389-4b75-9570-852df04c0165"
TOKEN_LIFETIME = 3600

# Illustrative prices, without VAT: per vCPU-hour, per GB of RAM-hour, per GB of disk-day.
VCPU_HOUR = Decimal("0.6125")
RAM_GB_HOUR = Decimal("0.1875")
DISK_GB_DAY = Decimal("0.3125")
SUPPORT_DAY = Decimal("10.00")  # a charge of the agreement without a resource (agreement answers only)
WITHDRAWN_AMOUNT = Decimal("999.00")  # a row flagged is_delete every day: never to be counted


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(text[7:]) if text.startswith("offset:") and text[7:].isdigit() else None


class FakeCloudRu:
    def __init__(self, *, seed: int = 1, extra_vms: int = 0, key_id: str = DEMO_KEY_ID,
                 key_secret: str = DEMO_KEY_SECRET, clock: Callable[[], float] = time.time):
        self.rng = random.Random(seed)
        self.key_id, self.key_secret, self.clock = key_id, key_secret, clock
        self.tokens: dict[str, float] = {}  # access token -> expiry (clock seconds)
        self.exchanges = 0
        self.projects = [
            {"id": PROD_PROJECT_ID, "name": "prod", "customer_id": DEMO_CUSTOMER_ID, "description": "Production"},
            {"id": DEV_PROJECT_ID, "name": "dev", "customer_id": DEMO_CUSTOMER_ID, "description": ""},
        ]
        self.vms: list[dict[str, Any]] = []
        self.disks: list[dict[str, Any]] = []
        self._vm(PROD_PROJECT_ID, "web-1", cpu=2, ram=4, state="running", disks=[("web-1-boot", 20)],
                 public_ip="176.123.160.11")
        self._vm(PROD_PROJECT_ID, "db-1", cpu=4, ram=16, state="running",
                 disks=[("db-1-boot", 40), ("db-1-data", 200)])
        self._vm(DEV_PROJECT_ID, "dev-box", cpu=2, ram=2, state="stopped", disks=[("dev-box-boot", 20)])
        self._disk(DEV_PROJECT_ID, "old-backup", 50, vm=None)
        for n in range(extra_vms):
            self._vm(PROD_PROJECT_ID, f"worker-{n + 1:04d}", cpu=2, ram=4, state="running", disks=[])

    # --- estate ---------------------------------------------------------------------------------
    def _vm(self, project_id: str, name: str, *, cpu: int, ram: int, state: str, disks: list[tuple[str, int]],
            public_ip: str = "") -> None:
        vm_id = _uuid(self.rng)
        n = len(self.vms) + 1
        vm = {
            "id": vm_id, "name": name, "project_id": project_id, "description": "", "image_id": _uuid(self.rng),
            "tags": [{"key": "env", "value": "prod" if project_id == PROD_PROJECT_ID else "dev"}],
            # A number here, a string there: the parser must take both.
            "flavor": {"id": _uuid(self.rng), "name": f"lowlatency-{cpu}-{ram}", "cpu": cpu if n % 2 else str(cpu),
                       "ram": ram, "gpu": 0, "oversubscription": "1:1", "flavor_type": {"name": "lowlatency"}},
            "state": state, "locked": False,
            "created_time": f"2030-0{1 + n % 5}-0{1 + n % 8}T10:00:00.123456Z",
            "modified_time": "2030-06-01T08:00:00Z",
            "interfaces": [{"id": _uuid(self.rng), "ip_address": f"10.0.0.{10 + n}", "type": "regular",
                            "primary": True, "floating_ip": {"id": _uuid(self.rng), "ip_address": public_ip}
                            if public_ip else None}],
            "availability_zone": {"id": _uuid(self.rng), "name": "ru.AZ-1"},
            "is_serial_ready": True, "guest_agent_state": "running" if state == "running" else "stopped",
        }
        self.vms.append(vm)
        for disk_name, size in disks:
            self._disk(project_id, disk_name, size, vm=vm, primary=disk_name.endswith("-boot"))

    def _disk(self, project_id: str, name: str, size: int, *, vm: dict[str, Any] | None,
              primary: bool = False) -> None:
        self.disks.append({
            "id": _uuid(self.rng), "name": name, "project_id": project_id, "size": size if size % 40 else str(size),
            "disk_type": {"id": _uuid(self.rng), "name": "SSD"}, "state": "in-use" if vm else "available",
            "primary": primary, "vms": [{"id": vm["id"], "name": vm["name"]}] if vm else [],
            "availability_zone": {"id": "az-1", "name": "ru.AZ-1"}, "tags": [],
        })

    def project_name(self, project_id: str) -> str:
        return next((p["name"] for p in self.projects if p["id"] == project_id), "")

    # --- consumption ----------------------------------------------------------------------------
    def day_rows(self, day: date) -> list[dict[str, Any]]:
        """The consumption quanta of one day: running VMs in two 12-hour halves per SKU, disks per day."""
        rows: list[dict[str, Any]] = []

        def row(*, project_id: str, sku: str, servname: str, resource: dict[str, Any] | None, amount: Decimal,
                cost: Decimal, unit: str, usefact: Decimal, **extra: Any) -> None:
            n = len(rows)
            rows.append({
                "dog_id": DEMO_AGREEMENT_ID, "dmid": f"dm-{day:%Y%m%d}-{n}", "sku": sku, "servname": servname,
                "resource_id": resource["id"] if resource else "",
                "resource_name": resource["name"] if resource else "",
                "usedate": day.isoformat(),
                "amount": str(amount) if n % 3 == 1 else float(amount),
                "cost": float(cost), "unit": unit, "usefact": str(usefact), "platform": "evolution",
                "project_id": project_id,
                "meta": {"iam_project_name": self.project_name(project_id), "tenant_name": "infrazen-demo"},
                "updated_dt": f"{day + timedelta(days=1):%Y-%m-%d}T03:00:00Z", "is_delete": False, **extra,
            })

        for vm in self.vms:
            if vm["state"] != "running":
                continue
            cpu, ram = int(vm["flavor"]["cpu"]), int(vm["flavor"]["ram"])
            for _half in range(2):
                row(project_id=vm["project_id"], sku="evo-vm-vcpu-ll", servname="Виртуальные машины vCPU",
                    resource=vm, amount=VCPU_HOUR * cpu * 12, cost=VCPU_HOUR, unit="vCPU*час",
                    usefact=Decimal(cpu * 12))
                row(project_id=vm["project_id"], sku="evo-vm-ram", servname="Виртуальные машины RAM",
                    resource=vm, amount=RAM_GB_HOUR * ram * 12, cost=RAM_GB_HOUR, unit="ГБ*час",
                    usefact=Decimal(ram * 12))
        for disk in self.disks:
            size = int(disk["size"])
            row(project_id=disk["project_id"], sku="evo-disk-ssd", servname="Диски SSD", resource=disk,
                amount=DISK_GB_DAY * size, cost=DISK_GB_DAY, unit="ГБ*сутки", usefact=Decimal(size))
        row(project_id=PROD_PROJECT_ID, sku="evo-vm-vcpu-ll", servname="Виртуальные машины vCPU",
            resource=self.vms[0], amount=WITHDRAWN_AMOUNT, cost=VCPU_HOUR, unit="vCPU*час", usefact=Decimal(1),
            is_delete=True)
        row(project_id="", sku="support-standard", servname="Техническая поддержка", resource=None,
            amount=SUPPORT_DAY, cost=SUPPORT_DAY, unit="сутки", usefact=Decimal(1))
        return rows

    def consumption(self, request: Request, fault: Fault | None) -> Reply:
        query = request.query
        agreement, project = query.get("agreement_id", ""), query.get("project_ids", "")
        if not agreement and not project:
            return Reply(400, {"code": 3, "message": "agreement_id or project_ids is required"})
        try:
            start = datetime.fromisoformat(query["start_date"].replace("Z", "+00:00")).date()
            end = datetime.fromisoformat(query["end_date"].replace("Z", "+00:00")).date()
        except (KeyError, ValueError):
            return Reply(400, {"code": 3, "message": "start_date and end_date are required"})
        if agreement and agreement != DEMO_AGREEMENT_ID:
            return Reply(403, {"code": 7, "message": "access denied"})
        rows: list[dict[str, Any]] = []
        day = start
        while day < end:
            rows += [r for r in self.day_rows(day)
                     if (agreement and r["dog_id"] == agreement) or (project and r["project_id"] == project)]
            day += timedelta(days=1)
        size = int(query.get("page_filter.page_size") or 1000)
        token = query.get("page_filter.page_token", "")
        offset = _offset(token) if token else 0
        if offset is None:
            return Reply(400, {"code": 3, "message": "invalid page token"})
        page = rows[offset:offset + size]
        body: dict[str, Any] = {"consumptions": page}
        if offset + size < len(rows):
            body["next_page_token"] = _page_token(offset + size)
        if fault is not None and fault.kind == "loop":
            body["next_page_token"] = _page_token(size)  # the second page points to itself
        return Reply(200, body)

    # --- dispatch -------------------------------------------------------------------------------
    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        return token in self.tokens and self.tokens[token] > self.clock()

    def _issue(self, request: Request) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        if body.get("keyId") != self.key_id or body.get("secret") != self.key_secret:
            return Reply(401, {"error": "invalid_client", "error_description": "Invalid client credentials"})
        self.exchanges += 1
        token = f"cr.{uuid.uuid4().hex}"
        self.tokens[token] = self.clock() + TOKEN_LIFETIME
        return Reply(200, {"access_token": token, "id_token": f"id.{uuid.uuid4().hex}", "refresh_token": "",
                           "expires_in": TOKEN_LIFETIME, "refresh_expires_in": 0,
                           "scopes": ["openid profile email roles"], "token_type": "Bearer", "not_before": 0})

    @staticmethod
    def _listed(items: list[dict[str, Any]], request: Request) -> Reply:
        limit = int(request.query.get("limit") or 1000)
        offset = int(request.query.get("offset") or 0)
        return Reply(200, {"items": items[offset:offset + limit], "total": len(items)})

    def handle(self, request: Request, fault: Fault | None) -> Reply | None:
        if not request.path.startswith(f"{PREFIX}/"):
            return None
        path = request.path[len(PREFIX):]
        if path == "/iam/api/v1/auth/token" and request.method == "POST":
            return self._issue(request)
        if not self._authorized(request):
            return Reply(401, {"code": 16, "message": "unauthenticated"})
        if fault is not None and fault.kind == "forbid":
            return Reply(403, {"code": 7, "message": "permission denied"})
        if path == "/organization/v1/customers":
            return Reply(200, {"customers": [{"customer_id": DEMO_CUSTOMER_ID, "name": "InfraZen demo"}]})
        if path == "/organization/v1/projects":
            if request.query.get("customer_ids") != DEMO_CUSTOMER_ID:
                return Reply(403, {"code": 7, "message": "permission denied"})
            return Reply(200, {"projects": self.projects})
        if path == "/organization/v2/consumption":
            return self.consumption(request, fault)
        if path in ("/compute/api/v1/vms", "/compute/api/v1/disks"):
            project_id = request.query.get("project_id", "")
            if project_id not in (PROD_PROJECT_ID, DEV_PROJECT_ID):
                return Reply(422, {"code": 3, "message": "project_id is invalid"})
            items = self.vms if path.endswith("/vms") else self.disks
            return self._listed([i for i in items if i["project_id"] == project_id], request)
        return Reply(404, {"code": 5, "message": "not found"})
