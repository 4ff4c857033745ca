"""Fake Yandex Cloud: IAM tokens, Resource Manager, Compute, VPC, Billing and Monitoring over REST.

Paths are Yandex's own REST paths, each under its service prefix (``/iam/v1/``, ``/resource-manager/v1/``,
``/compute/v1/``, ``/vpc/v1/``, ``/billing/v1/``, ``/monitoring/v2/``): the plugin maps a custom base URL
to ``{base}{path}``, so this one server stands in for every Yandex host. Shapes follow
shared/providers/yandex (FACTS.md, protos, samples): proto3 JSON (lowerCamelCase, int64 as strings,
empty lists and false booleans omitted), ``pageSize``/``pageToken``/``nextPageToken`` paging,
``google.rpc.Status`` error bodies. The demo folder ``dev`` renders int64 fields as JSON numbers, as the
docs' examples do, so clients meet both forms.

Authentication: ``POST /iam/v1/tokens`` with ``yandexPassportOauthToken`` (one of ``oauth_tokens``) or
``jwt``: a PS256 JWT verified with the public key registered for its ``kid`` (``keys``), with
``iss`` = the key's service account, ``aud`` = the documented IAM URL and at most one hour between
``iat`` and ``exp``. Every other call needs ``Authorization: Bearer <iamToken>`` it issued.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .server import Fault, Reply, Request

DEMO_OAUTH_TOKEN = "y0_fake-yandex-demo-oauth-token"
JWT_AUDIENCE = "https://iam.api.cloud.yandex.net/iam/v1/tokens"
PREFIXES = ("/iam/v1/", "/resource-manager/v1/", "/compute/v1/", "/vpc/v1/", "/billing/v1/", "/monitoring/v2/")
GIB = 1024**3


def yc_id(prefix: str, name: str) -> str:
    """A 20-character Yandex-style id, stable for a name."""
    return (prefix + hashlib.sha1(name.encode()).hexdigest())[:20]


ORGANIZATION_ID = yc_id("bpf", "organization")
CLOUD_ID = yc_id("b1g", "cloud:infrazen-demo")
PROD_FOLDER_ID = yc_id("b1g", "folder:prod")
DEV_FOLDER_ID = yc_id("b1g", "folder:dev")
BILLING_ACCOUNT_ID = yc_id("dn2", "billing:demo")


@dataclass
class ServiceAccountKey:
    key_id: str
    service_account_id: str
    public_key_pem: str


def generate_authorized_key(*, key_id: str = "ajeke74kbp5bfq7m6ka2", service_account_id: str = "ajepg0mjt06siua65usm",
                            created_at: str = "2025-10-01T10:04:56Z") -> tuple[dict[str, str], ServiceAccountKey]:
    """A fresh RSA-2048 key pair as the ``yc iam key create`` file, and the public half for the fake."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    key_file = {
        "id": key_id, "service_account_id": service_account_id, "created_at": created_at,
        "key_algorithm": "RSA_2048", "public_key": public_pem,
        # Newer yc versions prefix the PEM with this line; clients must cope.
        "private_key": f"PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <{key_id}>\n{private_pem}",
    }
    return key_file, ServiceAccountKey(key_id, service_account_id, public_pem)


def _status(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "details": [
        {"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": "fake-" + secrets.token_hex(8)}]}


UNAUTHENTICATED = (401, 16)
PERMISSION_DENIED = (403, 7)
INVALID_ARGUMENT = (400, 3)
NOT_FOUND = (404, 5)


def _error(kind: tuple[int, int], message: str) -> Reply:
    return Reply(kind[0], _status(kind[1], message))


def _int64(value: int, *, as_number: bool) -> int | str:
    return value if as_number else str(value)


def _stamp(day: int, hour: int = 9) -> str:
    return f"2025-0{1 + day % 9}-{10 + day % 18:02d}T{hour:02d}:15:00Z"


@dataclass
class _Folder:
    id: str
    name: str
    numbers: bool  # int64 rendered as JSON numbers (docs examples) instead of strings (real REST)


class FakeYandex:
    """Speaks Yandex Cloud REST. ``extra_instances`` adds N VMs (with boot disks), deterministic from ``seed``."""

    cloud_id = CLOUD_ID  # the cloud monitoring names as "project"

    def __init__(self, *, seed: int = 1, extra_instances: int = 0, oauth_tokens: tuple[str, ...] = (DEMO_OAUTH_TOKEN,),
                 keys: tuple[ServiceAccountKey, ...] = (), token_ttl: float = 12 * 3600,
                 clock: Callable[[], float] = time.time):
        self.seed = seed
        self.oauth_tokens = set(oauth_tokens)
        self.keys = {k.key_id: k for k in keys}
        self.token_ttl = token_ttl
        self.clock = clock
        self.tokens: dict[str, float] = {}  # IAM token -> expiry (unix seconds)
        self.exchanges: list[str] = []  # "oauth" | "jwt", one per issued token
        self.folders = [_Folder(PROD_FOLDER_ID, "prod", numbers=False), _Folder(DEV_FOLDER_ID, "dev", numbers=True)]
        self.clouds = [{"id": CLOUD_ID, "createdAt": "2024-11-05T08:00:00Z", "name": "infrazen-demo",
                        "organizationId": ORGANIZATION_ID, "labels": {"env": "demo"}}]
        self.billing_accounts = [{
            "id": BILLING_ACCOUNT_ID, "name": "InfraZen demo", "createdAt": "2024-11-05T08:00:00Z",
            "countryCode": "RU", "currency": "RUB", "active": True, "balance": "15234.56",
        }]
        self.instances: dict[str, list[dict[str, Any]]] = {f.id: [] for f in self.folders}
        self.disks: dict[str, list[dict[str, Any]]] = {f.id: [] for f in self.folders}
        self.snapshots: dict[str, list[dict[str, Any]]] = {f.id: [] for f in self.folders}
        self.addresses: dict[str, list[dict[str, Any]]] = {f.id: [] for f in self.folders}
        self._build(extra_instances)

    # --- data -----------------------------------------------------------------------------------
    def _vm(self, folder: _Folder, name: str, *, platform: str, cores: int, fraction: int, memory_gib: int,
            zone: str, status: str = "RUNNING", disk_gib: int = 20, disk_type: str = "network-ssd",
            public_ip: str = "", preemptible: bool = False, day: int = 0, extra_disk_gib: int = 0) -> dict[str, Any]:
        n = folder.numbers
        vm_id = yc_id("fhm" if zone.endswith("-a") else "epd" if zone.endswith("-b") else "fv4", f"vm:{name}")
        boot_id = yc_id("fhm" if zone.endswith("-a") else "epd" if zone.endswith("-b") else "fv4", f"disk:{name}")
        private_ip = f"10.128.{len(self.instances[folder.id]) // 250}.{len(self.instances[folder.id]) % 250 + 3}"
        primary: dict[str, Any] = {"address": private_ip}
        if public_ip:
            primary["oneToOneNat"] = {"address": public_ip, "ipVersion": "IPV4"}
        vm: dict[str, Any] = {
            "id": vm_id, "folderId": folder.id, "createdAt": _stamp(day), "name": name,
            "labels": {"env": folder.name, "app": name.split("-")[0]}, "zoneId": zone, "platformId": platform,
            "resources": {"memory": _int64(memory_gib * GIB, as_number=n), "cores": _int64(cores, as_number=n),
                          "coreFraction": _int64(fraction, as_number=n)},
            "status": status,
            "bootDisk": {"mode": "READ_WRITE", "deviceName": boot_id, "autoDelete": True, "diskId": boot_id},
            "networkInterfaces": [{"index": "0", "macAddress": f"d0:0d:{hashlib.md5(name.encode()).hexdigest()[:8]}",
                                   "subnetId": yc_id("e9b", f"subnet:{zone}"), "primaryV4Address": primary}],
            "fqdn": f"{name}.ru-central1.internal",
            "schedulingPolicy": {"preemptible": True} if preemptible else {},
            "networkSettings": {"type": "STANDARD"},
            "placementPolicy": {},
            "hardwareGeneration": {"legacyFeatures": {"pciTopology": "PCI_TOPOLOGY_V2"}},
        }
        self.disks[folder.id].append({
            "id": boot_id, "folderId": folder.id, "createdAt": _stamp(day), "name": f"{name}-boot",
            "typeId": disk_type, "zoneId": zone, "size": _int64(disk_gib * GIB, as_number=n),
            "blockSize": _int64(4096, as_number=n), "productIds": ["f2e0fhm1cvhq2ppf7eqa"], "status": "READY",
            "sourceImageId": "fd8ba9d5mfvlncknt2kd", "instanceIds": [vm_id],
        })
        if extra_disk_gib:
            data_id = yc_id(boot_id[:3], f"disk:{name}:data")
            vm["secondaryDisks"] = [{"mode": "READ_WRITE", "deviceName": "data", "diskId": data_id}]
            self.disks[folder.id].append({
                "id": data_id, "folderId": folder.id, "createdAt": _stamp(day), "name": f"{name}-data",
                "typeId": "network-hdd", "zoneId": zone, "size": _int64(extra_disk_gib * GIB, as_number=n),
                "blockSize": _int64(4096, as_number=n), "status": "READY", "instanceIds": [vm_id],
            })
        self.instances[folder.id].append(vm)
        return vm

    def _build(self, extra: int) -> None:
        prod, dev = self.folders
        web = self._vm(prod, "web-1", platform="standard-v3", cores=2, fraction=100, memory_gib=4,
                       zone="ru-central1-a", public_ip="51.250.10.11", day=1)
        self._vm(prod, "worker-1", platform="standard-v3", cores=4, fraction=50, memory_gib=8, zone="ru-central1-b",
                 disk_gib=50, extra_disk_gib=200, day=2)
        self._vm(prod, "batch-1", platform="standard-v2", cores=2, fraction=20, memory_gib=2, zone="ru-central1-a",
                 disk_type="network-hdd", preemptible=True, day=3)
        self._vm(dev, "dev-box", platform="standard-v3", cores=2, fraction=20, memory_gib=2, zone="ru-central1-d",
                 status="STOPPED", disk_type="network-hdd", day=4)
        # A disk left behind by a deleted VM: attached to nothing (proto3 omits the empty instanceIds).
        self.disks[prod.id].append({
            "id": yc_id("fhm", "disk:old-data"), "folderId": prod.id, "createdAt": _stamp(5), "name": "old-data",
            "typeId": "network-hdd", "zoneId": "ru-central1-a", "size": str(100 * GIB), "blockSize": "4096",
            "status": "READY",
        })
        self.snapshots[prod.id].append({
            "id": yc_id("fd8", "snapshot:web-1"), "folderId": prod.id, "createdAt": _stamp(6), "name": "web-1-daily",
            "labels": {"schedule": "daily"}, "storageSize": str(7 * GIB), "diskSize": str(20 * GIB),
            "productIds": ["f2e0fhm1cvhq2ppf7eqa"], "status": "READY", "sourceDiskId": web["bootDisk"]["diskId"],
            "hardwareGeneration": {"legacyFeatures": {"pciTopology": "PCI_TOPOLOGY_V2"}},
        })
        self.addresses[prod.id] += [
            {"id": yc_id("e9b", "address:web-1"), "folderId": prod.id, "createdAt": _stamp(1), "name": "web-1-ip",
             "externalIpv4Address": {"address": "51.250.10.11", "zoneId": "ru-central1-a", "requirements": {}},
             "reserved": True, "used": True, "type": "EXTERNAL", "ipVersion": "IPV4"},
            # Reserved and idle: proto3 omits "used": false.
            {"id": yc_id("e9b", "address:spare"), "folderId": prod.id, "createdAt": _stamp(7), "name": "spare-ip",
             "externalIpv4Address": {"address": "51.250.10.99", "zoneId": "ru-central1-a", "requirements": {}},
             "reserved": True, "type": "EXTERNAL", "ipVersion": "IPV4"},
        ]
        rng = random.Random(self.seed)
        for n in range(extra):
            folder = self.folders[n % 2]
            cores = rng.choice([2, 4, 8])
            self._vm(folder, f"gen-{self.seed}-{n:06d}", platform=rng.choice(["standard-v2", "standard-v3"]),
                     cores=cores, fraction=rng.choice([20, 50, 100]), memory_gib=cores * rng.choice([1, 2, 4]),
                     zone=rng.choice(["ru-central1-a", "ru-central1-b", "ru-central1-d"]),
                     status=rng.choice(["RUNNING", "RUNNING", "STOPPED"]), disk_gib=rng.choice([10, 20, 40]),
                     day=n)

    def all_instances(self) -> list[dict[str, Any]]:
        return [vm for folder in self.folders for vm in self.instances[folder.id]]

    # --- protocol helpers -----------------------------------------------------------------------
    def _page(self, request: Request, items: list[dict[str, Any]], key: str) -> Reply:
        try:
            size = int(request.query.get("pageSize") or 100)
        except ValueError:
            return _error(INVALID_ARGUMENT, "Request validation error: page_size: invalid value")
        if not 0 <= size <= 1000:
            return _error(INVALID_ARGUMENT, "Request validation error: page_size: value must be <= 1000")
        size = size or 100
        offset = 0
        token = request.query.get("pageToken") or ""
        if token:
            try:
                offset = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("offset:"))
            except ValueError:
                return _error(INVALID_ARGUMENT, "Invalid page token")
        body: dict[str, Any] = {}
        if items[offset:offset + size]:
            body[key] = items[offset:offset + size]  # proto3 JSON omits empty repeated fields
        if offset + size < len(items):
            body["nextPageToken"] = base64.urlsafe_b64encode(f"offset:{offset + size}".encode()).decode()
        return Reply(200, body)

    def _issue(self, kind: str) -> Reply:
        token = "t1." + secrets.token_urlsafe(48)
        expires = self.clock() + self.token_ttl
        self.tokens[token] = expires
        self.exchanges.append(kind)
        stamp = datetime.fromtimestamp(expires, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return Reply(200, {"iamToken": token, "expiresAt": f"{stamp}.{int(expires * 1e9) % 10**9:09d}Z"})

    def iam_tokens(self, request: Request) -> Reply:
        if request.method != "POST":
            return _error(NOT_FOUND, "Not found")
        data = request.json if isinstance(request.json, dict) else {}
        if "yandexPassportOauthToken" in data:
            if data["yandexPassportOauthToken"] in self.oauth_tokens:
                return self._issue("oauth")
            return _error(UNAUTHENTICATED, "OAuth token is invalid or expired")
        if "jwt" in data:
            return self._exchange_jwt(str(data["jwt"]))
        return _error(INVALID_ARGUMENT, "Request validation error: identity: one of the fields must be set")

    def _exchange_jwt(self, token: str) -> Reply:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return _error(INVALID_ARGUMENT, "Invalid JWT")
        if header.get("alg") != "PS256":
            return _error(INVALID_ARGUMENT, "Invalid JWT: only PS256 is supported")
        key = self.keys.get(str(header.get("kid") or ""))
        if key is None:
            return _error(UNAUTHENTICATED, "Key not found")
        try:
            claims = jwt.decode(token, key.public_key_pem, algorithms=["PS256"], audience=JWT_AUDIENCE,
                                options={"require": ["iss", "aud", "iat", "exp"]}, leeway=0)
        except jwt.InvalidSignatureError:
            return _error(UNAUTHENTICATED, "Invalid JWT signature")
        except jwt.PyJWTError as exc:
            return _error(INVALID_ARGUMENT, f"Invalid JWT: {type(exc).__name__}")
        if claims.get("iss") != key.service_account_id:
            return _error(UNAUTHENTICATED, "JWT issuer does not own the key")
        if not 0 < int(claims["exp"]) - int(claims["iat"]) <= 3600:
            return _error(INVALID_ARGUMENT, "Invalid JWT: lifetime must not exceed one hour")
        return self._issue("jwt")

    def _authorized(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        expires = self.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        return expires is not None and expires > self.clock()

    def _folder(self, request: Request) -> _Folder | Reply:
        folder_id = request.query.get("folderId") or ""
        if not folder_id:
            return _error(INVALID_ARGUMENT, "Request validation error: folder_id: required")
        folder = next((f for f in self.folders if f.id == folder_id), None)
        return folder or _error(PERMISSION_DENIED, f"Permission denied to folder {folder_id}")

    # --- routes ---------------------------------------------------------------------------------
    def handle(self, request: Request, fault: Fault | None) -> Reply | None:
        if not request.path.startswith(PREFIXES):
            return None
        if request.path == "/iam/v1/tokens":
            return self.iam_tokens(request)
        if not self._authorized(request):
            return _error(UNAUTHENTICATED, "The token is invalid or has expired.")
        if fault is not None and fault.kind == "forbid":
            return _error(PERMISSION_DENIED, "Permission denied")
        path, query = request.path.rstrip("/"), request.query
        if path == "/resource-manager/v1/clouds":
            return self._page(request, self.clouds, "clouds")
        if path.startswith("/resource-manager/v1/clouds/"):
            cloud = next((c for c in self.clouds if c["id"] == path.rsplit("/", 1)[1]), None)
            return Reply(200, cloud) if cloud else _error(PERMISSION_DENIED, "Permission denied")
        if path == "/resource-manager/v1/folders":
            if query.get("cloudId") not in {c["id"] for c in self.clouds}:
                return _error(PERMISSION_DENIED, "Permission denied")
            return self._page(request, [self._folder_json(f) for f in self.folders], "folders")
        if path.startswith("/resource-manager/v1/folders/"):
            folder = next((f for f in self.folders if f.id == path.rsplit("/", 1)[1]), None)
            return Reply(200, self._folder_json(folder)) if folder else _error(PERMISSION_DENIED, "Permission denied")
        per_folder = {
            "/compute/v1/instances": (self.instances, "instances"),
            "/compute/v1/disks": (self.disks, "disks"),
            "/compute/v1/snapshots": (self.snapshots, "snapshots"),
            "/vpc/v1/addresses": (self.addresses, "addresses"),
        }
        if path in per_folder and request.method == "GET":
            folder = self._folder(request)
            if isinstance(folder, Reply):
                return folder
            store, key = per_folder[path]
            return self._page(request, store[folder.id], key)
        if path == "/billing/v1/billingAccounts":
            return self._page(request, self.billing_accounts, "billingAccounts")
        if path.startswith("/billing/v1/billingAccounts/"):
            account = next((a for a in self.billing_accounts if a["id"] == path.rsplit("/", 1)[1]), None)
            return Reply(200, account) if account else _error(NOT_FOUND, "Billing account not found")
        if path == "/monitoring/v2/data/read" and request.method == "POST":
            return self._monitoring_read(request)
        return _error(NOT_FOUND, "Not found")

    def _folder_json(self, folder: _Folder) -> dict[str, Any]:
        return {"id": folder.id, "cloudId": CLOUD_ID, "createdAt": "2024-11-05T08:05:00Z", "name": folder.name,
                "description": f"{folder.name} environment", "status": "ACTIVE"}

    def _monitoring_read(self, request: Request) -> Reply:
        folder = self._folder(request)
        if isinstance(folder, Reply):
            return folder
        body = request.json if isinstance(request.json, dict) else {}
        match = re.fullmatch(r'\s*([\w.]+)\s*\{(.*)\}\s*', str(body.get("query") or ""))
        if match is None:
            return _error(INVALID_ARGUMENT, "Invalid query")
        name, selectors = match.group(1), dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', match.group(2)))
        try:
            start = datetime.fromisoformat(str(body["fromTime"]).replace("Z", "+00:00"))
            end = datetime.fromisoformat(str(body["toTime"]).replace("Z", "+00:00"))
        except (KeyError, ValueError):
            return _error(INVALID_ARGUMENT, "fromTime and toTime are required")
        downsampling = body.get("downsampling") or {}
        step = int(downsampling.get("gridInterval") or 0) or max(
            int((end - start).total_seconds() * 1000) // max(int(downsampling.get("maxPoints") or 100), 10), 1000)
        resource_id = selectors.get("resource_id", "")
        if name != "cpu_usage" or selectors.get("service") != "compute":
            return Reply(200, {"metrics": []})
        first, last = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
        stamps = list(range(first, last, step))[:10_000]
        values = self._cpu_values(folder, resource_id, stamps)
        if values is None:
            return Reply(200, {"metrics": []})
        return Reply(200, {"metrics": [{
            "type": "DGAUGE", "name": name,
            "labels": {"resource_type": "vm", "cluster": folder.id, "project": self.cloud_id,
                       "resource_id": resource_id, "service": "compute"},
            "timeseries": {"timestamps": stamps, "doubleValues": values},
        }]})

    def _cpu_values(self, folder: _Folder, resource_id: str, stamps: list[int]) -> list[float] | None:
        """CPU % of a folder's VM at each timestamp (ms), or None when the folder has no such VM."""
        vm = next((v for v in self.instances[folder.id] if v["id"] == resource_id), None)
        if vm is None:
            return None
        return [round(random.Random(f"{self.seed}:{vm['id']}:{ms}").uniform(2, 60), 4) for ms in stamps]
