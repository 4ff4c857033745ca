"""Fake VK Cloud: VK's Keystone (user domain ``users``, region ``RegionOne``) and its OpenStack services, over
the fake OpenStack (``openstack.py``), plus Trove, Magnum, Cinder snapshots and Glance images.

VK serves each service on its own host and port (docs/providers/vkcloud.md, "API endpoints"); the fake serves
them under ``/vkcloud`` and its catalog lists them as VK's does, by service type:

  https://infra.mail.ru:35357/v3/auth/tokens              -> E/vkcloud/identity/v3/auth/tokens
  compute          https://infra.mail.ru:8774/v2.1        -> E/vkcloud/RegionOne/compute/v2.1
  volumev3         https://public.infra.mail.ru:8776/v3/<project> -> E/vkcloud/RegionOne/volume/v3/<project>
  network          https://infra.mail.ru:9696             -> E/vkcloud/RegionOne/network
  image            https://infra.mail.ru:9292             -> E/vkcloud/RegionOne/image
  load-balancer    https://public.infra.mail.ru:9876      -> E/vkcloud/RegionOne/load-balancer
  database         https://infra.mail.ru:8779/v1.0/<project> -> E/vkcloud/RegionOne/database/v1.0/<project>
  container-infra  https://infra.mail.ru:9511/v1          -> E/vkcloud/RegionOne/container-infra/v1

Shapes: the OpenStack api-ref (Trove "List database instances", Magnum "List all clusters", Cinder "List
snapshots with details", Glance "List images"). Deterministic from ``seed``.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from typing import Any
from urllib.parse import urlencode

from .openstack import USER_ID, FakeOpenStack, fake_uuid
from .server import Fault, Reply, Request

PREFIX = "/vkcloud"
KEYSTONE_PATH = "/vkcloud/identity/v3"  # the connection's endpoint is the fake's URL + this (OS_AUTH_URL)
DEMO_USERNAME = "finops@severny-veter.example"
DEMO_USER_PASSWORD = "vkcloud-demo-password"
DEMO_USER_DOMAIN = "users"
DEMO_PROJECT_ID = "b5b6a3a1c9e44f7c8a3a8b3f4f1c2d7e"
DEMO_PROJECT_NAME = "mcs1234567890"
OTHER_PROJECT_ID = "0f0e0d0c0b0a49988776655443322110"
REGIONS = ("RegionOne",)

# VK's standard flavors (name = family-vCPU-RAM GB).
VK_FLAVORS = [
    {"id": "25ae869c-be29-4840-8e12-99e046d2dbd4", "name": "STD2-1-2", "vcpus": 1, "ram": 2048, "disk": 0},
    {"id": "df3c499a-044f-41d2-8612-d303adc613cc", "name": "STD2-2-4", "vcpus": 2, "ram": 4096, "disk": 0},
    {"id": "a3b5ac9a-7f07-4f3c-9f2b-59d1e3a1d7e6", "name": "STD3-4-8", "vcpus": 4, "ram": 8192, "disk": 0},
]
VOLUME_TYPES = {"universal": "ceph-ssd", "fast": "high-iops"}
ROOT_PAGE = 1000


class FakeVKCloud(FakeOpenStack):
    prefix = PREFIX
    identity_path = "/identity/v3/auth/tokens"

    def __init__(self, *, servers: int = 3, seed: int = 1, username: str = DEMO_USERNAME,
                 password: str = DEMO_USER_PASSWORD, project_id: str = DEMO_PROJECT_ID, floating_ips: int = 2,
                 databases: int = 1, clusters: int = 1, snapshots: int = 1, images: int = 1,
                 stopped: Collection[int] = ()):
        super().__init__(servers=servers, seed=seed, regions=REGIONS, username=username, password=password,
                         user_domain=DEMO_USER_DOMAIN, project_id=project_id, project_name=DEMO_PROJECT_NAME,
                         floating_ips=floating_ips, nova_microversion_default="2.1", stopped=stopped)
        rng = random.Random(f"vkcloud-{seed}")
        for n, server in enumerate(self.servers):
            server["flavor"] = VK_FLAVORS[n % len(VK_FLAVORS)]
            server["zone"] = "MS1" if n % 2 == 0 else "GZ1"
        for volume in self.volumes:
            volume["type"] = VOLUME_TYPES.get(volume["type"], volume["type"]) if volume["server_id"] else "ceph-hdd"
            volume["zone"] = "MS1"
        self.snapshots = [{"id": fake_uuid(rng), "name": f"snap-{n}", "volume_id": self.volumes[n % len(self.volumes)]
                           ["id"], "size": 10 * (n + 1), "status": "available"} for n in range(snapshots)]
        self.images = [{"id": fake_uuid(rng), "name": f"golden-{n}", "owner": self.project_id,
                        "size": (n + 2) * 1024 ** 3, "visibility": "private"} for n in range(images)]
        # A public image of the platform, which is not a resource of the project.
        self.images.append({"id": fake_uuid(rng), "name": "Ubuntu-22.04-202312", "owner": OTHER_PROJECT_ID,
                            "size": 2361393152, "visibility": "public"})
        self.databases = [{"id": fake_uuid(rng), "name": f"pg-{n}", "flavor": VK_FLAVORS[1], "size": 20,
                           "volume_type": "ceph-ssd", "datastore": ("postgresql", "14"), "status": "ACTIVE"}
                          for n in range(databases)]
        self.clusters = [{"uuid": fake_uuid(rng), "name": f"k8s-{n}", "status": "CREATE_COMPLETE",
                          "master_count": 1, "node_count": 2} for n in range(clusters)]

    # --- catalog ----------------------------------------------------------------------------------
    def catalog(self, base: str) -> list[dict[str, Any]]:
        """The fake OpenStack's services (Nova, Cinder, Neutron, Glance, Octavia, Gnocchi when on) and VK's Trove
        and Magnum."""
        return [
            *super().catalog(base),
            self.service(base, "database", "trove", f"/database/v1.0/{self.project_id}"),
            self.service(base, "container-infra", "magnum", "/container-infra/v1"),
        ]

    # --- services -----------------------------------------------------------------------------------
    def openstack(self, request: Request, region: str, path: str, base: str, fault: Fault | None) -> Reply:
        if request.headers.get("x-auth-token") not in self.keystone_tokens:
            return super().openstack(request, region, path, base, fault)  # its 401
        if fault is not None and fault.kind == "forbid":
            return super().openstack(request, region, path, base, fault)  # its 403
        limit = int(request.query.get("limit") or ROOT_PAGE)
        marker = request.query.get("marker") or ""
        url = f"{base}{self.prefix}/{region}{path}"
        if path == "/compute/v2.1/flavors/detail":
            items = [{"id": f["id"], "name": f["name"], "vcpus": f["vcpus"], "ram": f["ram"], "disk": f["disk"],
                      "swap": "", "OS-FLV-EXT-DATA:ephemeral": 0, "os-flavor-access:is_public": True,
                      "rxtx_factor": 1.0, "OS-FLV-DISABLED:disabled": False, "links": []} for f in VK_FLAVORS]
            return self._page(items, "flavors", limit, marker, url)
        if path == f"/volume/v3/{self.project_id}/snapshots/detail":
            return self._page([self._snapshot(s) for s in self.snapshots], "snapshots", limit, marker, url)
        if path == "/image/v2/images":
            return self._glance(request, limit, marker)
        if path == f"/database/v1.0/{self.project_id}/instances":
            return self._trove(limit, marker, url, base)
        if path == "/container-infra/v1/clusters":
            return self._magnum(limit, marker, url, base)
        return super().openstack(request, region, path, base, fault)

    def _volume(self, volume: dict[str, Any]) -> dict[str, Any]:
        body = super()._volume(volume)
        body["volume_type"] = volume["type"]  # VK's types carry no zone suffix: ceph-ssd, ceph-hdd, high-iops
        return body

    def _snapshot(self, snapshot: dict[str, Any]) -> dict[str, Any]:
        return {"id": snapshot["id"], "name": snapshot["name"], "status": snapshot["status"],
                "size": snapshot["size"], "volume_id": snapshot["volume_id"], "metadata": {},
                "description": None, "created_at": "2025-10-01T09:00:00.000000", "updated_at": None,
                "os-extended-snapshot-attributes:progress": "100%",
                "os-extended-snapshot-attributes:project_id": self.project_id, "user_id": USER_ID,
                "group_snapshot_id": None, "consumes_quota": True}

    def _glance(self, request: Request, limit: int, marker: str) -> Reply:
        owner = request.query.get("owner") or ""
        items = [image for image in self.images if not owner or image["owner"] == owner]
        ids = [image["id"] for image in items]
        if marker and marker not in ids:
            return Reply(404, {"message": f"marker {marker} could not be found", "code": "404 Not Found"})
        start = ids.index(marker) + 1 if marker else 0
        page = items[start:start + limit]
        body: dict[str, Any] = {"images": [{
            "id": image["id"], "name": image["name"], "status": "active", "visibility": image["visibility"],
            "owner": image["owner"], "size": image["size"], "virtual_size": None, "disk_format": "raw",
            "container_format": "bare", "checksum": None, "min_disk": 0, "min_ram": 0, "protected": False,
            "tags": [], "os_hidden": False, "created_at": "2025-10-01T09:00:00Z", "updated_at": "2025-10-01T09:05:00Z",
            "self": f"/v2/images/{image['id']}", "file": f"/v2/images/{image['id']}/file",
            "schema": "/v2/schemas/image",
        } for image in page], "schema": "/v2/schemas/images", "first": "/v2/images"}
        if start + limit < len(items):
            query = {"limit": limit, "marker": page[-1]["id"], **({"owner": owner} if owner else {})}
            body["next"] = f"/v2/images?{urlencode(query)}"  # Glance gives the path, not the URL
        return Reply(200, body)

    def _trove(self, limit: int, marker: str, url: str, base: str) -> Reply:
        items = []
        for db in self.databases:
            kind, version = db["datastore"]
            items.append({
                "id": db["id"], "name": db["name"], "status": db["status"], "operating_status": "HEALTHY",
                "region": self.regions[0], "datastore": {"type": kind, "version": version},
                "flavor": {"id": db["flavor"]["id"], "links": [
                    {"href": f"{base}/flavors/{db['flavor']['id']}", "rel": "self"}]},
                "volume": {"size": db["size"], "type": db["volume_type"]}, "ip": ["10.0.1.15"],
                "addresses": [{"address": "10.0.1.15", "type": "private", "network": "ext-net"}],
                "access": {"is_public": False, "allowed_cidrs": []},
                "links": [{"href": f"{url}/{db['id']}", "rel": "self"}],
                "created": "2025-10-02T08:00:00", "updated": "2025-10-02T08:10:00",
            })
        ids = [item["id"] for item in items]
        start = ids.index(marker) + 1 if marker in ids else 0
        page = items[start:start + limit]
        body: dict[str, Any] = {"instances": page}
        if start + limit < len(items):
            body["links"] = [{"rel": "next", "href": f"{url}?{urlencode({'limit': limit, 'marker': page[-1]['id']})}"}]
        return Reply(200, body)

    def _magnum(self, limit: int, marker: str, url: str, base: str) -> Reply:
        items = [{
            "uuid": c["uuid"], "name": c["name"], "status": c["status"], "health_status": "HEALTHY",
            "cluster_template_id": "0562d357-8641-4759-8fed-8173f02c9633", "stack_id": c["uuid"][::-1],
            "keypair": "k8s-key", "master_count": c["master_count"], "node_count": c["node_count"],
            "create_timeout": 60, "links": [{"href": f"{url}/{c['uuid']}", "rel": "self"}],
        } for c in self.clusters]
        ids = [item["uuid"] for item in items]
        start = ids.index(marker) + 1 if marker in ids else 0
        page = items[start:start + limit]
        body: dict[str, Any] = {"clusters": page}
        if start + limit < len(items):
            body["next"] = f"{url}?{urlencode({'limit': limit, 'marker': page[-1]['uuid']})}"
        return Reply(200, body)
