"""Pure functions: VK Cloud payloads -> canonical records, and prices -> daily cost estimates. No HTTP.

Nova, Cinder volumes and Neutron floating IPs are the shared ``openstack.normalize``; here are the services VK
adds (Trove database instances, Magnum clusters) and, until the shared package has them, Cinder snapshots and
Glance images. Shapes: the OpenStack api-ref (Trove "List database instances", Magnum "List all clusters",
Cinder "List snapshots with details", Glance "List images").

Estimates (``daily_cost``): a running server costs its flavor (explicit flavor price, else vCPU and RAM) plus its
local disk; a stopped one only its local disk (VK charges no vCPU/RAM for a stopped VM; its volumes and floating
IPs are resources of their own and keep costing). A volume costs its size at its type's price per GB, a snapshot
and an image their size at theirs, a floating IP its price whether attached or not, a Trove instance its flavor
and its data volume. A Magnum cluster costs nothing of its own: its nodes are the project's servers and volumes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.inventory.vocabulary import ResourceKind, ResourceStatus
from apps.providers.plugins.base import ResourceRecord
from apps.providers.plugins.openstack import normalize as openstack
from apps.providers.plugins.parsing import to_datetime, to_decimal, to_int, to_text

from .prices import PriceList

PROVIDER = "vkcloud"
CURRENCY = "RUB"
SERVER, VOLUME, FLOATING_IP = openstack.SERVER, openstack.VOLUME, openstack.FLOATING_IP
SNAPSHOT, IMAGE = openstack.SNAPSHOT, openstack.IMAGE
DATABASE = "database_instance"
KUBERNETES = "kubernetes_cluster"
KINDS = {**openstack.KINDS, DATABASE: ResourceKind.DATABASE, KUBERNETES: ResourceKind.KUBERNETES}
_CENTS = Decimal("0.01")
GB = Decimal(1024)

TROVE_STATUS = {
    "ACTIVE": ResourceStatus.RUNNING, "HEALTHY": ResourceStatus.RUNNING, "BACKUP": ResourceStatus.RUNNING,
    "REBOOT": ResourceStatus.PENDING, "RESIZE": ResourceStatus.PENDING, "BUILD": ResourceStatus.PENDING,
    "SHUTDOWN": ResourceStatus.STOPPED, "SHUTOFF": ResourceStatus.STOPPED, "ERROR": ResourceStatus.ERROR,
    "FAILED": ResourceStatus.ERROR, "DELETED": ResourceStatus.DELETED,
}
MAGNUM_STATUS = {
    "CREATE_COMPLETE": ResourceStatus.RUNNING, "UPDATE_COMPLETE": ResourceStatus.RUNNING,
    "RESUME_COMPLETE": ResourceStatus.RUNNING, "RUNNING": ResourceStatus.RUNNING,
    "CREATE_IN_PROGRESS": ResourceStatus.PENDING, "UPDATE_IN_PROGRESS": ResourceStatus.PENDING,
    "DELETE_IN_PROGRESS": ResourceStatus.DELETED, "DELETE_COMPLETE": ResourceStatus.DELETED,
    "CREATE_FAILED": ResourceStatus.ERROR, "UPDATE_FAILED": ResourceStatus.ERROR,
    "DELETE_FAILED": ResourceStatus.ERROR, "SHUTOFF": ResourceStatus.STOPPED, "STOPPED": ResourceStatus.STOPPED,
}


def _status(raw: str, table: Mapping[str, str]) -> str:
    if raw in table:
        return table[raw]
    return ResourceStatus.PENDING if raw else ResourceStatus.UNKNOWN


def trove_records(instances: Iterable[Mapping[str, Any]], *, region: str, project_id: str,
                  flavors: Mapping[str, Mapping[str, Any]] | None = None) -> list[ResourceRecord]:
    """Trove ``/v1.0/{project_id}/instances``: the flavor's specs come from Nova's flavors by id."""
    records = []
    for item in instances:
        instance_id = to_text(item.get("id"))
        raw_status = to_text(item.get("status")).upper()
        flavor_ref = item.get("flavor") if isinstance(item.get("flavor"), dict) else {}
        flavor = (flavors or {}).get(to_text(flavor_ref.get("id"))) or {}
        datastore = item.get("datastore") if isinstance(item.get("datastore"), dict) else {}
        volume = item.get("volume") if isinstance(item.get("volume"), dict) else {}
        ips = [to_text(ip) for ip in item.get("ip") or [] if to_text(ip)]
        records.append(ResourceRecord(
            provider=PROVIDER, resource_id=instance_id, resource_name=to_text(item.get("name")) or instance_id,
            resource_type=DATABASE, kind=KINDS[DATABASE], service_name="Databases",
            status=_status(raw_status, TROVE_STATUS), provider_status=raw_status,
            region=to_text(item.get("region")) or region, account_id=project_id, project_id=project_id,
            currency=CURRENCY, billing_period="hourly", created_at=to_datetime(item.get("created")),
            specs={"engine": to_text(datastore.get("type")).lower(),
                   "engine_version": to_text(datastore.get("version")), "instance_type": to_text(flavor.get("name")),
                   "cpu_cores": to_int(flavor.get("vcpus")),
                   "memory_gb": openstack._gb(flavor.get("ram")), "disk_gb": to_int(volume.get("size")),
                   "volume_type": to_text(volume.get("type")), "ip_addresses": ips},
            provider_config={"flavor_id": to_text(flavor_ref.get("id")),
                             "datastore": {"type": to_text(datastore.get("type")),
                                           "version": to_text(datastore.get("version"))},
                             "replica_of": to_text((item.get("replica_of") or {}).get("id"))
                             if isinstance(item.get("replica_of"), dict) else ""},
        ))
    return records


def magnum_records(clusters: Iterable[Mapping[str, Any]], *, region: str, project_id: str) -> list[ResourceRecord]:
    """Magnum ``/v1/clusters``: a cluster record without a cost (its nodes are servers of the project)."""
    records = []
    for item in clusters:
        cluster_id = to_text(item.get("uuid") or item.get("id"))
        raw_status = to_text(item.get("status")).upper()
        masters, workers = to_int(item.get("master_count")), to_int(item.get("node_count"))
        records.append(ResourceRecord(
            provider=PROVIDER, resource_id=cluster_id, resource_name=to_text(item.get("name")) or cluster_id,
            resource_type=KUBERNETES, kind=KINDS[KUBERNETES], service_name="Kubernetes",
            status=_status(raw_status, MAGNUM_STATUS), provider_status=raw_status, region=region,
            account_id=project_id, project_id=to_text(item.get("project_id")) or project_id, currency=CURRENCY,
            billing_period="hourly", created_at=to_datetime(item.get("created_at")),
            specs={"node_count": workers, "master_count": masters,
                   "k8s_version": to_text(item.get("coe_version") or (item.get("labels") or {}).get("kube_tag"))
                   if isinstance(item.get("labels") or {}, dict) else ""},
            tags={str(k): to_text(v) for k, v in (item.get("labels") or {}).items()}
            if isinstance(item.get("labels"), dict) else {},
            provider_config={"cluster_template_id": to_text(item.get("cluster_template_id")),
                             "stack_id": to_text(item.get("stack_id")), "keypair": to_text(item.get("keypair")),
                             "health_status": to_text(item.get("health_status")),
                             "flavor_id": to_text(item.get("flavor_id")),
                             "master_flavor_id": to_text(item.get("master_flavor_id"))},
        ))
    return records


# --- estimates ------------------------------------------------------------------------------------
def _flavor_daily(prices: PriceList, *, name: str, cpu: Any, memory_gb: Any) -> Decimal | None:
    explicit = prices.flavors.get((name or "").lower())
    if explicit is not None:
        return explicit.daily
    cores, memory = to_decimal(cpu), to_decimal(memory_gb)
    if cores is None or memory is None:
        return None
    return cores * prices.vcpu.daily + memory * prices.ram_gb.daily


def _per_gb(price, size: Any) -> Decimal | None:
    gigabytes = to_decimal(size)
    return None if price is None or gigabytes is None else gigabytes * price.daily


def estimated_daily(record: ResourceRecord, prices: PriceList) -> Decimal | None:
    """What one day of ``record`` costs at ``prices`` (rounded to kopecks), or None when the list has no price."""
    specs = record.specs
    daily: Decimal | None
    if record.resource_type == SERVER:
        local = _per_gb(prices.local_disk_gb, specs.get("disk_gb") or 0) or Decimal(0)
        if record.status in (ResourceStatus.STOPPED, ResourceStatus.DELETED):
            daily = local  # a stopped VM: no vCPU and RAM, its local disk still stored
        else:
            flavor = _flavor_daily(prices, name=str(specs.get("instance_type") or ""), cpu=specs.get("cpu_cores"),
                                   memory_gb=specs.get("memory_gb"))
            daily = None if flavor is None else flavor + local
    elif record.resource_type == VOLUME:
        daily = _per_gb(prices.volume_price(str(specs.get("volume_type") or "")), specs.get("disk_gb"))
    elif record.resource_type == FLOATING_IP:
        daily = prices.floating_ip.daily if prices.floating_ip else None
    elif record.resource_type == SNAPSHOT:
        daily = _per_gb(prices.snapshot_gb, specs.get("size_gb") or specs.get("disk_gb"))
    elif record.resource_type == IMAGE:
        daily = _per_gb(prices.image_gb, specs.get("size_gb") or specs.get("disk_gb"))
    elif record.resource_type == DATABASE:
        storage = _per_gb(prices.volume_price(str(specs.get("volume_type") or "")) or prices.database_volume_gb,
                          specs.get("disk_gb") or 0) or Decimal(0)
        if record.status == ResourceStatus.STOPPED:
            daily = storage
        else:
            flavor = _flavor_daily(prices, name=str(specs.get("instance_type") or ""), cpu=specs.get("cpu_cores"),
                                   memory_gb=specs.get("memory_gb"))
            daily = None if flavor is None else flavor + storage
    else:
        daily = None
    return None if daily is None else daily.quantize(_CENTS, rounding=ROUND_HALF_UP)
