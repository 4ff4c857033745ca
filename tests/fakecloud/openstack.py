"""Fake OpenStack: Keystone v3 and per-region Nova, Cinder, Neutron, Glance, Octavia and Gnocchi for one project.

Shapes follow the official OpenStack API samples (shared/providers/openstack_common and the api-ref samples
copied to tests/providers/samples/openstack). Served under ``prefix`` (``/openstack`` by default):

  E/openstack/identity/v3/auth/tokens     Keystone (password scoped to the project, or application credential)
  E/openstack/<region>/compute/v2.1/...   Nova: servers/detail, flavors/detail
  E/openstack/<region>/volume/v3/<project>/volumes/detail, .../snapshots/detail
  E/openstack/<region>/network/v2.0/floatingips, ports
  E/openstack/<region>/image/v2/images    Glance (``owner`` filter; the next page in a top-level ``next``)
  E/openstack/<region>/load-balancer/v2/lbaas/loadbalancers   Octavia (only with ``load_balancers``)
  E/openstack/<region>/metric/v1/...      Gnocchi (only with ``gnocchi``): resource/instance/<id>, metric/<id>/measures

Every Nova/Cinder/Neutron/Octavia list pages with ``limit`` + ``marker`` and ``<items>_links`` rel=next.
Deterministic from ``seed``. ``omit_services`` leaves service types out of the catalog (their URLs answer 404);
``token_ttl`` makes a token expire after that many API requests (Keystone gives a new one);
``revoke_tokens()`` revokes every token issued so far.
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

from django.utils.dateparse import parse_datetime

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
OTHER_PROJECT_ID = "5ef70662f8b34079a6eddb8da9d75fe8"  # the owner of the cloud's public images (Glance sample)
GIB = 1024 ** 3
CPU_PERCENT_CYCLE = (5, 15, 25, 35, 45, 55, 65, 75, 85, 95)  # server n uses CPU_PERCENT_CYCLE[n % 10] % of its vCPUs


def fake_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class FakeOpenStack:
    prefix = "/openstack"
    identity_path = "/identity/v3/auth/tokens"

    def __init__(self, *, servers: int = 3, seed: int = 1, regions: tuple[str, ...] = ("RegionOne", "RegionTwo"),
                 username: str = DEMO_USERNAME, password: str = DEMO_USER_PASSWORD,
                 user_domain: str = DEMO_USER_DOMAIN, project_id: str = DEMO_PROJECT_ID,
                 project_name: str = DEMO_PROJECT_NAME, floating_ips: int = 0,
                 nova_microversion_default: str = "2.1", stopped: Collection[int] = (), snapshots: int = 0,
                 images: int = 0, public_images: int = 2, load_balancers: int | None = 0, gnocchi: str = "",
                 omit_services: Collection[str] = (), token_ttl: int | None = None,
                 nova_max_microversion: str = "2.96", clock: Any = None):
        """``stopped``: indexes of servers seeded ``SHUTOFF`` besides every seventh one (n % 7 == 6).
        ``snapshots`` / ``images``: of the project's volumes / own images; ``public_images``: the cloud's public
        images owned by another project (Glance lists them without an ``owner`` filter). ``load_balancers``:
        None = no Octavia in the catalog (by default it is there, empty). ``gnocchi``: "" = no Gnocchi,
        ``cpu`` (cumulative ns) or ``cpu_util`` (percent): the metric each instance has. ``clock``: () -> now
        (UTC) for Gnocchi's measures."""
        self.regions = regions
        self.username, self.password, self.user_domain = username, password, user_domain
        self.project_id, self.project_name = project_id, project_name
        self.application_credentials = {DEMO_APP_CREDENTIAL_ID: (DEMO_APP_CREDENTIAL_NAME, DEMO_APP_CREDENTIAL_SECRET)}
        self.nova_microversion_default = nova_microversion_default
        self.nova_max_microversion = nova_max_microversion
        self.keystone_tokens: set[str] = set()
        self.tokens_issued = 0
        self.token_ttl = token_ttl
        self.token_uses: dict[str, int] = {}
        self.omit_services = frozenset(omit_services)
        self.gnocchi = gnocchi
        self.clock = clock or (lambda: datetime.now(UTC))
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
        # The rest from generators of their own too: the servers, volumes and addresses of a seed never change.
        extra_rng = random.Random(f"extra-{seed}")
        self.snapshots: list[dict[str, Any]] = []
        for n in range(snapshots):
            volume = self.volumes[n % len(self.volumes)]
            self.snapshots.append({"id": fake_uuid(extra_rng), "name": f"snap-{n:05d}-of-{volume['name']}",
                                   "region": volume["region"], "volume_id": volume["id"], "size": volume["size"],
                                   "status": "error" if n % 9 == 8 else "available",
                                   "created": datetime(2025, 8, 1, tzinfo=UTC) + timedelta(hours=n)})
        self.images: list[dict[str, Any]] = []
        for n in range(images + public_images):
            own = n < images
            self.images.append({"id": fake_uuid(extra_rng), "name": f"image-{n:05d}" if own else f"ubuntu-{n}",
                                "region": regions[n % len(regions)], "owner": self.project_id if own
                                else OTHER_PROJECT_ID, "visibility": "private" if own else "public",
                                "size": (n % 4 + 1) * GIB // 2, "status": "active",
                                "created": datetime(2025, 7, 1, tzinfo=UTC) + timedelta(hours=n)})
        self.load_balancers: list[dict[str, Any]] | None = None if load_balancers is None else [
            {"id": fake_uuid(extra_rng), "name": f"lb-{n:03d}", "region": regions[n % len(regions)],
             "vip": f"10.20.{n // 256 % 256}.{n % 256}", "status": ("ACTIVE", "OFFLINE" if n % 4 == 3 else "ONLINE")}
            for n in range(load_balancers)]
        # Neutron ports: the port of each attached floating IP is its server's.
        self.ports: dict[str, dict[str, Any]] = {
            f["port_id"]: {"server": f["server"], "region": f["region"]} for f in self.floating_ips if f["port_id"]}

    def revoke_tokens(self) -> None:
        """Every token issued so far is revoked (Keystone ``DELETE /v3/auth/tokens``): the next API call is 401."""
        self.keystone_tokens.clear()

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
        services = [
            self.service(base, "compute", "nova", "/compute/v2.1"),
            self.service(base, "volumev3", "cinderv3", f"/volume/v3/{self.project_id}"),
            self.service(base, "network", "neutron", "/network"),
            self.service(base, "image", "glance", "/image"),
        ]
        if self.load_balancers is not None:
            services.append(self.service(base, "load-balancer", "octavia", "/load-balancer"))
        if self.gnocchi:
            services.append(self.service(base, "metric", "gnocchi", "/metric"))
        return [service for service in services if service["type"] not in self.omit_services]

    def _offered(self, path: str) -> bool:
        """Whether the service serving ``path`` is in the catalog (an omitted one is not deployed: 404)."""
        service = {"/compute/": "compute", "/volume/": "volumev3", "/network/": "network", "/image/": "image",
                   "/load-balancer/": "load-balancer", "/metric/": "metric"}
        kind = next((kind for prefix, kind in service.items() if path.startswith(prefix)), "")
        if kind == "load-balancer" and self.load_balancers is None or kind == "metric" and not self.gnocchi:
            return False
        return kind not in self.omit_services

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
        self.tokens_issued += 1
        token = "gAAAAA" + hashlib.sha256(f"{self.username}:{self.tokens_issued}".encode()).hexdigest()
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
    def _token_valid(self, token: str | None) -> bool:
        if token not in self.keystone_tokens:
            return False
        if self.token_ttl is not None:
            self.token_uses[token] = uses = self.token_uses.get(token, 0) + 1
            if uses > self.token_ttl:
                self.keystone_tokens.discard(token)  # expired
                return False
        return True

    def openstack(self, request: Request, region: str, path: str, base: str, fault: Fault | None) -> Reply:
        if not self._token_valid(request.headers.get("x-auth-token")):
            return Reply(401, UNAUTHORIZED)
        if fault is not None and fault.kind == "forbid":
            return Reply(403, {"forbidden": {"code": 403, "message": "Policy doesn't allow this to be performed."}})
        if not self._offered(path):
            return Reply(404, {"error": "not found"})
        limit = int(request.query.get("limit") or 1000)
        marker = request.query.get("marker") or ""
        url = f"{base}{self.prefix}/{region}{path}"
        if path == "/compute/v2.1/servers/detail":
            version = request.headers.get("x-openstack-nova-api-version") or self.nova_microversion_default
            if _version(version) > _version(self.nova_max_microversion):
                return Reply(406, {"computeFault": {"code": 406, "message": f"Version {version} is not supported "
                                                    "by the API. Minimum is 2.1 and maximum is "
                                                    f"{self.nova_max_microversion}."}})
            embedded = _version(version) >= (2, 47)
            return self._page([s for s in self.servers if s["region"] == region], "servers", limit, marker, url,
                              build=lambda s: self._server(s, base, embedded=embedded))
        if path == "/compute/v2.1/flavors/detail":
            items = [{"id": f["id"], "name": f["name"], "vcpus": f["vcpus"], "ram": f["ram"], "disk": f["disk"],
                      "swap": 0, "OS-FLV-EXT-DATA:ephemeral": 0, "os-flavor-access:is_public": True,
                      "description": None, "extra_specs": {}, "links": []} for f in FLAVORS]
            return self._page(items, "flavors", limit, marker, url)
        if path == f"/volume/v3/{self.project_id}/volumes/detail":
            return self._page([v for v in self.volumes if v["region"] == region], "volumes", limit, marker, url,
                              build=self._volume)
        if path == f"/volume/v3/{self.project_id}/snapshots/detail":
            return self._page([x for x in self.snapshots if x["region"] == region], "snapshots", limit, marker, url,
                              build=self._snapshot)
        if path == "/network/v2.0/floatingips":
            items = [self._floating_ip(f) for f in self.floating_ips if f["region"] == region]
            return self._page(items, "floatingips", limit, marker, url)
        if path == "/network/v2.0/ports":
            items = [self._port(port_id, p) for port_id, p in self.ports.items() if p["region"] == region]
            items = [p for p in items if all(p.get(k) == v for k, v in request.query.items()
                                             if k in ("device_id", "device_owner", "id"))]
            return self._page(items, "ports", limit, marker, url)
        if path == "/image/v2/images":
            return self._glance(request, region, limit, marker)
        if path == "/load-balancer/v2/lbaas/loadbalancers":
            items = [self._load_balancer(lb) for lb in self.load_balancers or [] if lb["region"] == region]
            return self._page(items, "loadbalancers", limit, marker, url)
        if path.startswith("/metric/v1/"):
            return self._gnocchi(request, path[len("/metric/v1"):])
        return Reply(404, {"itemNotFound": {"code": 404, "message": "The resource could not be found."}})

    @staticmethod
    def _page(items: list[dict[str, Any]], key: str, limit: int, marker: str, url: str,
              build: Any = None) -> Reply:
        """One page of ``items`` after ``marker``; ``build`` turns an item into its API body (only the page's
        items are built, so a large listing costs the fake linear, not quadratic, time)."""
        start = 0
        if marker:
            ids = [item["id"] for item in items]
            if marker not in ids:
                return Reply(400, {"badRequest": {"code": 400, "message": f"marker [{marker}] not found"}})
            start = ids.index(marker) + 1
        page = items[start:start + limit]
        if build is not None:
            page = [build(item) for item in page]
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

    def _snapshot(self, item: dict[str, Any]) -> dict[str, Any]:
        """Cinder v3 "List snapshots and details" (snapshots-list-detailed-response.json)."""
        return {
            "status": item["status"], "metadata": {"name": item["name"][:8]},
            "os-extended-snapshot-attributes:progress": "100%", "name": item["name"], "user_id": USER_ID,
            "volume_id": item["volume_id"], "os-extended-snapshot-attributes:project_id": self.project_id,
            "created_at": item["created"].strftime("%Y-%m-%dT%H:%M:%S.000000"), "size": item["size"],
            "id": item["id"], "description": "", "updated_at": None,
        }

    def _glance_image(self, item: dict[str, Any]) -> dict[str, Any]:
        """Glance v2 image (images-list-response.json)."""
        stamp = item["created"].strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "status": item["status"], "name": item["name"], "tags": [], "container_format": "bare",
            "created_at": stamp, "disk_format": "qcow2", "updated_at": stamp, "visibility": item["visibility"],
            "self": f"/v2/images/{item['id']}", "min_disk": 0, "protected": False, "id": item["id"],
            "file": f"/v2/images/{item['id']}/file", "checksum": hashlib.md5(item["id"].encode()).hexdigest(),  # noqa: S324
            "os_hash_algo": "sha512", "os_hash_value": hashlib.sha512(item["id"].encode()).hexdigest(),
            "owner": item["owner"], "size": item["size"], "min_ram": 0, "schema": "/v2/schemas/image",
            "virtual_size": None,
        }

    def _glance(self, request: Request, region: str, limit: int, marker: str) -> Reply:
        """Glance lists the images the project may see (its own, public, shared); ``owner`` filters by owner.
        Paging: ``limit`` + ``marker``, the next page as a path from the service root in ``next``."""
        owner = request.query.get("owner") or ""
        items = [i for i in self.images if i["region"] == region and (not owner or i["owner"] == owner)
                 and (i["owner"] == self.project_id or i["visibility"] == "public")]
        start = 0
        if marker:
            ids = [i["id"] for i in items]
            if marker not in ids:
                return Reply(400, {"code": 400, "title": "Bad Request", "message": f"marker {marker} not found"})
            start = ids.index(marker) + 1
        page = items[start:start + limit]
        body: dict[str, Any] = {"images": [self._glance_image(i) for i in page], "schema": "/v2/schemas/images",
                                "first": "/v2/images" + (f"?{urlencode({'owner': owner})}" if owner else "")}
        if start + limit < len(items):
            query = {"limit": limit, "marker": page[-1]["id"], **({"owner": owner} if owner else {})}
            body["next"] = f"/v2/images?{urlencode(query)}"
        return Reply(200, body)

    def _load_balancer(self, item: dict[str, Any]) -> dict[str, Any]:
        """Octavia v2 load balancer (loadbalancers-list-response.json)."""
        provisioning, operating = item["status"]
        return {
            "description": "", "admin_state_up": True, "project_id": self.project_id,
            "provisioning_status": provisioning, "flavor_id": "",
            "vip_subnet_id": "d4af86e1-0051-488c-b7a0-527f97490c9a",
            "listeners": [{"id": item["id"][::-1]}], "vip_address": item["vip"],
            "vip_network_id": "d0d217df-3958-4fbf-a3c2-8dad2908c709", "vip_port_id": item["id"][:-4] + "0000",
            "provider": "amphora", "pools": [{"id": item["id"][:-4] + "1111"}],
            "created_at": "2025-09-02T10:00:00", "updated_at": "2025-09-02T10:05:00", "id": item["id"],
            "operating_status": operating, "name": item["name"], "tags": [],
        }

    def _port(self, port_id: str, item: dict[str, Any]) -> dict[str, Any]:
        """Neutron v2.0 port (ports-list-response.json): a server's port has ``device_owner`` compute:<zone>."""
        server = item["server"]
        return {
            "admin_state_up": True, "allowed_address_pairs": [], "created_at": "2025-09-01T10:00:00Z",
            "description": "", "device_id": server["id"] if server else "",
            "device_owner": f"compute:{server['zone']}" if server else "", "fixed_ips": [
                {"ip_address": server["ip"], "subnet_id": "288bf4a1-51ba-43b6-9d0a-520e9005db17"}] if server else [],
            "id": port_id, "mac_address": "fa:16:3e:00:00:01", "name": "",
            "network_id": "f27aa545-cbdd-4907-b0c6-c9e8b039dcc2", "project_id": self.project_id,
            "revision_number": 1, "security_groups": [], "status": "ACTIVE" if server else "DOWN", "tags": [],
            "tenant_id": self.project_id, "updated_at": "2025-09-01T10:00:00Z",
        }

    # --- Gnocchi --------------------------------------------------------------------------------
    def _metric_ids(self, server: dict[str, Any]) -> dict[str, str]:
        digest = hashlib.sha256(server["id"].encode()).hexdigest()
        return {self.gnocchi: str(uuid.UUID(digest[:32])),
                "memory.usage": str(uuid.UUID(digest[32:]))}

    def cpu_percent(self, server: dict[str, Any]) -> int:
        """The constant CPU load the fake reports for ``server`` (percent of its vCPUs)."""
        return CPU_PERCENT_CYCLE[self.servers.index(server) % len(CPU_PERCENT_CYCLE)]

    def _gnocchi(self, request: Request, path: str) -> Reply:
        """``/resource/instance/<server id>`` (Gnocchi's instance resource, as Ceilometer creates it) and
        ``/metric/<id>/measures``: ``[[timestamp, granularity, value], ...]``, granularity 3600 over the
        asked window and 300 over the last hour (an archive policy with two granularities)."""
        parts = path.strip("/").split("/")
        if parts[:2] == ["resource", "instance"] and len(parts) == 3:
            server = next((s for s in self.servers if s["id"] == parts[2]), None)
            if server is None:
                return Reply(404, {"code": 404, "description": f"Resource {parts[2]} does not exist",
                                   "title": "Not Found"})
            return Reply(200, {
                "id": server["id"], "type": "instance", "project_id": self.project_id, "user_id": USER_ID,
                "original_resource_id": server["id"], "display_name": server["name"],
                "flavor_id": server["flavor"]["id"], "flavor_name": server["flavor"]["name"],
                "host": "compute-1", "image_ref": None, "server_group": None,
                "started_at": server["created"].isoformat(), "ended_at": None, "revision_start":
                server["created"].isoformat(), "revision_end": None, "created_by_project_id": self.project_id,
                "created_by_user_id": USER_ID, "creator": f"{USER_ID}:{self.project_id}",
                "metrics": self._metric_ids(server)})
        if parts[0] == "metric" and len(parts) == 3 and parts[2] == "measures":
            server = next((s for s in self.servers if self._metric_ids(s)[self.gnocchi] == parts[1]), None)
            if server is None:
                return Reply(404, {"code": 404, "description": f"Metric {parts[1]} does not exist",
                                   "title": "Not Found"})
            return Reply(200, self._measures(server, request.query.get("start") or ""))
        return Reply(404, {"code": 404, "description": "The resource could not be found.", "title": "Not Found"})

    def _measures(self, server: dict[str, Any], start_text: str) -> list[list[Any]]:
        now = self.clock().astimezone(UTC)
        start = parse_datetime(start_text) if start_text else None
        start = (start or now - timedelta(days=30)).astimezone(UTC)
        percent = self.cpu_percent(server)
        vcpus = server["flavor"]["vcpus"]

        def value(at: datetime) -> float:
            if self.gnocchi == "cpu_util":
                return float(percent)
            seconds = (at - server["created"]).total_seconds()  # cumulative CPU time since the server started
            return seconds * 1e9 * vcpus * percent / 100

        rows: list[list[Any]] = []
        for granularity, since in ((3600, start), (300, now - timedelta(hours=1))):
            at = datetime.fromtimestamp(since.timestamp() // granularity * granularity, tz=UTC)
            while at + timedelta(seconds=granularity) <= now:
                # Gnocchi's point is the mean over [at, at + granularity): a linear counter's is its middle value.
                rows.append([at.isoformat(), float(granularity), value(at + timedelta(seconds=granularity / 2))])
                at += timedelta(seconds=granularity)
        return rows

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


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.fakecloud.openstack --port 8766 --servers 10000``: serve one fake OpenStack cloud
    (benchmarks/sync_scale.py runs it in its own process)."""
    import argparse
    import signal

    from .server import FakeCloudServer

    parser = argparse.ArgumentParser(prog="python -m tests.fakecloud.openstack", description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--servers", type=int, default=3, help="servers (each with a disk) to generate")
    parser.add_argument("--gnocchi", default="", choices=("", "cpu", "cpu_util"), help="serve Gnocchi CPU")
    args = parser.parse_args(argv)
    fake = FakeOpenStack(servers=args.servers, seed=args.seed, load_balancers=0, gnocchi=args.gnocchi)
    server = FakeCloudServer(fake, host=args.host, port=args.port)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    print(f"fake openstack on {server.url}: Keystone {server.url}{fake.prefix}/identity/v3 user={fake.username} "
          f"password={fake.password} project={fake.project_id}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
