"""Fake Timeweb Cloud: ``/api/v1/...`` as the official OpenAPI spec documents it.

Shapes follow shared/providers/timeweb (FACTS.md, specs/openapi.yaml; copies of the spec's examples in
tests/providers/samples/timeweb/): ``Authorization: Bearer <token>``, the ``{"<entity>": ..., "meta":
{"total": N}, "response_id": ...}`` envelope, ``limit`` (default 100) / ``offset`` paging, and the error envelope
``{"status_code", "error_code", "message", "response_id"}`` for 401, 403, 404 and 429 (with ``Retry-After``).
``requests_per_second`` enforces Timeweb's documented limit (20 requests a second per endpoint) with an
injectable clock; None (the default) leaves it off.

The default account (also the demo's: ``python -m tests.fakecloud`` serves it with ``DEMO_TOKEN``): two projects,
three servers, a PostgreSQL cluster, a bucket, a floating IP, a balancer, a Kubernetes cluster and a mail
service, priced in ``services_costs`` at 9 047 ₽ a month in total; balance 5 000 ₽. ``extra_servers`` adds N
more servers, deterministic from ``seed``, for scale tests.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .server import Fault, Reply, Request

DEMO_TOKEN = "timeweb-demo-token"  # noqa: S105 - the fake's own demo credential
ACCOUNT_ID = "cp41872"
MOSCOW = ZoneInfo("Europe/Moscow")
BALANCE = Decimal("5000")
# Timeweb's own example: monthly_cost 24 297 = hourly_cost 33.1926... × 732 hours (a month of 30.5 days).
HOURS_PER_MONTH = Decimal(732)


def _response_id(request: Request) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{request.method} {request.path} {sorted(request.query.items())}"))


def error_reply(request: Request, status: int, error_code: str, message: Any,
                headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"status_code": status, "error_code": error_code, "message": message,
                          "response_id": _response_id(request)}, headers)


def _disk(disk_id: int, size_mb: int, used_mb: int, *, system: bool = True) -> dict[str, Any]:
    return {"id": disk_id, "size": size_mb, "used": used_mb, "type": "nvme", "is_mounted": True, "is_system": system,
            "system_name": "vda" if system else f"vd{chr(97 + disk_id % 20)}", "status": "done"}


def _server(server_id: int, name: str, *, cpu: int, ram: int, disks: list[dict[str, Any]], ip: str, status: str = "on",
            location: str = "ru-1", zone: str = "spb-3", extra_ips: tuple[str, ...] = ()) -> dict[str, Any]:
    public_ips = [{"ip": ip, "is_main": True, "type": "ipv4", "ptr": f"{name}.example.ru"}]
    public_ips += [{"ip": extra, "is_main": False, "type": "ipv4", "ptr": ""} for extra in extra_ips]
    return {
        "id": server_id, "name": name, "comment": "", "created_at": "2025-06-02T09:15:00Z",
        "os": {"id": 79, "name": "ubuntu", "version": "22.04"}, "software": None, "preset_id": None,
        "location": location, "configurator_id": 11, "boot_mode": "std", "status": status,
        "start_at": "2025-06-02T09:20:00Z", "is_ddos_guard": False, "is_master_ssh": False,
        "is_dedicated_cpu": False, "gpu": 0, "cpu": cpu, "cpu_frequency": "3.3", "ram": ram, "disks": disks,
        "avatar_id": None, "avatar_link": None, "vnc_pass": "fake-vnc-secret", "root_pass": "fake-root-secret",
        "image": None, "cloud_init": "#cloud-config\npassword: fake-cloud-init-secret",
        "is_qemu_agent": True, "availability_zone": zone, "qemu_agent": None,
        "networks": [
            {"type": "public", "nat_mode": "no_nat", "bandwidth": 1000, "ips": public_ips, "is_ddos_guard": False,
             "is_image_mounted": False, "blocked_ports": [25]},
            {"id": "network-4f2b9c1d0e8a4f6b9d3c2a1b0e9f8d7c", "type": "local", "bandwidth": None,
             "ips": [{"ip": f"192.168.0.{server_id % 250 + 2}", "is_main": False, "type": "ipv4"}]},
        ],
    }


def servers(extra: int = 0, seed: int = 1) -> list[dict[str, Any]]:
    items = [
        _server(3105521, "web-1", cpu=4, ram=8192, disks=[_disk(1, 81920, 30720)], ip="185.226.40.17",
                extra_ips=("185.226.40.18",)),
        _server(3105522, "app-2", cpu=2, ram=4096, disks=[_disk(2, 51200, 10240), _disk(3, 20480, 5120, system=False)],
                ip="185.226.40.21"),
        _server(3105530, "legacy-worker", cpu=1, ram=2048, disks=[_disk(4, 30720, 29696)], ip="185.226.40.35",
                status="off", location="ru-3", zone="msk-1"),
    ]
    rng = random.Random(seed)
    for n in range(extra):
        cpu = rng.choice([1, 2, 4, 8])
        items.append(_server(4_000_000 + n, f"gen-{n}", cpu=cpu, ram=cpu * 2048,
                             disks=[_disk(10_000 + n, cpu * 15360, rng.randrange(1024, cpu * 15360))],
                             ip=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
                             status=rng.choice(["on", "on", "off"])))
    return items


def databases() -> list[dict[str, Any]]:
    return [{
        "id": 771204, "created_at": "2025-07-11T12:00:00Z", "location": "ru-1", "name": "orders-db",
        "networks": [{"type": "public", "ips": [{"ip": "185.226.41.9", "type": "ipv4"}]}], "type": "postgres15",
        "hash_type": None, "avatar_link": None, "port": 5432, "status": "started", "preset_id": 1181,
        # The spec defines ``disk`` but requires ``disk_stats`` (its ``db`` schema's name): both are sent.
        "disk": {"size": 20971520, "used": 3145728}, "disk_stats": {"size": 20971520, "used": 3145728},
        "config_parameters": {}, "is_enabled_public_network": True,
    }]


def database_as_db(cluster: dict[str, Any]) -> dict[str, Any]:
    """A cluster in the older ``db`` shape the spec gives the projects' resources answers."""
    return {"id": cluster["id"], "created_at": cluster["created_at"], "account_id": ACCOUNT_ID,
            "location": cluster["location"], "login": "gen_user", "password": "fake-db-secret",
            "name": cluster["name"], "host": f"{cluster['name']}.twc1.net", "type": cluster["type"], "hash_type": None,
            "port": cluster["port"], "ip": "185.226.41.9", "local_ip": "192.168.0.40", "status": cluster["status"],
            "preset_id": cluster["preset_id"], "disk_stats": cluster["disk_stats"], "config_parameters": {},
            "is_only_local_ip_access": False, "availability_zone": "spb-3"}


def buckets() -> list[dict[str, Any]]:
    return [{
        "id": 52017, "name": "media-assets", "description": "Картинки сайта", "type": "private", "preset_id": 389,
        "configurator_id": None, "avatar_link": None, "status": "created", "object_amount": 1532,
        "location": "ru-1", "hostname": "s3.twcstorage.ru", "access_key": "FAKEACCESSKEY",
        "secret_key": "fake-s3-secret-key", "moved_in_quarantine_at": None, "storage_class": "hot",
        "project_id": 101, "rate_id": 1, "is_allow_auto_upgrade": False,
        "disk_stats": {"size": 10485760, "used": 2621440, "is_unlimited": False},
        "website_config": {"enabled": False, "index_page": "", "error_pages": []},
    }]


def floating_ips() -> list[dict[str, Any]]:
    return [{"id": "9b1c7e52-3f0a-4c1e-9d1a-5a2f4e6b7c80", "ip": "185.226.42.5", "is_ddos_guard": False,
             "availability_zone": "spb-3", "resource_type": "server", "resource_id": 3105521,
             "comment": "", "ptr": ""}]


def balancers() -> list[dict[str, Any]]:
    return [{
        "id": 88410, "account_id": ACCOUNT_ID, "algo": "roundrobin", "created_at": "2025-08-01T10:00:00Z",
        "fall": 3, "inter": 10, "ip": "185.226.43.2", "local_ip": "192.168.0.254", "is_keepalive": False,
        "name": "front-lb", "path": "/", "port": 80, "proto": "http", "rise": 2, "maxconn": 10000,
        "connect_timeout": 5000, "client_timeout": 50000, "server_timeout": 50000, "httprequest_timeout": 10000,
        "preset_id": 391, "is_ssl": False, "status": "started", "is_sticky": False, "timeout": 5,
        "avatar_link": None, "is_use_proxy": False, "rules": [], "ips": ["192.168.0.2", "192.168.0.3"],
        "location": "ru-1", "availability_zone": "spb-3", "project_id": 101, "networks": [],
    }]


def k8s_clusters() -> list[dict[str, Any]]:
    return [{
        "id": 60231, "name": "apps-k8s", "created_at": "2025-09-15T08:00:00Z", "status": "active",
        "description": "", "k8s_version": "v1.30.4+k0s", "network_driver": "calico", "avatar_link": None,
        "ingress": True, "preset_id": 1853, "cpu": 8, "ram": 16384, "disk": 160, "availability_zone": "spb-3",
        "project_id": 102,
    }]


def projects() -> list[dict[str, Any]]:
    return [
        {"id": 101, "account_id": ACCOUNT_ID, "name": "Сайт", "description": "", "avatar_id": None,
         "is_default": True},
        {"id": 102, "account_id": ACCOUNT_ID, "name": "Платформа", "description": "", "avatar_id": None,
         "is_default": False},
    ]


# The monthly prices (₽) of services_costs: (type, service_id, cost, [(nested type, description, cost)], project).
PRICES: list[tuple[str, Any, int, list[tuple[str, str, int]], int | None]] = [
    ("server", 3105521, 1650, [("additional_ips", "Дополнительный IPv4", 150)], 101),
    ("server", 3105522, 990, [], 101),
    ("server", 3105530, 477, [], 102),
    ("database", 771204, 1470, [], 101),
    ("s3", 52017, 199, [], 101),
    ("balancer", 88410, 272, [], 101),
    ("k8s", 60231, 1180, [("disks", "Воркер-ноды: 2 × 1 200 ₽", 2400)], 102),
    ("floating_ip", 5517, 150, [], 101),  # a number, while the floating IP's own id is a UUID
    ("mail", 900114, 109, [], None),
]
# 1 800 + 990 + 477 + 1 470 + 199 + 272 + 3 580 + 150 + 109
MONTHLY_TOTAL = Decimal(9047)


def services_costs(extra_servers: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    items = []
    for service_type, service_id, cost, nested, project in PRICES:
        total = cost + sum(c for _t, _d, c in nested)
        items.append({
            "cost": cost, "total_cost": total, "type": service_type, "service_id": service_id,
            "project_id": project,
            "services": [{"id": n, "cost": c, "description": d, "type": t} for n, (t, d, c) in enumerate(nested, 1)],
            "info": {"name": {"mail": "Почта", "floating_ip": "Плавающий IP"}.get(service_type, "")},
            "configuration": {},
        })
    for server in extra_servers or []:
        items.append({"cost": server["cpu"] * 330, "total_cost": server["cpu"] * 330, "type": "server",
                      "service_id": server["id"], "project_id": None, "services": [], "info": {}, "configuration": {}})
    return items


class FakeTimeweb:
    """Speaks Timeweb Cloud for the tokens in ``tokens``."""

    def __init__(self, *, tokens: set[str] | None = None, extra_servers: int = 0, seed: int = 1,
                 balance: Decimal = BALANCE, requests_per_second: int | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.tokens = set(tokens or {DEMO_TOKEN})
        self.servers = servers(extra_servers, seed)
        self.extra_servers = self.servers[3:]
        self.balance = balance
        self.requests_per_second = requests_per_second
        self.clock = clock
        self.forbidden: set[str] = set()  # paths answering 403 for this account's token
        self.rejected: list[tuple[str, float]] = []  # (path, time) of the 429s it answered
        self._calls: dict[str, list[float]] = {}

    def _over_limit(self, path: str) -> bool:
        """Timeweb counts per account and endpoint; one fake account, so per path."""
        if self.requests_per_second is None:
            return False
        now = self.clock()
        recent = [t for t in self._calls.get(path, []) if now - t < 1.0]
        if len(recent) >= self.requests_per_second:
            self._calls[path] = recent
            self.rejected.append((path, now))
            return True
        self._calls[path] = [*recent, now]
        return False

    # --- data -----------------------------------------------------------------------------------
    def services_costs(self) -> list[dict[str, Any]]:
        return services_costs(self.extra_servers)

    def finances(self) -> dict[str, Any]:
        monthly = sum((Decimal(str(i["total_cost"])) for i in self.services_costs()), Decimal(0))
        hourly = monthly / HOURS_PER_MONTH
        hours_left = int(self.balance / hourly) if hourly else None
        return {"finances": {
            "balance": float(self.balance), "currency": "RUB", "discount_end_date_at": None, "discount_percent": 0,
            "hourly_cost": float(hourly), "hourly_fee": float(hourly), "monthly_cost": float(monthly),
            "monthly_fee": float(monthly), "total_paid": 61250.0, "hours_left": hours_left,
            "autopay_card_info": None,
        }}

    def project_resources(self, project_id: int) -> dict[str, Any] | None:
        if project_id not in {p["id"] for p in projects()}:
            return None
        owner = {(t, sid): p for t, sid, _c, _n, p in PRICES}

        def mine(family: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [i for i in items if owner.get((family, i["id"])) == project_id]

        return {"servers": mine("server", self.servers), "balancers": mine("balancer", balancers()),
                "buckets": mine("s3", buckets()), "clusters": mine("k8s", k8s_clusters()),
                "databases": [database_as_db(db) for db in mine("database", databases())], "dedicated_servers": [],
                "meta": {"total": 0}}

    def statistics(self, server_id: int, date_from: str, date_to: str) -> dict[str, Any] | None:
        """Hourly points between the two moments (Moscow local time when no offset is given), at most a week."""
        start, end = _moment(date_from), _moment(date_to)
        if start is None or end is None or end < start:
            return None
        rng = random.Random(server_id)
        base_cpu, total = rng.uniform(0.05, 0.6), 8192
        cpu, ram, disk, net = [], [], [], []
        moment = start.replace(minute=0, second=0, microsecond=0)
        if moment < start:
            moment += timedelta(hours=1)
        while moment <= end and len(cpu) < 24 * 7:
            stamp = moment.isoformat()
            wave = (moment.hour % 12) / 100
            used = int(total * (0.35 + wave))
            cpu.append({"logged_at": stamp, "load": round(base_cpu + wave, 4)})
            ram.append({"logged_at": stamp, "total": total, "used": used, "used_cached": 512,
                        "available": total - used})
            disk.append({"logged_at": stamp, "read": round(1.5 + wave * 10, 3), "write": round(0.8 + wave * 5, 3)})
            net.append({"logged_at": stamp, "incoming": round(12.5 + wave * 40, 3), "outgoing": round(4.25 + wave, 3)})
            moment += timedelta(hours=1)
        return {"cpu": cpu, "ram": ram, "disk": disk, "network_traffic": net}

    # --- HTTP -----------------------------------------------------------------------------------
    def handle(self, request: Request, fault: Fault | None) -> Reply | None:
        if not request.path.startswith(("/api/v1/", "/api/v2/")):
            return None
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return error_reply(request, 401, "unauthorized", "Unauthorized")
        if (fault is not None and fault.kind == "limit") or self._over_limit(request.path):
            return error_reply(request, 429, "too_many_requests", "Too many requests", {"Retry-After": "1"})
        if (fault is not None and fault.kind == "forbid") or request.path in self.forbidden:
            return error_reply(request, 403, "forbidden", "You do not have access for the attempted action")
        if request.method != "GET":
            return error_reply(request, 400, "bad_request", ["Only GET is served by this fake"])
        try:
            offset = int(request.query.get("offset") or 0)
            limit = int(request.query.get("limit") or 100)
        except ValueError:
            return error_reply(request, 400, "bad_request", ["limit and offset must be integers"])
        if offset < 0 or not 0 < limit <= 1000:
            return error_reply(request, 400, "bad_request", ["limit must be 1..1000, offset >= 0"])

        def collection(key: str, items: list[Any], *, paged: bool = True) -> Reply:
            page = items[offset:offset + limit] if paged else items
            return Reply(200, {key: page, "meta": {"total": len(items)}, "response_id": _response_id(request)})

        path = request.path
        lists: dict[str, tuple[str, Callable[[], list[Any]], bool]] = {
            "/api/v1/servers": ("servers", lambda: self.servers, True),
            "/api/v1/databases": ("dbs", databases, True),
            "/api/v1/storages/buckets": ("buckets", buckets, False),
            "/api/v1/floating-ips": ("ips", floating_ips, False),
            "/api/v1/balancers": ("balancers", balancers, True),
            "/api/v1/k8s/clusters": ("clusters", k8s_clusters, True),
            "/api/v1/projects": ("projects", projects, False),
            "/api/v1/account/services/cost": ("services_costs", self.services_costs, False),
        }
        if path in lists:
            key, items, paged = lists[path]
            return collection(key, items(), paged=paged)
        if path == "/api/v1/account/finances":
            return Reply(200, {**self.finances(), "response_id": _response_id(request)})
        if path == "/api/v1/account/status":
            return Reply(200, {"status": {"is_blocked": False, "is_permanent_blocked": False,
                                          "is_send_bill_letters": True,
                                          "company_info": {"name": "ООО «Северный ветер»", "id": 41872},
                                          "last_password_changed_at": "2025-05-01T10:00:00Z",
                                          "ym_client_id": None}, "response_id": _response_id(request)})
        parts = path.strip("/").split("/")
        if len(parts) == 5 and parts[:3] == ["api", "v1", "projects"] and parts[4] == "resources":
            answer = self.project_resources(_int(parts[3]))
            if answer is None:
                return error_reply(request, 404, "not_found", "Project not found")
            return Reply(200, {**answer, "response_id": _response_id(request)})
        if len(parts) == 5 and parts[:3] == ["api", "v1", "servers"] and parts[4] == "statistics":
            server_id = _int(parts[3])
            if not any(s["id"] == server_id for s in self.servers):
                return error_reply(request, 404, "not_found", "Server not found")
            if not request.query.get("date_from") or not request.query.get("date_to"):
                return error_reply(request, 400, "bad_request", ["date_from should not be empty",
                                                                  "date_to should not be empty"])
            answer = self.statistics(server_id, request.query["date_from"], request.query["date_to"])
            if answer is None:
                return error_reply(request, 400, "bad_request", "date_from and date_to must be ISO 8601")
            return Reply(200, {**answer, "response_id": _response_id(request)})
        return error_reply(request, 404, "not_found", "Not found")


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return -1


def _moment(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=MOSCOW)

