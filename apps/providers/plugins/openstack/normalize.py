"""Pure functions: OpenStack payloads (Nova, Cinder, Neutron) -> canonical records. No HTTP, no database.

Shared by the OpenStack clouds: the caller names its provider, currency and the daily costs it knows by
resource id (from its own billing). OpenStack clouds bill by the hour: a known daily cost gives the
monthly figure (x 30) and the hourly one (/ 24, kept in ``provider_config``); an unknown one stays None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.inventory.vocabulary import ResourceKind, ResourceStatus
from apps.providers.plugins.base import ResourceRecord
from apps.providers.plugins.parsing import to_datetime, to_decimal, to_int, to_text

DAYS_PER_MONTH = Decimal(30)
HOURS_PER_DAY = Decimal(24)
_CENTS = Decimal("0.01")
_FINE = Decimal("0.0001")

SERVER, VOLUME, FLOATING_IP = "server", "volume", "floating_ip"
KINDS = {SERVER: ResourceKind.COMPUTE, VOLUME: ResourceKind.VOLUME, FLOATING_IP: ResourceKind.IP_ADDRESS}

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
                        account_id: str = "") -> list[ResourceRecord]:
    """Neutron ``/v2.0/floatingips``: an address with no ``port_id`` is allocated but attached to nothing."""
    records = []
    for item in floating_ips:
        ip_id = to_text(item.get("id"))
        address = to_text(item.get("floating_ip_address"))
        raw_status = to_text(item.get("status")).upper()
        daily = (costs or {}).get(ip_id)
        port_id = to_text(item.get("port_id"))
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
                   "attached": bool(port_id)},
            tags={to_text(tag): "" for tag in item.get("tags") or [] if to_text(tag)},
            provider_config={"hourly_cost": hourly_price(daily), "port_id": port_id,
                             "router_id": to_text(item.get("router_id")),
                             "floating_network_id": to_text(item.get("floating_network_id"))},
        ))
    return records
