"""Pure functions: Timeweb Cloud payloads -> canonical dataclasses. No HTTP, no database.

Shapes are the official OpenAPI spec's (docs/providers/timeweb.md). Numbers may arrive as strings and optional
fields as null: every scalar goes through the lenient parsers.

Prices: no resource object carries a price; ``GET /api/v1/account/services/cost`` lists every active service
with its ``cost`` and ``total_cost`` (the service with its additional services: disks, IPs, backups). They are
monthly figures (the account's ``monthly_cost`` is their sum); a day is the month / 30 (product rule 6.2).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus, metric_unit
from apps.providers.plugins.base import AccountInfo, MetricSeries, ResourceRecord, kind_of
from apps.providers.plugins.parsing import to_bool, to_datetime, to_decimal, to_int, to_text

PROVIDER = "timeweb"
DEFAULT_CURRENCY = "RUB"
DAYS_PER_MONTH = Decimal(30)
HOURS_PER_DAY = Decimal(24)
_DAILY_QUANT = Decimal("0.0001")
_CENT = Decimal("0.01")
_MB_PER_GB = Decimal(1024)
_KB_PER_GB = Decimal(1024 * 1024)

# Our resource types (labelled in apps/inventory/vocabulary.py) and their provider-neutral kinds.
KINDS = {
    "server": ResourceKind.COMPUTE,
    "mysql_cluster": ResourceKind.DATABASE,
    "postgresql_cluster": ResourceKind.DATABASE,
    "database_cluster": ResourceKind.DATABASE,
    "cloud_service": ResourceKind.OTHER,
    "bucket": ResourceKind.BUCKET,
    "floating_ip": ResourceKind.IP_ADDRESS,
    "load_balancer": ResourceKind.LOAD_BALANCER,
    "kubernetes_cluster": ResourceKind.KUBERNETES,
}
DATABASE_TYPES = frozenset({"mysql_cluster", "postgresql_cluster", "database_cluster"})

# services_costs ``type`` -> the resource family whose id is its ``service_id``.
SERVICE_FAMILIES = {
    "server": "server",
    "database": "database",
    "s3": "bucket",
    "balancer": "balancer",
    "k8s": "k8s",
}
# Not floating IPs: their ``id`` is a UUID string while ``service_id`` is a number, so their prices cannot be
# matched to them; they become ``cloud_service`` records like every service without a listing.
# Services with no listing of their own (mail, images, network drives, routers, apps, ...): inventory records
# of type ``cloud_service``, so the account's whole monthly cost is in the inventory and the ledger.
SERVICE_NAMES = {
    "server": "Compute", "dedicated_server": "Compute", "vmware": "Compute", "app_frontend": "Compute",
    "app_backend": "Compute", "k8s": "Kubernetes", "database": "Database", "s3": "Storage",
    "s3_outgoing_traffic": "Network", "network_drive": "Storage", "additional_drive": "Storage",
    "backup": "Storage", "image": "Storage", "balancer": "Network", "floating_ip": "Network",
    "floating_ip_with_ddos_guard": "Network", "router": "Network", "mail": "Mail",
    "container_registry": "Container Registry",
}


# --- money -------------------------------------------------------------------------------------------
def daily_from_monthly(monthly: Decimal | None) -> Decimal | None:
    """A month counts as 30 days (product rule, section 6.2)."""
    if monthly is None:
        return None
    return (monthly / DAYS_PER_MONTH).quantize(_DAILY_QUANT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ServiceCost:
    """One entry of ``services_costs``: a monthly price of one service of the account."""

    service_type: str
    service_id: str
    monthly: Decimal  # total_cost (the service and its additional services), else cost
    base_monthly: Decimal | None
    project_id: str
    name: str
    extras: tuple[tuple[str, Decimal | None], ...]  # (description, monthly cost) of the additional services

    @property
    def family(self) -> str:
        return SERVICE_FAMILIES.get(self.service_type, "")

    @property
    def daily(self) -> Decimal:
        return daily_from_monthly(self.monthly) or Decimal(0)


def service_costs(items: Iterable[Any]) -> list[ServiceCost]:
    """``services_costs`` -> ServiceCost, one per (type, service id); entries without a price are skipped and a
    repeated (type, id) is counted once (the spec's own example repeats entries)."""
    found: dict[tuple[str, str], ServiceCost] = {}
    for item in items or []:
        if not isinstance(item, dict):
            continue
        total, base = to_decimal(item.get("total_cost")), to_decimal(item.get("cost"))
        monthly = total if total is not None else base
        if monthly is None:
            continue
        service_type = to_text(item.get("type"))
        service_id = to_text(to_int(item.get("service_id")) if to_int(item.get("service_id")) is not None
                             else item.get("service_id"))
        info = item.get("info") if isinstance(item.get("info"), dict) else {}
        extras = tuple((to_text(s.get("description")) or to_text(s.get("type")), to_decimal(s.get("cost")))
                       for s in item.get("services") or [] if isinstance(s, dict))
        project = to_int(item.get("project_id"))
        found.setdefault((service_type, service_id), ServiceCost(
            service_type=service_type, service_id=service_id, monthly=monthly, base_monthly=base,
            project_id="" if project is None else str(project), name=to_text(info.get("name")), extras=extras))
    return list(found.values())


def cost_index(costs: Iterable[ServiceCost]) -> dict[tuple[str, str], ServiceCost]:
    """(resource family, id) -> its service cost."""
    return {(c.family, c.service_id): c for c in costs if c.family}


def id_text(value: Any) -> str:
    number = to_int(value)
    if number is not None and to_decimal(value) == number:
        return str(number)
    return to_text(value)


# --- account -----------------------------------------------------------------------------------------
def days_to_block(hours_left: Any) -> int | None:
    """Whole days the paid hours last (``hours_left`` / 24, rounded down: never more than the money lasts)."""
    hours = to_decimal(hours_left)
    if hours is None:
        return None
    return max(0, math.floor(hours / HOURS_PER_DAY))


def account_info(finances_payload: Any, *, status_payload: Any = None, account_id: str = "") -> AccountInfo:
    """``/api/v1/account/finances`` (and ``/api/v1/account/status``) -> AccountInfo.

    ``monthly_rate`` is Timeweb's ``monthly_cost``; ``daily_rate`` its ``hourly_cost`` × 24 (Timeweb bills
    cloud services by the hour; the spec labels name both); ``days_to_block`` comes from ``hours_left``.
    """
    finances = finances_payload.get("finances") if isinstance(finances_payload, dict) else None
    if not isinstance(finances, dict):
        raise ValueError("finances answer has no finances object")
    status = status_payload.get("status") if isinstance(status_payload, dict) else None
    status = status if isinstance(status, dict) else {}
    hourly = to_decimal(finances.get("hourly_cost"))
    blocked = bool(to_bool(status.get("is_blocked")) or to_bool(status.get("is_permanent_blocked")))
    return AccountInfo(
        account_id=account_id,
        currency=(to_text(finances.get("currency")) or DEFAULT_CURRENCY).upper(),
        status="blocked" if blocked else "active",
        balance=to_decimal(finances.get("balance")),
        daily_rate=None if hourly is None else (hourly * HOURS_PER_DAY).quantize(_CENT, rounding=ROUND_HALF_UP),
        monthly_rate=to_decimal(finances.get("monthly_cost")),
        days_to_block=days_to_block(finances.get("hours_left")),
        server={
            "hourly_cost": None if hourly is None else str(hourly.quantize(_DAILY_QUANT, rounding=ROUND_HALF_UP)),
            "hours_left": to_text(finances.get("hours_left")) or None,
            "monthly_fee": to_text(finances.get("monthly_fee")) or None,
            "discount_percent": to_text(finances.get("discount_percent")) or None,
            "total_paid": to_text(finances.get("total_paid")) or None,
        },
    )


# --- projects ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Project:
    id: str
    name: str


# A project's resources answer: its list keys -> our resource families.
_PROJECT_LISTS = {"servers": "server", "databases": "database", "buckets": "bucket", "balancers": "balancer",
                  "clusters": "k8s"}


def project_index(projects: Iterable[Any], resources: Mapping[str, Any]) -> dict[tuple[str, str], Project]:
    """(family, resource id) -> its project, from ``/api/v1/projects`` and each project's
    ``/api/v1/projects/{id}/resources`` answer (``resources``: project id -> that answer)."""
    names = {id_text(p.get("id")): to_text(p.get("name")) for p in projects or [] if isinstance(p, dict)}
    index: dict[tuple[str, str], Project] = {}
    for project_id, answer in resources.items():
        if not isinstance(answer, dict):
            continue
        project = Project(id=str(project_id), name=names.get(str(project_id), ""))
        for key, family in _PROJECT_LISTS.items():
            for item in answer.get(key) or []:
                if isinstance(item, dict) and item.get("id") is not None:
                    index[(family, id_text(item.get("id")))] = project
    return index


def with_project(record: ResourceRecord, project: Project | None) -> ResourceRecord:
    if project is None:
        return record
    tags = dict(record.tags)
    if project.name:
        tags["project"] = project.name
    return replace(record, project_id=project.id, tags=tags)


# --- statuses ----------------------------------------------------------------------------------------
_SERVER_STATUS = {
    "on": ResourceStatus.RUNNING,
    "off": ResourceStatus.STOPPED,
    "installing": ResourceStatus.PENDING, "software_install": ResourceStatus.PENDING,
    "reinstalling": ResourceStatus.PENDING, "turning_on": ResourceStatus.PENDING,
    "turning_off": ResourceStatus.PENDING, "hard_turning_off": ResourceStatus.PENDING,
    "rebooting": ResourceStatus.PENDING, "hard_rebooting": ResourceStatus.PENDING,
    "cloning": ResourceStatus.PENDING, "transfer": ResourceStatus.PENDING, "configuring": ResourceStatus.PENDING,
    "removing": ResourceStatus.DELETED, "removed": ResourceStatus.DELETED,
    "blocked": ResourceStatus.SUSPENDED, "no_paid": ResourceStatus.SUSPENDED,
    "permanent_blocked": ResourceStatus.SUSPENDED,
}
_DATABASE_STATUS = {
    "started": ResourceStatus.RUNNING, "stopped": ResourceStatus.STOPPED, "starting": ResourceStatus.PENDING,
    "turning_on": ResourceStatus.PENDING, "turning_off": ResourceStatus.PENDING, "rebooting": ResourceStatus.PENDING,
    "lan_transfer": ResourceStatus.PENDING, "backup_recovery": ResourceStatus.PENDING,
    "no_paid": ResourceStatus.SUSPENDED, "blocked": ResourceStatus.SUSPENDED, "error": ResourceStatus.ERROR,
}
_BUCKET_STATUS = {"created": ResourceStatus.RUNNING, "transfer": ResourceStatus.PENDING,
                  "no_paid": ResourceStatus.SUSPENDED}
# The spec spells the balancer's stopped status ``stoped``; both spellings are read.
_BALANCER_STATUS = {"started": ResourceStatus.RUNNING, "stoped": ResourceStatus.STOPPED,
                    "stopped": ResourceStatus.STOPPED, "starting": ResourceStatus.PENDING,
                    "no_paid": ResourceStatus.SUSPENDED}
# ClusterOut.status is a free string in the spec; the values seen in its examples and the panel's words.
_CLUSTER_STATUS = {"active": ResourceStatus.RUNNING, "started": ResourceStatus.RUNNING,
                   "provisioning": ResourceStatus.PENDING, "creating": ResourceStatus.PENDING,
                   "updating": ResourceStatus.PENDING, "deleting": ResourceStatus.DELETED,
                   "stopped": ResourceStatus.STOPPED, "no_paid": ResourceStatus.SUSPENDED,
                   "blocked": ResourceStatus.SUSPENDED, "error": ResourceStatus.ERROR}


def _status(raw: str, table: Mapping[str, str]) -> str:
    if raw in table:
        return table[raw]
    return ResourceStatus.PENDING if raw else ResourceStatus.UNKNOWN


def _gb(value: Any, per_gb: Decimal) -> str | None:
    number = to_decimal(value)
    return None if number is None else str((number / per_gb).quantize(_CENT, rounding=ROUND_HALF_UP))


def _record(*, family: str, item: dict[str, Any], resource_type: str, service_name: str, status: str,
            provider_status: str, region: str, costs: Mapping[tuple[str, str], ServiceCost],
            projects: Mapping[tuple[str, str], Project], specs: dict[str, Any], name: str = "",
            project_id: Any = None) -> ResourceRecord:
    resource_id = id_text(item.get("id"))
    cost = costs.get((family, resource_id))
    own_project = to_int(project_id)
    record = ResourceRecord(
        provider=PROVIDER,
        resource_id=resource_id,
        resource_name=name or to_text(item.get("name")) or resource_id,
        resource_type=resource_type,
        kind=kind_of(KINDS, resource_type),
        service_name=service_name,
        status=status,
        provider_status=provider_status,
        region=region,
        account_id=to_text(item.get("account_id")),
        project_id="" if own_project is None else str(own_project),
        daily_cost=cost.daily if cost else None,
        monthly_cost=cost.monthly if cost else None,
        billing_period="monthly",
        created_at=to_datetime(item.get("created_at")),
        specs=specs,
        provider_config=safe_config(item),
    )
    return with_project(record, projects.get((family, resource_id)))


# Secrets Timeweb puts in resource objects under names the shared secret rule does not catch (``root_pass``,
# ``vnc_pass``; cloud-init scripts hold passwords and keys): dropped here, before the sync's own stripping.
_SECRET_FIELDS = frozenset({"root_pass", "vnc_pass", "cloud_init", "password", "ipmi_password", "secret_key",
                            "access_key", "ipmi_login"})


def safe_config(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _SECRET_FIELDS}


def _region(item: dict[str, Any]) -> str:
    return to_text(item.get("location")) or to_text(item.get("availability_zone"))


# --- servers -----------------------------------------------------------------------------------------
def server_ips(server: dict[str, Any]) -> list[str]:
    """Every address of the server's networks, the main public one first, each once."""
    main, others = [], []
    for network in server.get("networks") or []:
        if not isinstance(network, dict):
            continue
        for address in network.get("ips") or []:
            if not isinstance(address, dict) or not to_text(address.get("ip")):
                continue
            ip = to_text(address.get("ip"))
            target = main if to_bool(address.get("is_main")) and network.get("type") == "public" else others
            if ip not in main and ip not in others:
                target.append(ip)
    return main + others


def _disks(server: dict[str, Any]) -> list[dict[str, Any]]:
    found, seen = [], set()
    for disk in server.get("disks") or []:
        if not isinstance(disk, dict):
            continue
        key = to_text(disk.get("id")) or to_text(disk.get("system_name"))
        if key in seen:  # the spec's example repeats the same disk
            continue
        seen.add(key)
        found.append(disk)
    return found


def server_records(servers: Iterable[Any], *, costs: Mapping[tuple[str, str], ServiceCost] | None = None,
                   projects: Mapping[tuple[str, str], Project] | None = None) -> list[ResourceRecord]:
    """``GET /api/v1/servers`` ``servers[]``: cpu, ram (MB), disks (MB) and the addresses of its networks."""
    records = []
    for server in servers or []:
        if not isinstance(server, dict):
            raise ValueError("a server is not an object")
        disks = _disks(server)
        disk_mb = sum((to_decimal(d.get("size")) or Decimal(0)) for d in disks) if disks else None
        used_mb = sum((to_decimal(d.get("used")) or Decimal(0)) for d in disks) if disks else None
        os_info = server.get("os") if isinstance(server.get("os"), dict) else {}
        bandwidths = [to_int(n.get("bandwidth")) for n in server.get("networks") or []
                      if isinstance(n, dict) and n.get("type") == "public" and to_int(n.get("bandwidth"))]
        raw = to_text(server.get("status")).lower()
        records.append(_record(
            family="server", item=server, resource_type="server", service_name="Compute",
            status=_status(raw, _SERVER_STATUS), provider_status=raw, region=_region(server),
            costs=costs or {}, projects=projects or {}, project_id=server.get("project_id"),
            specs={
                "cpu_cores": to_int(server.get("cpu")),
                "memory_gb": _gb(server.get("ram"), _MB_PER_GB),
                "disk_gb": _gb(disk_mb, _MB_PER_GB),
                "disk_used_gb": _gb(used_mb, _MB_PER_GB),
                "disks": [{"id": to_text(d.get("id")), "size_gb": _gb(d.get("size"), _MB_PER_GB),
                           "used_gb": _gb(d.get("used"), _MB_PER_GB), "type": to_text(d.get("type")),
                           "is_system": to_bool(d.get("is_system"))} for d in disks],
                "gpu": to_int(server.get("gpu")) or None,
                "ip_addresses": server_ips(server),
                "bandwidth_mbps": bandwidths[0] if bandwidths else None,
                "os": " ".join(p for p in (to_text(os_info.get("name")), to_text(os_info.get("version"))) if p),
                "preset_id": to_int(server.get("preset_id")),
                "availability_zone": to_text(server.get("availability_zone")),
            },
        ))
    return records


# --- databases ---------------------------------------------------------------------------------------
def database_resource_type(db_type: str) -> tuple[str, str]:
    """(resource type, engine) of a cluster ``type`` (``mysql``, ``mysql8_4``, ``postgres16``, ``valkey8_1``...)."""
    raw = db_type.lower()
    if raw.startswith("mysql"):
        return "mysql_cluster", "mysql"
    if raw.startswith("postgres"):
        return "postgresql_cluster", "postgresql"
    for engine in ("valkey", "mongodb", "opensearch", "clickhouse", "kafka", "rabbitmq", "redis"):
        if raw.startswith(engine):
            return "database_cluster", engine
    return "database_cluster", raw


def database_records(dbs: Iterable[Any], *, costs: Mapping[tuple[str, str], ServiceCost] | None = None,
                     projects: Mapping[tuple[str, str], Project] | None = None) -> list[ResourceRecord]:
    """``GET /api/v1/databases`` ``dbs[]`` (database clusters; disk sizes in KB)."""
    records = []
    for db in dbs or []:
        if not isinstance(db, dict):
            raise ValueError("a database is not an object")
        resource_type, engine = database_resource_type(to_text(db.get("type")))
        disk = db.get("disk") if isinstance(db.get("disk"), dict) else (
            db.get("disk_stats") if isinstance(db.get("disk_stats"), dict) else {})
        raw = to_text(db.get("status")).lower()
        records.append(_record(
            family="database", item=db, resource_type=resource_type, service_name="Database",
            status=_status(raw, _DATABASE_STATUS), provider_status=raw, region=_region(db),
            costs=costs or {}, projects=projects or {}, project_id=db.get("project_id"),
            specs={"engine": engine, "version": to_text(db.get("type")), "disk_gb": _gb(disk.get("size"), _KB_PER_GB),
                   "disk_used_gb": _gb(disk.get("used"), _KB_PER_GB), "port": to_int(db.get("port")),
                   "preset_id": to_int(db.get("preset_id"))},
        ))
    return records


def bucket_records(buckets: Iterable[Any], *, costs: Mapping[tuple[str, str], ServiceCost] | None = None,
                   projects: Mapping[tuple[str, str], Project] | None = None) -> list[ResourceRecord]:
    """``GET /api/v1/storages/buckets`` ``buckets[]`` (``disk_stats`` in KB)."""
    records = []
    for bucket in buckets or []:
        if not isinstance(bucket, dict):
            raise ValueError("a bucket is not an object")
        disk = bucket.get("disk_stats") if isinstance(bucket.get("disk_stats"), dict) else {}
        raw = to_text(bucket.get("status")).lower()
        records.append(_record(
            family="bucket", item=bucket, resource_type="bucket", service_name="Storage",
            status=_status(raw, _BUCKET_STATUS), provider_status=raw, region=_region(bucket),
            costs=costs or {}, projects=projects or {}, project_id=bucket.get("project_id"),
            name=to_text(bucket.get("name")),
            specs={"storage_class": to_text(bucket.get("storage_class")),
                   "size_gb": None if to_bool(disk.get("is_unlimited")) else _gb(disk.get("size"), _KB_PER_GB),
                   "used_gb": _gb(disk.get("used"), _KB_PER_GB), "objects": to_int(bucket.get("object_amount")),
                   "public": to_text(bucket.get("type")) == "public", "hostname": to_text(bucket.get("hostname"))},
        ))
    return records


def floating_ip_records(ips: Iterable[Any], *, costs: Mapping[tuple[str, str], ServiceCost] | None = None,
                        projects: Mapping[tuple[str, str], Project] | None = None) -> list[ResourceRecord]:
    """``GET /api/v1/floating-ips`` ``ips[]``: bound (``resource_id`` set) = in use, else idle."""
    records = []
    for ip in ips or []:
        if not isinstance(ip, dict):
            raise ValueError("a floating IP is not an object")
        bound = ip.get("resource_id") not in (None, "", 0)
        target = f"{to_text(ip.get('resource_type'))}:{id_text(ip.get('resource_id'))}" if bound else ""
        records.append(_record(
            family="floating_ip", item=ip, resource_type="floating_ip", service_name="Network",
            status=ResourceStatus.RUNNING if bound else ResourceStatus.INACTIVE,
            provider_status="attached" if bound else "inactive", region=to_text(ip.get("availability_zone")),
            costs=costs or {}, projects=projects or {}, project_id=ip.get("project_id"),
            name=to_text(ip.get("ip")),
            specs={"ip_addresses": [to_text(ip.get("ip"))] if to_text(ip.get("ip")) else [],
                   "attached_to": target,
                   "ddos_guard": to_bool(ip.get("is_ddos_guard"))},
        ))
    return records


def balancer_records(balancers: Iterable[Any], *, costs: Mapping[tuple[str, str], ServiceCost] | None = None,
                     projects: Mapping[tuple[str, str], Project] | None = None) -> list[ResourceRecord]:
    records = []
    for balancer in balancers or []:
        if not isinstance(balancer, dict):
            raise ValueError("a balancer is not an object")
        raw = to_text(balancer.get("status")).lower()
        ips = list(dict.fromkeys(ip for ip in (to_text(balancer.get("ip")), to_text(balancer.get("local_ip"))) if ip))
        records.append(_record(
            family="balancer", item=balancer, resource_type="load_balancer", service_name="Network",
            status=_status(raw, _BALANCER_STATUS), provider_status=raw, region=_region(balancer),
            costs=costs or {}, projects=projects or {}, project_id=balancer.get("project_id"),
            specs={"ip_addresses": ips, "protocol": to_text(balancer.get("proto")),
                   "algorithm": to_text(balancer.get("algo")), "targets": len(balancer.get("ips") or []),
                   "preset_id": to_int(balancer.get("preset_id"))},
        ))
    return records


def k8s_records(clusters: Iterable[Any], *, costs: Mapping[tuple[str, str], ServiceCost] | None = None,
                projects: Mapping[tuple[str, str], Project] | None = None) -> list[ResourceRecord]:
    """``GET /api/v1/k8s/clusters`` ``clusters[]`` (ClusterOut: cpu, ram in MB, disk in GB, in total)."""
    records = []
    for cluster in clusters or []:
        if not isinstance(cluster, dict):
            raise ValueError("a cluster is not an object")
        raw = to_text(cluster.get("status")).lower()
        disk = to_decimal(cluster.get("disk"))
        records.append(_record(
            family="k8s", item=cluster, resource_type="kubernetes_cluster", service_name="Kubernetes",
            status=_status(raw, _CLUSTER_STATUS), provider_status=raw, region=_region(cluster),
            costs=costs or {}, projects=projects or {}, project_id=cluster.get("project_id"),
            specs={"cpu_cores": to_int(cluster.get("cpu")), "memory_gb": _gb(cluster.get("ram"), _MB_PER_GB),
                   "disk_gb": None if disk is None else str(disk.quantize(_CENT)),
                   "version": to_text(cluster.get("k8s_version")),
                   "network_driver": to_text(cluster.get("network_driver"))},
        ))
    return records


def other_service_records(costs: Iterable[ServiceCost], *, projects: Mapping[str, Project] | None = None
                          ) -> list[ResourceRecord]:
    """Priced services of ``services_costs`` that no listing covers (mail, images, network drives, routers,
    apps, dedicated servers...): one ``cloud_service`` record each, id ``<type>:<service id>``."""
    records = []
    for cost in costs:
        if cost.family:
            continue
        resource_id = f"{cost.service_type}:{cost.service_id}"
        project = (projects or {}).get(cost.project_id)
        if project is None and cost.project_id:
            project = Project(id=cost.project_id, name="")
        records.append(with_project(ResourceRecord(
            provider=PROVIDER, resource_id=resource_id, resource_name=cost.name or resource_id,
            resource_type="cloud_service", kind=KINDS["cloud_service"],
            service_name=SERVICE_NAMES.get(cost.service_type, "Cloud"), status=ResourceStatus.RUNNING,
            provider_status="active", daily_cost=cost.daily, monthly_cost=cost.monthly, billing_period="monthly",
            specs={"service_type": cost.service_type},
            provider_config={"type": cost.service_type, "service_id": cost.service_id,
                             "total_cost": str(cost.monthly), "project_id": cost.project_id},
        ), project))
    return records


# --- metrics -----------------------------------------------------------------------------------------
_HUNDRED = Decimal(100)
_METRIC_QUANT = Decimal("0.001")


def _points(rows: Any, value) -> tuple[tuple[datetime, Decimal], ...]:
    points = {}
    for row in rows or []:
        if not isinstance(row, dict):
            continue
        when = to_datetime(row.get("logged_at"))
        number = value(row)
        if when is not None and number is not None:
            points[when] = number.quantize(_METRIC_QUANT, rounding=ROUND_HALF_UP)
    return tuple(sorted(points.items()))


def _memory_percent(row: dict[str, Any]) -> Decimal | None:
    used, total = to_decimal(row.get("used")), to_decimal(row.get("total"))
    if used is None or not total:
        return None
    return used * _HUNDRED / total


def statistics_series(payload: Any, *, resource_id: str) -> list[MetricSeries]:
    """``GET /api/v1/servers/{id}/statistics`` -> CPU % (``load`` is 0..1), memory % of ``total`` (and MB used),
    inbound and outbound traffic (Mbit/s). Disk read/write throughput has no name in the metrics vocabulary
    and is left out; the disks' used share is ``disk_series`` of the server object."""
    if not isinstance(payload, dict):
        raise ValueError("statistics answer is not an object")
    cpu = payload.get("cpu") or []
    ram = payload.get("ram") or []
    net = payload.get("network_traffic") or []
    if not all(isinstance(rows, list) for rows in (cpu, ram, net)):
        raise ValueError("statistics series are not lists")

    def load(row: dict[str, Any]) -> Decimal | None:
        number = to_decimal(row.get("load"))
        return None if number is None else number * _HUNDRED

    series = [
        (MetricName.CPU_PERCENT, _points(cpu, load)),
        (MetricName.MEMORY_PERCENT, _points(ram, _memory_percent)),
        (MetricName.MEMORY_USED_MB, _points(ram, lambda row: to_decimal(row.get("used")))),
        (MetricName.NETWORK_IN, _points(net, lambda row: to_decimal(row.get("incoming")))),
        (MetricName.NETWORK_OUT, _points(net, lambda row: to_decimal(row.get("outgoing")))),
    ]
    return [MetricSeries(resource_id=resource_id, metric=name, unit=metric_unit(name), points=points)
            for name, points in series if points]


def disk_series(server: Mapping[str, Any], *, resource_id: str, at: datetime) -> list[MetricSeries]:
    """The server's disks as they are now (``disks[].used`` / ``size``, MB): used GB and used %."""
    disks = _disks(dict(server))
    size = sum((to_decimal(d.get("size")) or Decimal(0)) for d in disks)
    used_values = [to_decimal(d.get("used")) for d in disks]
    if not disks or not size or any(v is None for v in used_values):
        return []
    used = sum(used_values, Decimal(0))
    return [
        MetricSeries(resource_id=resource_id, metric=MetricName.DISK_USED_GB,
                     unit=metric_unit(MetricName.DISK_USED_GB),
                     points=((at, (used / _MB_PER_GB).quantize(_METRIC_QUANT, rounding=ROUND_HALF_UP)),)),
        MetricSeries(resource_id=resource_id, metric=MetricName.DISK_USED_PERCENT,
                     unit=metric_unit(MetricName.DISK_USED_PERCENT),
                     points=((at, (used * _HUNDRED / size).quantize(_METRIC_QUANT, rounding=ROUND_HALF_UP)),)),
    ]
