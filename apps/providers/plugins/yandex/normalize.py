"""Pure functions: Yandex Cloud REST payloads -> canonical dataclasses. No HTTP, no database.

Yandex serializes proto3 ``int64`` fields as JSON strings (``"memory": "17179869184"``) while its docs
print them as numbers; empty lists and default values are omitted. Every scalar goes through the
lenient parsers below, and every field is optional.

Prices: the REST API returns no price per resource (costs come from billing, see
docs/providers/yandex.md), so ``daily_cost``/``monthly_cost`` stay ``None`` (unknown), never a guess.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus, metric_unit
from apps.providers.plugins.base import AccountInfo, MetricSeries, ResourceRecord, kind_of
from apps.providers.plugins.parsing import to_datetime, to_decimal, to_int, to_text

PROVIDER = "yandex"
GIB = Decimal(1024**3)

CLOUD, FOLDER, VM, DISK, SNAPSHOT, ADDRESS = "cloud", "folder", "vm", "disk", "snapshot", "ip_address"
# Clouds and folders are containers of resources (Resource Manager), not resources of a kind.
KINDS = {CLOUD: ResourceKind.OTHER, FOLDER: ResourceKind.OTHER, VM: ResourceKind.COMPUTE,
         DISK: ResourceKind.VOLUME, SNAPSHOT: ResourceKind.SNAPSHOT, ADDRESS: ResourceKind.IP_ADDRESS}


# --- lenient scalars --------------------------------------------------------------------------


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float | Decimal):
        return value != 0
    return str(value).strip().lower() in {"1", "true", "yes"}


def gib(value: Any) -> str | None:
    """Bytes -> GiB as a decimal string with two places (Yandex's "GB" are 2^30 bytes)."""
    number = to_decimal(value)
    return None if number is None else str((number / GIB).quantize(Decimal("0.01")))


def labels(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): to_text(v) for k, v in value.items()}



def _items(payload: Any, what: str) -> list[dict[str, Any]]:
    if payload is None:
        return []
    if not isinstance(payload, list):
        raise ValueError(f"{what} is not a list")
    return [item for item in payload if isinstance(item, dict)]


def _record(*, item: dict[str, Any], resource_type: str, service_name: str, status: str, provider_status: str,
            region: str = "", account_id: str = "", project_id: str = "", specs: dict[str, Any],
            daily_cost: Decimal | None = None, monthly_cost: Decimal | None = None,
            billing_period: str = "hourly", pricing_model: str = "on_demand") -> ResourceRecord:
    resource_id = to_text(item.get("id"))
    if not resource_id:
        raise ValueError(f"{resource_type} without id")
    return ResourceRecord(
        provider=PROVIDER,
        resource_id=resource_id,
        resource_name=to_text(item.get("name")) or resource_id,
        resource_type=resource_type,
        kind=kind_of(KINDS, resource_type),
        service_name=service_name,
        status=status,
        provider_status=provider_status,
        region=region,
        account_id=account_id,
        project_id=project_id,
        daily_cost=daily_cost,
        monthly_cost=monthly_cost,
        pricing_model=pricing_model,
        billing_period=billing_period,
        created_at=to_datetime(item.get("createdAt")),
        specs=specs,
        tags=labels(item.get("labels")),
        provider_config=item,
    )


def _status(raw: str, table: dict[str, str]) -> str:
    if raw in table:
        return table[raw]
    return ResourceStatus.UNKNOWN


# --- Resource Manager -------------------------------------------------------------------------
def cloud_records(items: Any) -> list[ResourceRecord]:
    """``GET /resource-manager/v1/clouds`` items. Clouds and folders cost nothing themselves."""
    return [
        _record(item=item, resource_type=CLOUD, service_name="Resource Manager", status=ResourceStatus.RUNNING,
                provider_status="", account_id=to_text(item.get("organizationId")),
                daily_cost=Decimal(0), monthly_cost=Decimal(0), billing_period="monthly",
                specs={"organization_id": to_text(item.get("organizationId")),
                       "description": to_text(item.get("description"))})
        for item in _items(items, "clouds")
    ]


_FOLDER_STATUS = {
    "ACTIVE": ResourceStatus.RUNNING,
    "DELETING": ResourceStatus.DELETED,
    "PENDING_DELETION": ResourceStatus.DELETED,
}


def folder_records(items: Any) -> list[ResourceRecord]:
    records = []
    for item in _items(items, "folders"):
        raw = to_text(item.get("status")).upper()
        records.append(_record(
            item=item, resource_type=FOLDER, service_name="Resource Manager",
            status=_status(raw, _FOLDER_STATUS) if raw else ResourceStatus.RUNNING, provider_status=raw,
            account_id=to_text(item.get("cloudId")), daily_cost=Decimal(0), monthly_cost=Decimal(0),
            billing_period="monthly",
            specs={"cloud_id": to_text(item.get("cloudId")), "description": to_text(item.get("description"))},
        ))
    return records


# --- Compute ----------------------------------------------------------------------------------
_INSTANCE_STATUS = {
    "RUNNING": ResourceStatus.RUNNING,
    "STOPPED": ResourceStatus.STOPPED,
    "PROVISIONING": ResourceStatus.PENDING,
    "STARTING": ResourceStatus.PENDING,
    "STOPPING": ResourceStatus.PENDING,
    "RESTARTING": ResourceStatus.PENDING,
    "UPDATING": ResourceStatus.PENDING,
    "ERROR": ResourceStatus.ERROR,
    "CRASHED": ResourceStatus.ERROR,
    "DELETING": ResourceStatus.DELETED,
}


def _addresses(interfaces: Any) -> tuple[list[str], list[str]]:
    private, public = [], []
    for nic in interfaces if isinstance(interfaces, list) else []:
        if not isinstance(nic, dict):
            continue
        primary = nic.get("primaryV4Address") or {}
        if isinstance(primary, dict):
            if to_text(primary.get("address")):
                private.append(to_text(primary.get("address")))
            nat = primary.get("oneToOneNat") or {}
            if isinstance(nat, dict) and to_text(nat.get("address")):
                public.append(to_text(nat.get("address")))
    return private, public


def instance_records(items: Any, *, cloud_id: str = "") -> list[ResourceRecord]:
    """``GET /compute/v1/instances?folderId=`` items -> ``vm`` records (specs, no price)."""
    records = []
    for item in _items(items, "instances"):
        resources = item.get("resources") if isinstance(item.get("resources"), dict) else {}
        policy = item.get("schedulingPolicy") if isinstance(item.get("schedulingPolicy"), dict) else {}
        boot = item.get("bootDisk") if isinstance(item.get("bootDisk"), dict) else {}
        secondary = item.get("secondaryDisks") if isinstance(item.get("secondaryDisks"), list) else []
        private, public = _addresses(item.get("networkInterfaces"))
        preemptible = to_bool(policy.get("preemptible"))
        raw = to_text(item.get("status")).upper()
        records.append(_record(
            item=item, resource_type=VM, service_name="Compute", status=_status(raw, _INSTANCE_STATUS),
            provider_status=raw, region=to_text(item.get("zoneId")), account_id=cloud_id,
            project_id=to_text(item.get("folderId")),
            pricing_model="preemptible" if preemptible else "on_demand",
            specs={
                "platform": to_text(item.get("platformId")),
                "cpu_cores": to_int(resources.get("cores")),
                "core_fraction": to_int(resources.get("coreFraction")) or 100,
                "memory_gb": gib(resources.get("memory")),
                "gpus": to_int(resources.get("gpus")) or 0,
                "zone": to_text(item.get("zoneId")),
                "preemptible": preemptible,
                "fqdn": to_text(item.get("fqdn")),
                "boot_disk_id": to_text(boot.get("diskId")),
                "disk_ids": [to_text(boot.get("diskId"))] * bool(to_text(boot.get("diskId")))
                + [to_text(d.get("diskId")) for d in secondary if isinstance(d, dict) and d.get("diskId")],
                "private_ips": private,
                "ip_addresses": public,
                "service_account_id": to_text(item.get("serviceAccountId")),
            },
        ))
    return records


_DISK_STATUS = {
    "READY": ResourceStatus.RUNNING,
    "CREATING": ResourceStatus.PENDING,
    "ERROR": ResourceStatus.ERROR,
    "DELETING": ResourceStatus.DELETED,
}


def disk_records(items: Any, *, cloud_id: str = "") -> list[ResourceRecord]:
    """``GET /compute/v1/disks?folderId=``: a disk with no ``instanceIds`` is attached to nothing."""
    records = []
    for item in _items(items, "disks"):
        instance_ids = [to_text(i) for i in item.get("instanceIds") or [] if to_text(i)]
        raw = to_text(item.get("status")).upper()
        records.append(_record(
            item=item, resource_type=DISK, service_name="Storage", status=_status(raw, _DISK_STATUS),
            provider_status=raw, region=to_text(item.get("zoneId")), account_id=cloud_id,
            project_id=to_text(item.get("folderId")),
            specs={
                "disk_type": to_text(item.get("typeId")),
                "disk_gb": gib(item.get("size")),
                "block_size": to_int(item.get("blockSize")),
                "zone": to_text(item.get("zoneId")),
                "instance_ids": instance_ids,
                "attached": bool(instance_ids),
                "source_image_id": to_text(item.get("sourceImageId")),
                "source_snapshot_id": to_text(item.get("sourceSnapshotId")),
            },
        ))
    return records


def snapshot_records(items: Any, *, cloud_id: str = "") -> list[ResourceRecord]:
    """``GET /compute/v1/snapshots?folderId=``: billed by ``storageSize``, not by the source disk size."""
    records = []
    for item in _items(items, "snapshots"):
        raw = to_text(item.get("status")).upper()
        records.append(_record(
            item=item, resource_type=SNAPSHOT, service_name="Storage", status=_status(raw, _DISK_STATUS),
            provider_status=raw, account_id=cloud_id, project_id=to_text(item.get("folderId")),
            specs={
                "storage_gb": gib(item.get("storageSize")),
                "disk_gb": gib(item.get("diskSize")),
                "source_disk_id": to_text(item.get("sourceDiskId")),
            },
        ))
    return records


# --- VPC --------------------------------------------------------------------------------------
def address_records(items: Any, *, cloud_id: str = "") -> list[ResourceRecord]:
    """``GET /vpc/v1/addresses?folderId=``: a reserved address that is not ``used`` is idle (inactive)."""
    records = []
    for item in _items(items, "addresses"):
        external = item.get("externalIpv4Address") if isinstance(item.get("externalIpv4Address"), dict) else {}
        internal = item.get("internalIpv4Address") if isinstance(item.get("internalIpv4Address"), dict) else {}
        used = to_bool(item.get("used"))
        records.append(_record(
            item=item, resource_type=ADDRESS, service_name="Network",
            status=ResourceStatus.RUNNING if used else ResourceStatus.INACTIVE,
            provider_status="USED" if used else "UNUSED", region=to_text(external.get("zoneId")),
            account_id=cloud_id, project_id=to_text(item.get("folderId")),
            specs={
                "address": to_text(external.get("address")) or to_text(internal.get("address")),
                "external": bool(external),
                "reserved": to_bool(item.get("reserved")),
                "used": used,
                "zone": to_text(external.get("zoneId")),
                "ip_version": to_text(item.get("ipVersion")) or "IPV4",
                "deletion_protection": to_bool(item.get("deletionProtection")),
            },
        ))
    return records


# --- Billing ----------------------------------------------------------------------------------
def account_info(billing_account: dict[str, Any] | None, *, fallback_id: str = "") -> AccountInfo:
    """``GET /billing/v1/billingAccounts/{id}`` -> AccountInfo; ``balance`` is a decimal string.

    Without a readable billing account (the role ``billing.accounts.viewer`` is missing) the account is
    the cloud, with no balance.
    """
    if not billing_account:
        return AccountInfo(account_id=fallback_id, currency="RUB", status="")
    if not isinstance(billing_account, dict):
        raise ValueError("billing account is not an object")
    active = billing_account.get("active")
    return AccountInfo(
        account_id=to_text(billing_account.get("id")) or fallback_id,
        currency=to_text(billing_account.get("currency")).upper() or "RUB",
        plan_name=to_text(billing_account.get("name")),
        status="" if active is None else ("active" if to_bool(active) else "inactive"),
        balance=to_decimal(billing_account.get("balance")),
        server={"country_code": to_text(billing_account.get("countryCode"))},
    )


def pick_billing_account(items: Any, *, wanted: str = "") -> dict[str, Any] | None:
    accounts = _items(items, "billingAccounts")
    if wanted:
        return next((a for a in accounts if to_text(a.get("id")) == wanted), None)
    return next((a for a in accounts if to_bool(a.get("active"))), accounts[0] if accounts else None)


# --- Monitoring -------------------------------------------------------------------------------
def cpu_series(payload: Any, *, resource_id: str) -> MetricSeries:
    """``POST /monitoring/v2/data/read`` answer -> ``cpu_percent`` points (timestamps are Unix ms)."""
    if not isinstance(payload, dict):
        raise ValueError("monitoring answer is not an object")
    metrics = [m for m in _items(payload.get("metrics"), "metrics")]
    chosen = next((m for m in metrics if labels(m.get("labels")).get("resource_id") == resource_id),
                  metrics[0] if metrics else None)
    points: list[tuple[datetime, Decimal]] = []
    if chosen is not None:
        series = chosen.get("timeseries") if isinstance(chosen.get("timeseries"), dict) else {}
        stamps = series.get("timestamps") or []
        values = series.get("doubleValues")
        if values is None:
            values = series.get("int64Values") or []
        if not isinstance(stamps, list) or not isinstance(values, list):
            raise ValueError("timeseries has an unexpected shape")
        for stamp, value in zip(stamps, values, strict=False):
            millis, number = to_int(stamp), to_decimal(value)  # "NaN" (a gap) parses to None
            if millis is not None and number is not None:
                points.append((datetime.fromtimestamp(millis / 1000, tz=UTC), number))
    return MetricSeries(resource_id=resource_id, metric=MetricName.CPU_PERCENT,
                        unit=metric_unit(MetricName.CPU_PERCENT), points=tuple(points))
