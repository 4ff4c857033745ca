"""Fake OpenStack: Keystone v3 and per-region Nova, Cinder and Neutron (floating IPs) for one project.

Shapes follow the official OpenStack API samples in shared/providers/openstack_common. Served under
``prefix`` (``/openstack`` by default):

  E/openstack/identity/v3/auth/tokens     Keystone (password scoped to the project, or application credential)
  E/openstack/<region>/compute/v2.1/...   Nova: servers/detail, flavors/detail
  E/openstack/<region>/volume/v3/<project>/volumes/detail
  E/openstack/<region>/network/v2.0/floatingips

Every list pages with ``limit`` + ``marker`` and ``<items>_links`` rel=next. Deterministic from ``seed``.
A provider whose cloud is OpenStack (``selectel.py``) subclasses it and adds its own APIs.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from .server import Fault, Reply, Request

DEMO_USERNAME = "infrazen-sync"
DEMO_USER_PASSWORD = "openstack-demo-password"
DEMO_USER_DOMAIN = "Default"
DEMO_PROJECT_ID = "48643015916742d080f0ecdd519bada3"
DEMO_PROJECT_NAME = "My First Project"
DEMO_APP_CREDENTIAL_ID = "aa2f5ac4f5ec4e1b9d7d1a3c0f6c2d11"
DEMO_APP_CREDENTIAL_SECRET = "openstack-demo-app-credential-secret"
DEMO_APP_CREDENTIAL_NAME = "infrazen-readonly"
USER_ID = "b9f534c98efc4a348f876870e1f331f7"

FLAVORS = [
    {"id": "1011", "name": "SL1.1-1024", "vcpus": 1, "ram": 1024, "disk": 0, "vcpu_kop": 75, "ram_kop": 40},
    {"id": "1012", "name": "SL1.2-4096", "vcpus": 2, "ram": 4096, "disk": 0, "vcpu_kop": 150, "ram_kop": 160},
    {"id": "1013", "name": "SL1.4-8192", "vcpus": 4, "ram": 8192, "disk": 0, "vcpu_kop": 300, "ram_kop": 320},
]
UNAUTHORIZED = {"error": {"code": 401, "title": "Unauthorized",
                          "message": "The request you have made requires authentication."}}


def fake_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class FakeOpenStack:
    prefix = "/openstack"
    identity_path = "/identity/v3/auth/tokens"

    def __init__(self, *, servers: int = 3, seed: int = 1, regions: tuple[str, ...] = ("RegionOne", "RegionTwo"),
                 username: str = DEMO_USERNAME, password: str = DEMO_USER_PASSWORD,
                 user_domain: str = DEMO_USER_DOMAIN, project_id: str = DEMO_PROJECT_ID,
                 project_name: str = DEMO_PROJECT_NAME, floating_ips: int = 0,
                 nova_microversion_default: str = "2.1", stopped: Collection[int] = ()):
        """``stopped``: indexes of servers seeded ``SHUTOFF`` besides every seventh one (n % 7 == 6)."""
        self.regions = regions
        self.username, self.password, self.user_domain = username, password, user_domain
        self.project_id, self.project_name = project_id, project_name
        self.application_credentials = {DEMO_APP_CREDENTIAL_ID: (DEMO_APP_CREDENTIAL_NAME, DEMO_APP_CREDENTIAL_SECRET)}
        self.nova_microversion_default = nova_microversion_default
        self.keystone_tokens: set[str] = set()
        self.rng = random.Random(seed)
        self.servers: list[dict[str, Any]] = []
        self.volumes: list[dict[str, Any]] = []
        for n in range(servers):
            region = regions[n % len(regions)]
            flavor = FLAVORS[self.rng.randrange(len(FLAVORS))]
            server = {"id": fake_uuid(self.rng), "name": f"srv-{seed}-{n:05d}", "region": region,
                      "zone": f"{region}{'ab'[n // len(regions) % 2]}", "flavor": flavor,
                      "status": "SHUTOFF" if n % 7 == 6 or n in stopped else "ACTIVE", "ip": f"10.{n // 65536 % 256}."
                      f"{n // 256 % 256}.{n % 256}", "created": datetime(2025, 9, 1, tzinfo=UTC) + timedelta(hours=n)}
            volume_type = "fast" if n % 3 == 0 else "universal"
            volume = {"id": fake_uuid(self.rng), "name": f"disk-for-{server['name']}-#1", "region": region,
                      "zone": server["zone"], "size": self.rng.choice([10, 20, 50]), "type": volume_type,
                      "server_id": server["id"], "bootable": True}
            server["volume_ids"] = [volume["id"]]
            self.servers.append(server)
            self.volumes.append(volume)
        for region in regions:  # one detached volume per region: billed, not attached
            self.volumes.append({"id": fake_uuid(self.rng), "name": f"spare-{region}", "region": region,
                                 "zone": f"{region}a", "size": 30, "type": "universal", "server_id": "",
                                 "bootable": False})
        # Their own generator, so adding addresses never changes the servers and volumes of a seed.
        ip_rng = random.Random(f"floating-{seed}")
        self.floating_ips: list[dict[str, Any]] = []
        for n in range(floating_ips):
            attached = self.servers[n] if n < len(self.servers) and n % 2 == 0 else None
            self.floating_ips.append({
                "id": fake_uuid(ip_rng), "address": f"203.0.113.{n % 250 + 1}",
                "region": attached["region"] if attached else regions[n % len(regions)],
                "server": attached, "port_id": fake_uuid(ip_rng) if attached else None})

    # --- Keystone -------------------------------------------------------------------------------
    def _authenticated(self, auth: Any) -> bool | None:
        """True / False for a well-formed request with good / bad credentials, None when malformed."""
        try:
            methods = auth["identity"]["methods"]
            if "application_credential" in methods:
                credential = auth["identity"]["application_credential"]
                if credential.get("id"):
                    known = self.application_credentials.get(credential["id"])
                    return known is not None and known[1] == credential.get("secret")
                user = credential.get("user") or {}
                user_ok = user.get("id") == USER_ID or (
                    user.get("name") == self.username and (user.get("domain") or {}).get("name") == self.user_domain)
                return user_ok and any((credential.get("name"), credential.get("secret")) == known
                                       for known in self.application_credentials.values())
            user = auth["identity"]["password"]["user"]
            project = auth["scope"]["project"]
        except (KeyError, TypeError):
            return None
        domain = (user.get("domain") or {}).get("name")
        project_ok = project.get("id") == self.project_id or (
            project.get("name") == self.project_name and (project.get("domain") or {}).get("name") == self.user_domain)
        return (user.get("name"), user.get("password"), domain) == (self.username, self.password, self.user_domain) \
            and project_ok

    def catalog(self, base: str) -> list[dict[str, Any]]:
        return [
            self.service(base, "compute", "nova", "/compute/v2.1"),
            self.service(base, "volumev3", "cinderv3", f"/volume/v3/{self.project_id}"),
            self.service(base, "network", "neutron", "/network"),
        ]

    def service(self, base: str, kind: str, name: str, path: str) -> dict[str, Any]:
        endpoints = []
        for region in self.regions:
            for interface in ("public", "internal"):
                host = base if interface == "public" else "http://internal.invalid"
                endpoints.append({"id": hashlib.md5(f"{kind}{region}{interface}".encode()).hexdigest(),  # noqa: S324
                                  "interface": interface, "region": region, "region_id": region,
                                  "url": f"{host}{self.prefix}/{region}{path}"})
        return {"type": kind, "name": name, "id": hashlib.md5(kind.encode()).hexdigest(),  # noqa: S324
                "endpoints": endpoints}

    def keystone(self, request: Request, base: str) -> Reply:
        if request.method != "POST":
            return Reply(405, {"error": {"code": 405, "title": "Method Not Allowed", "message": "POST only"}})
        auth = (request.json or {}).get("auth") if isinstance(request.json, dict) else None
        authenticated = self._authenticated(auth)
        if authenticated is None:
            return Reply(400, {"error": {"code": 400, "title": "Bad Request",
                                         "message": "Expecting to find identity and scope in auth."}})
        if not authenticated:
            return Reply(401, UNAUTHORIZED)
        token = "gAAAAA" + hashlib.sha256(f"{self.username}:{len(self.keystone_tokens)}".encode()).hexdigest()
        self.keystone_tokens.add(token)
        now = datetime.now(UTC)
        domain = {"id": self.user_domain, "name": self.user_domain}
        body = {"token": {
            "methods": list(auth["identity"]["methods"]), "is_domain": False,
            "expires_at": (now + timedelta(hours=24)).isoformat().replace("+00:00", "Z"),
            "issued_at": now.isoformat().replace("+00:00", "Z"), "audit_ids": ["fake"],
            "project": {"id": self.project_id, "name": self.project_name, "domain": domain},
            "user": {"id": USER_ID, "name": self.username, "domain": domain},
            "roles": [{"id": "51cc68287d524c759f47c811e6463340", "name": "member"}],
            "catalog": self.catalog(base),
        }}
        return Reply(201, body, {"X-Subject-Token": token})

    # --- Nova / Cinder / Neutron ------------------------------------------------------------------
    def openstack(self, request: Request, region: str, path: str, base: str, fault: Fault | None) -> Reply:
        if request.headers.get("x-auth-token") not in self.keystone_tokens:
            return Reply(401, UNAUTHORIZED)
        if fault is not None and fault.kind == "forbid":
            return Reply(403, {"forbidden": {"code": 403, "message": "Policy doesn't allow this to be performed."}})
        limit = int(request.query.get("limit") or 1000)
        marker = request.query.get("marker") or ""
        url = f"{base}{self.prefix}/{region}{path}"
        if path == "/compute/v2.1/servers/detail":
            version = request.headers.get("x-openstack-nova-api-version") or self.nova_microversion_default
            items = [self._server(s, base, embedded=_version(version) >= (2, 47))
                     for s in self.servers if s["region"] == region]
            return self._page(items, "servers", limit, marker, url)
        if path == "/compute/v2.1/flavors/detail":
            items = [{"id": f["id"], "name": f["name"], "vcpus": f["vcpus"], "ram": f["ram"], "disk": f["disk"],
                      "swap": 0, "OS-FLV-EXT-DATA:ephemeral": 0, "os-flavor-access:is_public": True,
                      "description": None, "extra_specs": {}, "links": []} for f in FLAVORS]
            return self._page(items, "flavors", limit, marker, url)
        if path == f"/volume/v3/{self.project_id}/volumes/detail":
            items = [self._volume(v) for v in self.volumes if v["region"] == region]
            return self._page(items, "volumes", limit, marker, url)
        if path == "/network/v2.0/floatingips":
            items = [self._floating_ip(f) for f in self.floating_ips if f["region"] == region]
            return self._page(items, "floatingips", limit, marker, url)
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
            "tenant_id": self.project_id, "updated": created, "user_id": USER_ID,
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
            "os-vol-tenant-attr:tenant_id": self.project_id, "replication_status": None,
            "size": volume["size"], "snapshot_id": None, "source_volid": None,
            "status": "in-use" if attached else "available", "updated_at": None,
            "user_id": USER_ID, "volume_type": f"{volume['type']}.{volume['zone']}",
            "group_id": None, "provider_id": None, "service_uuid": None, "shared_targets": True,
            "cluster_name": None, "consumes_quota": True,
        }

    def _floating_ip(self, item: dict[str, Any]) -> dict[str, Any]:
        """Neutron's documented floating IP object (networking API v2.0, "List floating IPs")."""
        server = item["server"]
        return {
            "id": item["id"], "floating_ip_address": item["address"],
            "fixed_ip_address": server["ip"] if server else None, "port_id": item["port_id"],
            "router_id": "d23abc8d-2991-4a55-ba98-2aaea84cc72f" if server else None,
            "floating_network_id": "376da547-b977-4cfe-9cba-275c80debf57", "status": "ACTIVE" if server else "DOWN",
            "project_id": self.project_id, "tenant_id": self.project_id, "description": "", "dns_domain": "",
            "dns_name": "", "port_details": None, "qos_policy_id": None, "revision_number": 1, "tags": [],
            "created_at": "2025-09-01T10:00:00Z", "updated_at": "2025-09-01T10:00:00Z",
        }

    # --- dispatch -------------------------------------------------------------------------------
    def handle(self, request: Request, fault: Fault | None) -> Reply | None:
        if not request.path.startswith(f"{self.prefix}/"):
            return None
        base = f"http://{request.headers.get('host', '127.0.0.1')}"
        rest = request.path[len(self.prefix):]
        if rest == self.identity_path:
            return self.keystone(request, base)
        region, _, tail = rest.lstrip("/").partition("/")
        if region in self.regions:
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
