"""Pure functions: Cloud.ru Evolution payloads -> canonical dataclasses. No HTTP, no database.

Money: the consumption API v2 gives ``amount`` per row **without VAT** (documented). InfraZen shows that
figure as it is (the ledger's billed cost, the card's daily rate, a resource's daily cost) and keeps VAT
beside it in the ledger's extras: ``x_VatRate``, ``x_VatAmount`` and ``x_AmountWithVat``, at the Russian
general rate of the charge day (20 % until 2025-12-31, 22 % from 2026-01-01, Federal Law 425-FZ).
Why without VAT: it is the provider's figure, every other provider's ledger rows are what its API gives,
and a VAT-payer organization reclaims the VAT. See docs/providers/cloudru.md.

Every scalar goes through the lenient parsers: numbers may come as strings, fields may be missing or null.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.inventory.vocabulary import ResourceKind, ResourceStatus
from apps.providers.plugins.base import AccountInfo, CostLine, ResourceRecord, kind_of
from apps.providers.plugins.parsing import to_bool, to_datetime, to_decimal, to_int, to_text

PROVIDER = "cloudru"
CURRENCY = "RUB"
DAYS_PER_MONTH = Decimal(30)
_CENTS = Decimal("0.01")

VM, DISK = "vm", "disk"
KINDS = {VM: ResourceKind.COMPUTE, DISK: ResourceKind.VOLUME}

# The general VAT rate by the first day it applies (newest first).
VAT_RATES: tuple[tuple[date, Decimal], ...] = (
    (date(2026, 1, 1), Decimal("0.22")),
    (date.min, Decimal("0.20")),
)


def vat_rate(day: date) -> Decimal:
    return next(rate for since, rate in VAT_RATES if day >= since)


# --- consumption ------------------------------------------------------------------------------
def _meta(row: Mapping[str, Any]) -> dict[str, Any]:
    meta = row.get("meta")
    return meta if isinstance(meta, dict) else {}


def row_day(row: Mapping[str, Any]) -> date | None:
    """``usedate``: the day the consumption quantum belongs to (a date or a date-time)."""
    for key in ("usedate", "use_date", "date"):
        when = to_datetime(row.get(key))
        if when is not None:
            return when.date()
    return None


def row_project(row: Mapping[str, Any]) -> str:
    return to_text(row.get("project_id")) or to_text(_meta(row).get("project_id"))


def counted(row: Mapping[str, Any]) -> bool:
    """Rows flagged ``is_delete`` were withdrawn at the source and are not counted."""
    return not to_bool(row.get("is_delete"))


def _amount(row: Mapping[str, Any]) -> Decimal | None:
    """A row's amount when the row counts: it has a day and an amount and was not withdrawn."""
    if row_day(row) is None or not counted(row):
        return None
    return to_decimal(row.get("amount"))


def cost_lines(rows: Iterable[Mapping[str, Any]], *, account_id: str = "") -> list[CostLine]:
    """One CostLine per day, resource and SKU: the day's consumption quanta summed, amount without VAT.

    A row without a resource (a charge of the agreement) is filed under ``account_id``, which the ledger
    keeps as an account-level charge.
    """
    totals: dict[tuple[date, str, str, str], dict[str, Any]] = {}
    for row in rows:
        day, amount = row_day(row), to_decimal(row.get("amount"))
        if day is None or amount is None or not counted(row):
            continue
        resource_id = to_text(row.get("resource_id")) or account_id
        sku, service = to_text(row.get("sku")), to_text(row.get("servname"))
        entry = totals.setdefault((day, resource_id, sku, service), {
            "amount": Decimal(0), "quantity": Decimal(0), "unit": to_text(row.get("unit")),
            "name": to_text(row.get("resource_name")), "project": row_project(row)})
        entry["amount"] += amount
        entry["quantity"] += to_decimal(row.get("usefact")) or Decimal(0)
    lines = []
    for (day, resource_id, sku, service), entry in sorted(totals.items()):
        amount, rate = entry["amount"], vat_rate(day)
        vat = amount * rate
        extras = {"x_VatRate": str(rate), "x_VatAmount": str(vat), "x_AmountWithVat": str(amount + vat),
                  "x_UsageQuantity": str(entry["quantity"]), "x_UsageUnit": entry["unit"]}
        if entry["project"]:
            extras["x_ProjectId"] = entry["project"]
        lines.append(CostLine(
            provider=PROVIDER, resource_id=resource_id, day=day, amount=amount, currency=CURRENCY,
            service_name=service, description=service, resource_name=entry["name"], sku_id=sku, extras=extras))
    return lines


def daily_costs(rows: Iterable[Mapping[str, Any]]) -> dict[str, Decimal]:
    """{resource id: roubles without VAT} over the rows (fetch exactly one whole day to get the daily cost)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        amount, resource_id = _amount(row), to_text(row.get("resource_id"))
        if amount is not None and resource_id:
            totals[resource_id] += amount
    return dict(totals)


def total(rows: Iterable[Mapping[str, Any]]) -> Decimal:
    """The sum of the rows' amounts (without VAT), as ``cost_lines`` counts them."""
    amounts = (_amount(row) for row in rows)
    return sum((a for a in amounts if a is not None), Decimal(0))


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(_CENTS, rounding=ROUND_HALF_UP)


def account_info(*, customer_id: str, day_total: Decimal | None, projects: int | None = None) -> AccountInfo:
    """The public API has no balance method: the card shows the customer and the last full day's consumption
    (without VAT), never a balance guessed from elsewhere."""
    return AccountInfo(
        account_id=customer_id,
        currency=CURRENCY,
        status="active",
        balance=None,
        daily_rate=_money(day_total),
        monthly_rate=None,  # no monthly figure is reported: never derived from a day
        server={"projects": projects} if projects is not None else {},
    )


# --- projects ----------------------------------------------------------------------------------
def project_names(projects: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {to_text(p.get("id")): to_text(p.get("name")) for p in projects if to_text(p.get("id"))}


# --- Compute ----------------------------------------------------------------------------------
_VM_STATUS = {
    "running": ResourceStatus.RUNNING,
    "stopped": ResourceStatus.STOPPED,
    "shutoff": ResourceStatus.STOPPED,
    "suspended": ResourceStatus.SUSPENDED,
    "creating": ResourceStatus.PENDING,
    "starting": ResourceStatus.PENDING,
    "stopping": ResourceStatus.PENDING,
    "restarting": ResourceStatus.PENDING,
    "rebooting": ResourceStatus.PENDING,
    "updating": ResourceStatus.PENDING,
    "resizing": ResourceStatus.PENDING,
    "error": ResourceStatus.ERROR,
    "failed": ResourceStatus.ERROR,
    "deleting": ResourceStatus.DELETED,
    "deleted": ResourceStatus.DELETED,
}
_DISK_STATUS = {
    "available": ResourceStatus.RUNNING,
    "in-use": ResourceStatus.RUNNING,
    "attached": ResourceStatus.RUNNING,
    "ready": ResourceStatus.RUNNING,
    "creating": ResourceStatus.PENDING,
    "updating": ResourceStatus.PENDING,
    "error": ResourceStatus.ERROR,
    "deleting": ResourceStatus.DELETED,
    "deleted": ResourceStatus.DELETED,
}


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(payload: Any, what: str) -> list[dict[str, Any]]:
    if payload is None:
        return []
    if not isinstance(payload, list):
        raise ValueError(f"{what} is not a list")
    return [item for item in payload if isinstance(item, dict)]


def tags_of(value: Any) -> dict[str, str]:
    """Tags as an object, or as a list of ``{"key"/"name", "value"}`` or of plain names."""
    if isinstance(value, dict):
        return {str(k): to_text(v) for k, v in value.items()}
    tags: dict[str, str] = {}
    for tag in value if isinstance(value, list) else []:
        if isinstance(tag, dict):
            name = to_text(tag.get("key") or tag.get("name"))
            if name:
                tags[name] = to_text(tag.get("value"))
        elif to_text(tag):
            tags[to_text(tag)] = ""
    return tags


def _costs(daily: Decimal | None) -> dict[str, Any]:
    if daily is None:
        return {"daily_cost": None, "monthly_cost": None}
    return {"daily_cost": _money(daily), "monthly_cost": _money(daily * DAYS_PER_MONTH)}


def _addresses(interfaces: Any) -> tuple[list[str], list[str]]:
    private, public = [], []
    for interface in interfaces if isinstance(interfaces, list) else []:
        if not isinstance(interface, dict):
            continue
        if to_text(interface.get("ip_address")):
            private.append(to_text(interface.get("ip_address")))
        floating = _object(interface.get("floating_ip"))
        if to_text(floating.get("ip_address")):
            public.append(to_text(floating.get("ip_address")))
    return private, public


def vm_records(items: Any, *, project_id: str, customer_id: str = "", project_name: str = "",
               costs: Mapping[str, Decimal] | None = None) -> list[ResourceRecord]:
    """``GET /api/v1/vms?project_id=`` items: flavor (vCPU, RAM in GB, GPU), state, zone, addresses."""
    records = []
    for item in _items(items, "items"):
        resource_id = to_text(item.get("id"))
        if not resource_id:
            raise ValueError("vm without id")
        flavor, zone = _object(item.get("flavor")), _object(item.get("availability_zone"))
        raw = to_text(item.get("state")).lower()
        private, public = _addresses(item.get("interfaces"))
        ram = to_decimal(flavor.get("ram"))
        specs: dict[str, Any] = {
            "flavor": to_text(flavor.get("name")),
            "cpu_cores": to_int(flavor.get("cpu")),
            "memory_gb": None if ram is None else str(ram),
            "gpus": to_int(flavor.get("gpu")) or 0,
            "availability_zone": to_text(zone.get("name")),
            "ip_addresses": [*public, *private],
            "project_name": project_name,
        }
        if public:
            specs["public_ip"] = public[0]
        if private:
            specs["private_ip"] = private[0]
        records.append(_record(item, resource_id=resource_id, resource_type=VM, service_name="Compute",
                               status=_VM_STATUS.get(raw, ResourceStatus.UNKNOWN), raw=raw, zone=zone,
                               customer_id=customer_id, project_id=project_id, specs=specs, costs=costs))
    return records


def _record(item: Mapping[str, Any], *, resource_id: str, resource_type: str, service_name: str, status: str,
            raw: str, zone: Mapping[str, Any], customer_id: str, project_id: str, specs: Mapping[str, Any],
            costs: Mapping[str, Decimal] | None) -> ResourceRecord:
    """A Compute API item (a VM or a disk) as a record: billed by the hour, empty specs left out."""
    return ResourceRecord(
        provider=PROVIDER, resource_id=resource_id, resource_name=to_text(item.get("name")) or resource_id,
        resource_type=resource_type, kind=kind_of(KINDS, resource_type), service_name=service_name, status=status,
        provider_status=raw, region=to_text(zone.get("name")), account_id=customer_id,
        project_id=to_text(item.get("project_id")) or project_id, currency=CURRENCY, billing_period="hourly",
        created_at=to_datetime(item.get("created_time")),
        specs={k: v for k, v in specs.items() if v not in (None, "")}, tags=tags_of(item.get("tags")),
        provider_config=item, **_costs((costs or {}).get(resource_id)))


def _attached_vm(item: Mapping[str, Any]) -> str:
    vm = _object(item.get("vm"))
    if to_text(vm.get("id")):
        return to_text(vm.get("id"))
    vms = item.get("vms")
    if isinstance(vms, list):
        for entry in vms:
            if isinstance(entry, dict) and to_text(entry.get("id")):
                return to_text(entry.get("id"))
    return to_text(item.get("vm_id"))


def disk_records(items: Any, *, project_id: str, customer_id: str = "", project_name: str = "",
                 costs: Mapping[str, Decimal] | None = None) -> list[ResourceRecord]:
    """``GET /api/v1/disks?project_id=`` items: size in GB, disk type, state, the VM it is attached to."""
    records = []
    for item in _items(items, "items"):
        resource_id = to_text(item.get("id"))
        if not resource_id:
            raise ValueError("disk without id")
        disk_type, zone = _object(item.get("disk_type")), _object(item.get("availability_zone"))
        raw = to_text(item.get("state")).lower()
        attached_to = _attached_vm(item)
        size = to_decimal(item.get("size"))
        specs: dict[str, Any] = {
            "disk_gb": None if size is None else str(size),
            "disk_type": to_text(disk_type.get("name")),
            "availability_zone": to_text(zone.get("name")),
            "attached": bool(attached_to),
            "attached_to": attached_to,
            "bootable": to_bool(item.get("primary")),
            "project_name": project_name,
        }
        records.append(_record(item, resource_id=resource_id, resource_type=DISK, service_name="Storage",
                               status=_DISK_STATUS.get(raw, ResourceStatus.UNKNOWN), raw=raw, zone=zone,
                               customer_id=customer_id, project_id=project_id, specs=specs, costs=costs))
    return records
