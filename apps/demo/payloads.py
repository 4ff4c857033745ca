"""The demo estate as the providers' own APIs would answer it: one source for the seed and the fake cloud.

``seed_demo`` normalizes these payloads with the providers' real normalizers (what a sync does with the
answers it fetches), and the fake cloud in demo mode (``python -m tests.fakecloud --demo``) serves the very
same payloads over HTTP. A sync of a demo connection therefore reads back exactly what the seed wrote:
same resources, specs, prices, account card and (for Selectel) the same daily costs.

Shapes are the documented ones (shared/providers/<key>): Yandex Cloud proto3 JSON (int64 as strings),
OpenStack Nova/Cinder for Selectel's cloud servers and volumes, Selectel's billing statistics in kopecks.
Pure functions: no database, no HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from .estate import (
    RESOURCES,
    SEL_ACCOUNT,
    SEL_PROJECT,
    SELECTEL,
    YANDEX,
    YC_BILLING_ACCOUNT,
    YC_CLOUD,
    YC_FOLDER,
    DemoResource,
    _uuid,
    _yc_id,
    demo_cost_rows,
    demo_metric_value,
    demo_specs,
)

GIB = 1024**3
YC_ORGANIZATION = _yc_id("bpf", "organization")
YC_BALANCE = "48210.40"
SEL_PROJECT_NAME = "My First Project"
SEL_BALANCE_KOPECKS = 8_420_000  # 84 200,00 ₽ on the main balance
# The demo's Selectel service user (OpenStack: servers and volumes); the fake cloud accepts it.
SEL_USERNAME = "infrazen-demo-sync"
SEL_USER_PASSWORD = "selectel-demo-service-user-password"
# Resources Selectel's OpenStack lists; their daily costs come from the billing statistics.
SELECTEL_OPENSTACK_TYPES = ("server", "volume")
SEL_FLAVOR_IDS = {"SL1.8-65536": "3031", "SL1.8-32768": "3021", "SL1.8-16384": "3018", "SL1.4-8192": "3011"}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _created(spec: DemoResource, today: date) -> datetime:
    return datetime.combine(today - timedelta(days=spec.created_days_ago), time(9, 0), tzinfo=UTC)


def _specs(provider: str, resource_type: str) -> list[DemoResource]:
    return [spec for spec in RESOURCES if spec.provider == provider and spec.resource_type == resource_type]


# --- Yandex Cloud -------------------------------------------------------------------------------------
def yandex_boot_disk_id(spec: DemoResource) -> str:
    return _yc_id(spec.resource_id[:3], f"{spec.name}-boot")


def yandex_payloads(*, today: date) -> dict[str, Any]:
    """Resource Manager, Compute and Billing answers for the demo cloud (one cloud, one folder ``prod``)."""
    folder_created = datetime.combine(today - timedelta(days=420), time(8, 0), tzinfo=UTC)
    clouds = [{"id": YC_CLOUD, "createdAt": _stamp(folder_created), "name": "infrazen-demo",
               "organizationId": YC_ORGANIZATION}]
    folders = [{"id": YC_FOLDER, "cloudId": YC_CLOUD, "createdAt": _stamp(folder_created), "name": "prod",
                "description": "Продуктивное окружение", "status": "ACTIVE"}]
    instances, disks = [], []
    for n, spec in enumerate(_specs(YANDEX, "vm")):
        s = spec.specs
        boot_id = yandex_boot_disk_id(spec)
        instances.append({
            "id": spec.resource_id, "folderId": YC_FOLDER, "createdAt": _stamp(_created(spec, today)),
            "name": spec.name, "labels": dict(spec.tags), "zoneId": s["zone"], "platformId": s["platform"],
            "resources": {"memory": str(int(Decimal(s["memory_gb"]) * GIB)), "cores": str(s["cpu_cores"]),
                          "coreFraction": str(s["core_fraction"])},
            "status": "RUNNING",
            "bootDisk": {"mode": "READ_WRITE", "deviceName": boot_id, "autoDelete": True, "diskId": boot_id},
            "networkInterfaces": [{"index": "0", "macAddress": f"d0:0d:1a:2b:3c:{n:02x}",
                                   "subnetId": _yc_id("e9b", f"subnet-{s['zone']}"),
                                   "primaryV4Address": {"address": f"10.128.0.{n + 10}", "oneToOneNat": {
                                       "address": s["ip_addresses"][0], "ipVersion": "IPV4"}}}],
            "fqdn": f"{spec.name}.ru-central1.internal",
            "networkSettings": {"type": "STANDARD"},
        })
        disks.append({
            "id": boot_id, "folderId": YC_FOLDER, "createdAt": _stamp(_created(spec, today)),
            "name": f"{spec.name}-boot", "labels": dict(spec.tags), "typeId": "network-ssd", "zoneId": s["zone"],
            "size": str(int(s["disk_gb"]) * GIB), "blockSize": "4096", "productIds": ["f2e0fhm1cvhq2ppf7eqa"],
            "status": "READY", "sourceImageId": "fd8ba9d5mfvlncknt2kd", "instanceIds": [spec.resource_id],
        })
    by_name = {spec.name: spec for spec in RESOURCES}
    for spec in _specs(YANDEX, "disk"):
        s = spec.specs
        owner = by_name.get(s.get("attached_to", ""))
        disk = {"id": spec.resource_id, "folderId": YC_FOLDER, "createdAt": _stamp(_created(spec, today)),
                "name": spec.name, "labels": dict(spec.tags), "typeId": s["disk_type"], "zoneId": s["zone"],
                "size": str(int(s["disk_gb"]) * GIB), "blockSize": "4096", "status": "READY"}
        if owner is not None:
            disk["instanceIds"] = [owner.resource_id]
            vm = next(i for i in instances if i["id"] == owner.resource_id)
            vm["secondaryDisks"] = [{"mode": "READ_WRITE", "deviceName": "data", "diskId": spec.resource_id}]
        disks.append(disk)
    addresses = []
    for spec in _specs(YANDEX, "ip_address"):
        s = spec.specs
        # Reserved and attached to nothing (``used`` false): billed every hour all the same.
        addresses.append({"id": spec.resource_id, "folderId": YC_FOLDER, "createdAt": _stamp(_created(spec, today)),
                          "name": spec.name, "labels": dict(spec.tags),
                          "externalIpv4Address": {"address": s["address"], "zoneId": s["zone"], "requirements": {}},
                          "reserved": True, "used": False, "type": "EXTERNAL", "ipVersion": "IPV4"})
    billing_accounts = [{"id": YC_BILLING_ACCOUNT, "name": "infrazen-demo", "createdAt": _stamp(folder_created),
                         "countryCode": "RU", "currency": "RUB", "active": True, "balance": YC_BALANCE}]
    return {"clouds": clouds, "folders": folders, "instances": instances, "disks": disks, "snapshots": [],
            "addresses": addresses, "billing_accounts": billing_accounts}


def yandex_cpu_percent(resource_id: str, moment: datetime) -> Decimal | None:
    """Monitoring's ``cpu_usage`` of a demo VM at an hour (the seed stores the same value)."""
    spec = next((s for s in RESOURCES if s.provider == YANDEX and s.resource_id == resource_id), None)
    if spec is None or spec.cpu is None:
        return None
    return demo_metric_value(spec, "cpu_percent", moment)


# --- Selectel -----------------------------------------------------------------------------------------
def selectel_region(spec: DemoResource) -> str:
    return spec.region


def selectel_flavors() -> list[dict[str, Any]]:
    """The flavors of the demo's servers, now and before a resize."""
    flavors = {}
    sizes = [s for spec in _specs(SELECTEL, "server") for s in (spec.specs, demo_specs(spec, before=True))]
    for s in sizes:
        flavors[s["flavor"]] = {
            "id": SEL_FLAVOR_IDS[s["flavor"]], "name": s["flavor"], "vcpus": s["cpu_cores"],
            "ram": int(Decimal(s["memory_gb"]) * 1024), "disk": int(s["disk_gb"]), "swap": 0,
            "OS-FLV-EXT-DATA:ephemeral": 0, "os-flavor-access:is_public": True, "description": s["flavor_name"],
            "extra_specs": {}, "links": []}
    return list(flavors.values())


def selectel_servers(*, today: date, before_resize: bool = False) -> list[dict[str, Any]]:
    """Nova ``/servers/detail`` items (microversion 2.1: the flavor by id), each with its region;
    ``before_resize``: a resized server with its old flavor (what a sync listed before the resize)."""
    volumes = {s.specs.get("attached_to"): s for s in _specs(SELECTEL, "volume")}
    servers = []
    for spec in _specs(SELECTEL, "server"):
        s = demo_specs(spec, before=before_resize)
        created = _stamp(_created(spec, today))
        volume = volumes.get(spec.name)
        servers.append({
            "region": selectel_region(spec),
            "OS-DCF:diskConfig": "MANUAL", "OS-EXT-AZ:availability_zone": s["zone"],
            "OS-EXT-STS:power_state": 1, "OS-EXT-STS:task_state": None, "OS-EXT-STS:vm_state": "active",
            "OS-SRV-USG:launched_at": created, "OS-SRV-USG:terminated_at": None, "accessIPv4": "", "accessIPv6": "",
            "addresses": {"external": [{"OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:4c:11:0" + spec.name[0],
                                        "OS-EXT-IPS:type": "fixed", "addr": s["ip_addresses"][0], "version": 4}]},
            "config_drive": "", "created": created, "description": None,
            "flavor": {"id": SEL_FLAVOR_IDS[s["flavor"]], "links": []},
            "hostId": _uuid(f"host-{spec.name}").replace("-", ""), "id": spec.resource_id, "image": "",
            "key_name": None, "links": [], "locked": False, "metadata": dict(spec.tags), "name": spec.name,
            "os-extended-volumes:volumes_attached": [{"id": volume.resource_id, "delete_on_termination": False}]
            if volume else [],
            "progress": 0, "security_groups": [{"name": "default"}], "status": "ACTIVE", "tags": [],
            "tenant_id": SEL_PROJECT, "updated": created, "user_id": _uuid("selectel-demo-user").replace("-", ""),
        })
    return servers


def selectel_volumes(*, today: date) -> list[dict[str, Any]]:
    """Cinder ``/volumes/detail`` items, each with its region."""
    by_name = {spec.name: spec for spec in RESOURCES}
    volumes = []
    for spec in _specs(SELECTEL, "volume"):
        s = spec.specs
        owner = by_name.get(s.get("attached_to", ""))
        volumes.append({
            "region": selectel_region(spec),
            "attachments": [{"server_id": owner.resource_id, "attachment_id": _uuid(f"attach-{spec.name}"),
                             "volume_id": spec.resource_id, "device": "/dev/sdb", "id": spec.resource_id}]
            if owner else [],
            "availability_zone": s["zone"], "bootable": "false", "consistencygroup_id": None,
            "created_at": _created(spec, today).strftime("%Y-%m-%dT%H:%M:%S.000000"), "description": None,
            "encrypted": False, "id": spec.resource_id, "links": [], "metadata": dict(spec.tags),
            "migration_status": None, "multiattach": False, "name": spec.name,
            "os-vol-tenant-attr:tenant_id": SEL_PROJECT, "replication_status": None, "size": int(s["disk_gb"]),
            "snapshot_id": None, "source_volid": None, "status": "in-use" if owner else "available",
            "updated_at": None, "volume_type": s["volume_type"],
        })
    return volumes


def _kopecks(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(ROUND_HALF_UP))


@lru_cache(maxsize=4)
def _selectel_rows_by_day(today: date) -> dict[date, tuple[dict[str, Any], ...]]:
    """The estate's Selectel ledger rows of resources OpenStack lists, as consumption statistics rows."""
    specs = {spec.key: spec for spec in RESOURCES if spec.provider == SELECTEL
             and spec.resource_type in SELECTEL_OPENSTACK_TYPES}
    by_name = {spec.name: spec for spec in RESOURCES}
    out: dict[date, list[dict[str, Any]]] = {}
    for row in demo_cost_rows(today=today):
        spec = specs.get(row.line.resource)
        if spec is None or row.resource_override:
            continue
        parent = by_name.get(spec.specs.get("attached_to", ""))
        server = spec.resource_type == "server"
        object_type = "cloud_vm" if server else f"volume_gigabytes_{spec.specs['volume_type'].split('.')[0]}"
        start = row.day.strftime("%Y-%m-%dT00:00:00")
        out.setdefault(row.day, []).append({
            "account_id": SEL_ACCOUNT, "balance": None,
            "metric": {"id": row.line.sku, "locale": "ru", "name": row.line.description,
                       "quantity": str(row.quantity), "region": spec.specs["zone"], "unit": row.line.unit},
            "object": {"id": spec.resource_id, "name": spec.name, "parent_id": parent.resource_id if parent else "",
                       "parent_name": parent.name if parent else "", "type": object_type,
                       "type_name": "Облачный сервер" if server else "Сетевой диск"},
            "period": start, "project": {"id": SEL_PROJECT, "name": SEL_PROJECT_NAME}, "provider_key": "vpc",
            "provision_end": row.day.strftime("%Y-%m-%dT23:59:59"), "provision_start": start,
            "value": _kopecks(row.amount),
        })
    return {day: tuple(rows) for day, rows in out.items()}


def selectel_consumption(*, today: date, start: date, end: date) -> list[dict[str, Any]]:
    """``/v1/cloud_billing/statistic/consumption`` rows (daily) for ``start..end`` inclusive."""
    by_day = _selectel_rows_by_day(today)
    rows: list[dict[str, Any]] = []
    day = start
    while day <= end:
        rows.extend(dict(row) for row in by_day.get(day, ()))
        day += timedelta(days=1)
    return rows


def selectel_daily_kopecks(*, today: date, day: date) -> int:
    return sum(int(row["value"]) for row in _selectel_rows_by_day(today).get(day, ()))


def selectel_balances() -> dict[str, Any]:
    return {"status": "success", "data": {
        "currency": "rub", "is_postpay": False, "discount": 0,
        "billings": [{"billing_type": "primary", "final_sum": SEL_BALANCE_KOPECKS, "debt_sum": 0,
                      "balances_values_sum": SEL_BALANCE_KOPECKS,
                      "balances": [{"balance_type": "main", "value": SEL_BALANCE_KOPECKS},
                                   {"balance_type": "bonus", "value": 0}]}]}}


def selectel_prediction(*, today: date) -> dict[str, Any]:
    """Hours the balance lasts at the last whole day's consumption."""
    daily = selectel_daily_kopecks(today=today, day=today - timedelta(days=1))
    hours = SEL_BALANCE_KOPECKS * 24 // max(daily, 1)
    return {"status": "success", "data": {"primary": hours, "storage": None, "vmware": None, "vpc": hours}}


SEL_QUOTA_LIMITS = {"compute_cores": 40, "compute_ram": 196_608, "volume_gigabytes_universal": 2000}


def selectel_quotas() -> dict[str, Any]:
    """The quota-manager's ``/projects/{id}/quotas`` answer for the demo project."""
    used: dict[tuple[str, str], int] = {}
    for spec in _specs(SELECTEL, "server"):
        s = spec.specs
        used[("compute_cores", s["zone"])] = used.get(("compute_cores", s["zone"]), 0) + int(s["cpu_cores"])
        ram = int(Decimal(s["memory_gb"]) * 1024)
        used[("compute_ram", s["zone"])] = used.get(("compute_ram", s["zone"]), 0) + ram
    for spec in _specs(SELECTEL, "volume"):
        key = ("volume_gigabytes_universal", spec.specs["zone"])
        used[key] = used.get(key, 0) + int(spec.specs["disk_gb"])
    zones = sorted({spec.specs["zone"] for spec in RESOURCES if spec.provider == SELECTEL and "zone" in spec.specs})
    quotas: dict[str, list[dict[str, Any]]] = {}
    for name, limit in SEL_QUOTA_LIMITS.items():
        quotas[name] = [{"region": zone[:-1], "zone": zone, "value": limit // len(zones), "used": used.get((name, zone),
                                                                                                         0)}
                        for zone in zones]
    return {"quotas": quotas}


def selectel_regions() -> tuple[str, ...]:
    return tuple(sorted({spec.region for spec in RESOURCES if spec.provider == SELECTEL}))


def grouped_by_region(items: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """{region: items without their ``region`` key} (the key tells the fake which regional endpoint lists it)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        body = dict(item)
        out.setdefault(body.pop("region"), []).append(body)
    return out
