"""Pure functions: OpenStack payloads (Nova, Cinder, Neutron, Glance, Octavia, Gnocchi) -> canonical records
and metric series. No HTTP, no database.

Shared by the OpenStack clouds: the caller names its provider, currency and the daily costs it knows by
resource id (from its own billing). OpenStack clouds bill by the hour: a known daily cost gives the
monthly figure (x 30) and the hourly one (/ 24, kept in ``provider_config``); an unknown one stays None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus, metric_unit
from apps.providers.plugins.base import MetricSeries, ResourceRecord
from apps.providers.plugins.parsing import to_datetime, to_decimal, to_int, to_text

DAYS_PER_MONTH = Decimal(30)
HOURS_PER_DAY = Decimal(24)
_CENTS = Decimal("0.01")
_FINE = Decimal("0.0001")

_GIB = Decimal(1024 ** 3)
_NANOSECONDS = Decimal(10 ** 9)

SERVER, VOLUME, FLOATING_IP = "server", "volume", "floating_ip"
SNAPSHOT, IMAGE, LOAD_BALANCER = "snapshot", "image", "load_balancer"
KINDS = {SERVER: ResourceKind.COMPUTE, VOLUME: ResourceKind.VOLUME, FLOATING_IP: ResourceKind.IP_ADDRESS,
         SNAPSHOT: ResourceKind.SNAPSHOT, IMAGE: ResourceKind.IMAGE, LOAD_BALANCER: ResourceKind.LOAD_BALANCER}

SERVER_STATUS = {
    "ACTIVE": ResourceStatus.RUNNING, "SHUTOFF": ResourceStatus.STOPPED, "SHELVED": ResourceStatus.STOPPED,
    "SHELVED_OFFLOADED": ResourceStatus.STOPPED, "PAUSED": ResourceStatus.SUSPENDED,
    "SUSPENDED": ResourceStatus.SUSPENDED, "ERROR": ResourceStatus.ERROR, "DELETED": ResourceStatus.DELETED,
    "SOFT_DELETED": ResourceStatus.DELETED, "UNKNOWN": ResourceStatus.UNKNOWN,
}
VOLUME_STATUS = {
    "in-use": ResourceStatus.RUNNING, "available": ResourceStatus.INACTIVE, "error": ResourceStatus.ERROR,
    "error_deleting": ResourceStatus.ERROR, "error_extending": ResourceStatus.ERROR,
    "error_restoring": ResourceStatus.ERROR, "deleting": ResourceStatus.DELETED,
}
# Neutron: ACTIVE = associated with a port, DOWN = allocated to the project but idle.
FLOATING_IP_STATUS = {"ACTIVE": ResourceStatus.RUNNING, "DOWN": ResourceStatus.INACTIVE,
                      "ERROR": ResourceStatus.ERROR}
# Cinder snapshot statuses (block-storage api-ref, "Volume snapshots"): a stored snapshot is "available".
SNAPSHOT_STATUS = {
    "available": ResourceStatus.RUNNING, "backing-up": ResourceStatus.RUNNING, "restoring": ResourceStatus.RUNNING,
    "error": ResourceStatus.ERROR, "error_deleting": ResourceStatus.ERROR, "deleting": ResourceStatus.DELETED,
    "deleted": ResourceStatus.DELETED,
}
# Glance image statuses (image api-ref v2, "Image statuses"); anything else (queued, saving, importing...) pending.
IMAGE_STATUS = {"active": ResourceStatus.RUNNING, "deactivated": ResourceStatus.INACTIVE,
                "killed": ResourceStatus.ERROR, "deleted": ResourceStatus.DELETED,
                "pending_delete": ResourceStatus.DELETED}
# Octavia: provisioning_status first (ERROR, PENDING_*, DELETED), then operating_status of an ACTIVE one.
LB_PROVISIONING_STATUS = {"ERROR": ResourceStatus.ERROR, "DELETED": ResourceStatus.DELETED,
                          "PENDING_DELETE": ResourceStatus.DELETED, "PENDING_CREATE": ResourceStatus.PENDING,
                          "PENDING_UPDATE": ResourceStatus.PENDING}
LB_OPERATING_STATUS = {"ONLINE": ResourceStatus.RUNNING, "DEGRADED": ResourceStatus.RUNNING,
                       "NO_MONITOR": ResourceStatus.RUNNING, "DRAINING": ResourceStatus.RUNNING,
                       "OFFLINE": ResourceStatus.STOPPED, "ERROR": ResourceStatus.ERROR}


def _status(raw: str, table: Mapping[str, str]) -> str:
    if raw in table:
        return table[raw]
    return ResourceStatus.PENDING if raw else ResourceStatus.UNKNOWN


def hourly_costs(daily: Decimal | None) -> dict[str, Any]:
    """The ``ResourceRecord`` cost fields of an hourly-billed resource whose daily cost is ``daily``."""
    if daily is None:
        return {"daily_cost": None, "monthly_cost": None, "billing_period": "hourly"}
    return {"daily_cost": daily, "monthly_cost": (daily * DAYS_PER_MONTH).quantize(_CENTS),
            "billing_period": "hourly"}


def hourly_price(daily: Decimal | None) -> str | None:
    """The hourly price behind a daily cost, as a decimal string (what the provider quotes)."""
    return None if daily is None else str((daily / HOURS_PER_DAY).quantize(_FINE, rounding=ROUND_HALF_UP))


def _gb(megabytes: Any) -> str | None:
    number = to_decimal(megabytes)
    return None if number is None else str((number / 1024).quantize(_CENTS))


def _flavor_specs(flavor: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "instance_type": to_text(flavor.get("original_name") or flavor.get("name")),
        "cpu_cores": to_int(flavor.get("vcpus")),
        "memory_gb": _gb(flavor.get("ram")),
        "disk_gb": to_int(flavor.get("disk")),
    }


def _metadata(item: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): to_text(v) for k, v in (item.get("metadata") or {}).items()}


def server_records(servers: Iterable[Mapping[str, Any]], *, provider: str, region: str, currency: str = "RUB",
                   flavors: Mapping[str, Mapping[str, Any]] | None = None,
                   costs: Mapping[str, Decimal] | None = None, account_id: str = "") -> list[ResourceRecord]:
    """Nova ``/servers/detail``. Flavor specs are embedded (microversion >= 2.47) or looked up in
    ``flavors`` (``/flavors/detail`` by id) for older microversions."""
    records = []
    for server in servers:
        flavor = server.get("flavor") if isinstance(server.get("flavor"), dict) else {}
        if flavor.get("vcpus") is None and flavors and to_text(flavor.get("id")) in flavors:
            flavor = flavors[to_text(flavor.get("id"))]
        raw_status = to_text(server.get("status")).upper()
        addresses = []
        for network in (server.get("addresses") or {}).values():
            for address in network or []:
                if isinstance(address, dict) and address.get("addr"):
                    addresses.append({"addr": to_text(address["addr"]), "type": to_text(
                        address.get("OS-EXT-IPS:type")), "version": to_int(address.get("version"))})
        server_id = to_text(server.get("id"))
        daily = (costs or {}).get(server_id)
        records.append(ResourceRecord(
            provider=provider,
            resource_id=server_id,
            resource_name=to_text(server.get("name")) or server_id,
            resource_type=SERVER,
            kind=KINDS[SERVER],
            service_name="Compute",
            status=_status(raw_status, SERVER_STATUS),
            provider_status=raw_status,
            region=region,
            account_id=account_id,
            project_id=to_text(server.get("tenant_id") or server.get("project_id")),
            currency=currency,
            **hourly_costs(daily),
            created_at=to_datetime(server.get("created")),
            specs={**_flavor_specs(flavor), "zone": to_text(server.get("OS-EXT-AZ:availability_zone")),
                   "ip_addresses": [a["addr"] for a in addresses],
                   "volumes": [to_text(v.get("id")) for v in server.get("os-extended-volumes:volumes_attached") or []
                               if isinstance(v, dict)]},
            tags=_metadata(server),
            provider_config={"addresses": addresses, "flavor_id": to_text(flavor.get("id")),
                             "hourly_cost": hourly_price(daily), "key_name": to_text(server.get("key_name")),
                             "image_id": to_text((server.get("image") or {}).get("id"))
                             if isinstance(server.get("image"), dict) else ""},
        ))
    return records


def volume_records(volumes: Iterable[Mapping[str, Any]], *, provider: str, region: str, currency: str = "RUB",
                   costs: Mapping[str, Decimal] | None = None, account_id: str = "") -> list[ResourceRecord]:
    """Cinder ``/volumes/detail``."""
    records = []
    for volume in volumes:
        volume_id = to_text(volume.get("id"))
        raw_status = to_text(volume.get("status")).lower()
        daily = (costs or {}).get(volume_id)
        attachments = [to_text(a.get("server_id")) for a in volume.get("attachments") or [] if isinstance(a, dict)]
        records.append(ResourceRecord(
            provider=provider,
            resource_id=volume_id,
            resource_name=to_text(volume.get("name")) or volume_id,
            resource_type=VOLUME,
            kind=KINDS[VOLUME],
            service_name="Storage",
            status=_status(raw_status, VOLUME_STATUS),
            provider_status=raw_status,
            region=region,
            account_id=account_id,
            project_id=to_text(volume.get("os-vol-tenant-attr:tenant_id")),
            currency=currency,
            **hourly_costs(daily),
            created_at=to_datetime(volume.get("created_at")),
            specs={"disk_gb": to_int(volume.get("size")), "volume_type": to_text(volume.get("volume_type")),
                   "zone": to_text(volume.get("availability_zone")),
                   "bootable": to_text(volume.get("bootable")).lower() == "true", "attached_to": attachments},
            tags=_metadata(volume),
            provider_config={"hourly_cost": hourly_price(daily), "multiattach": bool(volume.get("multiattach"))},
        ))
    return records


def floating_ip_records(floating_ips: Iterable[Mapping[str, Any]], *, provider: str, region: str,
                        currency: str = "RUB", costs: Mapping[str, Decimal] | None = None,
                        account_id: str = "", ports: Mapping[str, Mapping[str, Any]] | None = None
                        ) -> list[ResourceRecord]:
    """Neutron ``/v2.0/floatingips``: an address with no ``port_id`` is allocated but attached to nothing.
    Its port says what it is attached to: ``port_details`` (the fip-port-details extension) or, without it,
    ``ports`` (Neutron ``/v2.0/ports`` by id): the port's ``device_id`` (a server, a router, a load balancer,
    by ``device_owner``); a port that no device uses leaves the address attached to nothing as well."""
    records = []
    for item in floating_ips:
        ip_id = to_text(item.get("id"))
        address = to_text(item.get("floating_ip_address"))
        raw_status = to_text(item.get("status")).upper()
        daily = (costs or {}).get(ip_id)
        port_id = to_text(item.get("port_id"))
        port = item.get("port_details") if isinstance(item.get("port_details"), dict) else None
        if port is None and port_id:
            port = (ports or {}).get(port_id)
        device = {"attached_to": to_text(port.get("device_id")), "device_owner": to_text(port.get("device_owner"))} \
            if port is not None else {}
        attached = bool(port_id) and (port is None or bool(device["attached_to"]))
        records.append(ResourceRecord(
            provider=provider,
            resource_id=ip_id,
            resource_name=address or ip_id,
            resource_type=FLOATING_IP,
            kind=KINDS[FLOATING_IP],
            service_name="Network",
            status=_status(raw_status, FLOATING_IP_STATUS),
            provider_status=raw_status,
            region=to_text(item.get("region")) or region,
            account_id=account_id,
            project_id=to_text(item.get("project_id") or item.get("tenant_id")),
            currency=currency,
            **hourly_costs(daily),
            created_at=to_datetime(item.get("created_at")),
            specs={"public_ip": address, "private_ip": to_text(item.get("fixed_ip_address")),
                   "attached": attached, **({"attached_to": device["attached_to"]} if device else {})},
            tags={to_text(tag): "" for tag in item.get("tags") or [] if to_text(tag)},
            provider_config={"hourly_cost": hourly_price(daily), "port_id": port_id,
                             "router_id": to_text(item.get("router_id")),
                             "floating_network_id": to_text(item.get("floating_network_id")),
                             **({"device_owner": device["device_owner"]} if device else {})},
        ))
    return records


def _gib(size_bytes: Any) -> str | None:
    number = to_decimal(size_bytes)
    return None if number is None else str((number / _GIB).quantize(_CENTS, rounding=ROUND_HALF_UP))


def _tag_list(item: Mapping[str, Any]) -> dict[str, str]:
    """Glance and Octavia ``tags``: a list of strings, each a key without a value."""
    return {to_text(tag): "" for tag in item.get("tags") or [] if to_text(tag)}


def _hourly_record(item: Mapping[str, Any], *, resource_id: str, resource_type: str, daily: Decimal | None,
                   provider_config: Mapping[str, Any], **fields: Any) -> ResourceRecord:
    """A record of an hourly-billed OpenStack resource: its name (the id when it has none), kind, creation time,
    the cost fields of ``daily`` and the hourly price beside the provider's own details."""
    return ResourceRecord(
        resource_id=resource_id, resource_name=to_text(item.get("name")) or resource_id, resource_type=resource_type,
        kind=KINDS[resource_type], created_at=to_datetime(item.get("created_at")), **hourly_costs(daily),
        provider_config={"hourly_cost": hourly_price(daily), **provider_config}, **fields)


def snapshot_records(snapshots: Iterable[Mapping[str, Any]], *, provider: str, region: str, currency: str = "RUB",
                     costs: Mapping[str, Decimal] | None = None, account_id: str = "") -> list[ResourceRecord]:
    """Cinder ``/snapshots/detail``: ``size`` in GiB (of the source volume), ``volume_id`` its source."""
    records = []
    for item in snapshots:
        snapshot_id = to_text(item.get("id"))
        raw_status = to_text(item.get("status")).lower()
        records.append(_hourly_record(
            item, provider=provider, resource_id=snapshot_id, resource_type=SNAPSHOT, service_name="Storage",
            status=_status(raw_status, SNAPSHOT_STATUS), provider_status=raw_status, region=region,
            account_id=account_id, project_id=to_text(item.get("os-extended-snapshot-attributes:project_id")),
            currency=currency, daily=(costs or {}).get(snapshot_id),
            specs={"size_gb": to_int(item.get("size")), "source_volume_id": to_text(item.get("volume_id"))},
            tags=_metadata(item),
            provider_config={"progress": to_text(item.get("os-extended-snapshot-attributes:progress"))}))
    return records


def image_records(images: Iterable[Mapping[str, Any]], *, provider: str, region: str, currency: str = "RUB",
                  costs: Mapping[str, Decimal] | None = None, account_id: str = "",
                  owner: str = "") -> list[ResourceRecord]:
    """Glance ``/v2/images``: ``size`` in bytes (null while queued), ``owner`` the project. With ``owner``,
    an image of another owner (a public or shared one the filter let through) is left out."""
    records = []
    for item in images:
        if owner and to_text(item.get("owner")) != owner:
            continue
        image_id = to_text(item.get("id"))
        raw_status = to_text(item.get("status")).lower()
        records.append(_hourly_record(
            item, provider=provider, resource_id=image_id, resource_type=IMAGE, service_name="Storage",
            status=_status(raw_status, IMAGE_STATUS), provider_status=raw_status, region=region,
            account_id=account_id, project_id=to_text(item.get("owner")), currency=currency,
            daily=(costs or {}).get(image_id),
            specs={"size_gb": _gib(item.get("size")), "disk_format": to_text(item.get("disk_format")),
                   "min_disk_gb": to_int(item.get("min_disk")), "visibility": to_text(item.get("visibility"))},
            tags=_tag_list(item),
            provider_config={"container_format": to_text(item.get("container_format")),
                             "protected": bool(item.get("protected"))}))
    return records


def _load_balancer_status(provisioning: str, operating: str) -> str:
    if provisioning in LB_PROVISIONING_STATUS:
        return LB_PROVISIONING_STATUS[provisioning]
    if provisioning == "ACTIVE":
        return _status(operating, LB_OPERATING_STATUS)
    return _status(provisioning, {})


def load_balancer_records(load_balancers: Iterable[Mapping[str, Any]], *, provider: str, region: str,
                          currency: str = "RUB", costs: Mapping[str, Decimal] | None = None,
                          account_id: str = "") -> list[ResourceRecord]:
    """Octavia ``/v2/lbaas/loadbalancers``: ``provider_status`` is ``<provisioning>/<operating>``."""
    records = []
    for item in load_balancers:
        lb_id = to_text(item.get("id"))
        provisioning = to_text(item.get("provisioning_status")).upper()
        operating = to_text(item.get("operating_status")).upper()
        records.append(_hourly_record(
            item, provider=provider, resource_id=lb_id, resource_type=LOAD_BALANCER, service_name="Network",
            status=_load_balancer_status(provisioning, operating),
            provider_status=f"{provisioning}/{operating}" if operating else provisioning, region=region,
            account_id=account_id, project_id=to_text(item.get("project_id") or item.get("tenant_id")),
            currency=currency, daily=(costs or {}).get(lb_id),
            specs={"private_ip": to_text(item.get("vip_address")), "zone": to_text(item.get("availability_zone")),
                   "listeners": len([x for x in item.get("listeners") or [] if isinstance(x, dict)]),
                   "pools": len([x for x in item.get("pools") or [] if isinstance(x, dict)])},
            tags=_tag_list(item),
            provider_config={"vip_port_id": to_text(item.get("vip_port_id")),
                             "vip_network_id": to_text(item.get("vip_network_id")),
                             "flavor_id": to_text(item.get("flavor_id")), "backend": to_text(item.get("provider")),
                             "admin_state_up": bool(item.get("admin_state_up", True))}))
    return records


# --- Gnocchi ---------------------------------------------------------------------------------------
def _measures(measures: Any) -> list[tuple[datetime, Decimal, Decimal]]:
    """Gnocchi measures ``[[timestamp, granularity, value], ...]`` of one granularity, oldest first. An archive
    policy may keep several (e.g. 1 min for a day, 1 h for a year): the one reaching furthest back is used,
    the finest of those that reach as far."""
    if not isinstance(measures, list):
        raise ValueError("measures are not a list")
    points = []
    for row in measures:
        if not isinstance(row, list | tuple) or len(row) != 3:
            raise ValueError("a measure is not [timestamp, granularity, value]")
        stamp, granularity, value = to_datetime(row[0]), to_decimal(row[1]), to_decimal(row[2])
        if stamp is not None and granularity is not None and granularity > 0 and value is not None:
            points.append((stamp, granularity, value))
    if not points:
        return []
    earliest: dict[Decimal, datetime] = {}
    for stamp, granularity, _ in points:
        earliest[granularity] = min(stamp, earliest.get(granularity, stamp))
    chosen = min(earliest, key=lambda g: (earliest[g], g))
    return sorted(p for p in points if p[1] == chosen)


def _hour(stamp: datetime) -> datetime:
    return stamp.replace(minute=0, second=0, microsecond=0)


def cpu_series(measures: Any, *, resource_id: str, metric: str, vcpus: int | None) -> MetricSeries:
    """Gnocchi measures of an instance -> hourly ``cpu_percent`` (each hour the mean of its points).

    - ``cpu_util`` (older Ceilometer): already a percent, averaged per hour.
    - ``cpu`` (cumulative CPU time in ns, Ceilometer's default): between two consecutive points
      ``(t0, v0)``, ``(t1, v1)`` the usage is ``(v1 - v0) / ((t1 - t0) s x 10^9 x vcpus) x 100``, counted in
      the hour of ``t1``; a counter that went down (a restart) gives no point; without ``vcpus`` there is
      nothing to divide by and no point.
    """
    points = _measures(measures)
    samples: list[tuple[datetime, Decimal]] = []
    if metric == "cpu_util":
        samples = [(stamp, value) for stamp, _, value in points]
    elif vcpus:
        for (t0, _, v0), (t1, _, v1) in zip(points, points[1:], strict=False):
            seconds = Decimal(str((t1 - t0).total_seconds()))
            if seconds > 0 and v1 >= v0:
                samples.append((t1, (v1 - v0) * 100 / (seconds * _NANOSECONDS * vcpus)))
    hours: dict[datetime, list[Decimal]] = {}
    for stamp, value in samples:
        hours.setdefault(_hour(stamp), []).append(value)
    series = tuple((hour, (sum(values) / len(values)).quantize(_CENTS, rounding=ROUND_HALF_UP))
                   for hour, values in sorted(hours.items()))
    return MetricSeries(resource_id=resource_id, metric=MetricName.CPU_PERCENT,
                        unit=metric_unit(MetricName.CPU_PERCENT), points=series)
