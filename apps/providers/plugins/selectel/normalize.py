"""Pure functions: Selectel payloads -> canonical dataclasses. No HTTP, no database.

All Selectel money is integer kopecks (1/100 RUB), sometimes sent as a string: every amount goes
through ``kopecks``. Selectel bills hourly; a resource's daily cost is what the consumption
statistics charged it for one whole day (= hourly price x 24), the hourly figure is kept beside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.inventory.vocabulary import ResourceKind, ResourceStatus
from apps.providers.plugins.base import AccountInfo, CostLine, ResourceRecord, ServiceLimit, kind_of
from apps.providers.plugins.openstack import normalize as openstack
from apps.providers.plugins.openstack.normalize import hourly_costs, hourly_price
from apps.providers.plugins.parsing import to_datetime, to_decimal, to_text

PROVIDER = "selectel"
CURRENCY = "RUB"
DAYS_PER_MONTH = Decimal(30)
HOURS_PER_DAY = Decimal(24)
_CENTS = Decimal("0.01")


# --- lenient scalars --------------------------------------------------------------------------


def kopecks(value: Any) -> Decimal | None:
    """Integer kopecks (number or string) -> Decimal roubles."""
    number = to_decimal(value)
    return None if number is None else (number / 100).quantize(_CENTS, rounding=ROUND_HALF_UP)


def region_of_zone(zone: str) -> str:
    """``ru-3b`` -> ``ru-3``; a region name stays as it is."""
    zone = to_text(zone)
    return zone[:-1] if zone and zone[-1].isalpha() and zone[-2:-1].isdigit() else zone


def _data(payload: Any, *, kind: type) -> Any:
    """Unwrap ``{"status": "success", "data": ...}``; a bare payload of the right kind is accepted too."""
    if isinstance(payload, dict) and "data" in payload:
        status = to_text(payload.get("status")) or "success"
        if status != "success":
            raise ValueError(f"answer status is {status!r}")
        payload = payload["data"]
    if not isinstance(payload, kind):
        raise ValueError(f"expected {kind.__name__} in the answer")
    return payload


# --- account ----------------------------------------------------------------------------------
def balance(payload: Any) -> Decimal:
    """``/v3/balances`` (``data.billings[]``) or ``/v4/balances`` (``data.agreements[].billings[]``).

    The balance is the sum of ``final_sum`` (money left after debts) over the billings.
    """
    data = _data(payload, kind=dict)
    billings = list(data.get("billings") or [])
    for agreement in data.get("agreements") or []:
        if isinstance(agreement, dict):
            billings.extend(agreement.get("billings") or [])
    amounts = [kopecks(b.get("final_sum")) for b in billings if isinstance(b, dict)]
    amounts = [a for a in amounts if a is not None]
    if not amounts:
        raise ValueError("no final_sum in balances")
    return sum(amounts, Decimal(0))


def days_to_block(payload: Any) -> int | None:
    """``/v2/billing/prediction``: hours the balance lasts per wallet (null = no services there)."""
    data = _data(payload, kind=dict)
    hours = to_decimal(data.get("primary"))
    if hours is None:
        others = [to_decimal(v) for v in data.values()]
        others = [h for h in others if h is not None]
        hours = min(others) if others else None
    return None if hours is None else int(hours // HOURS_PER_DAY)


def projects(payload: Any) -> list[dict[str, Any]]:
    """Resell ``/projects`` -> [{id, name, enabled}]."""
    items = payload.get("projects") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise ValueError("projects is not a list")
    return [{"id": to_text(p.get("id")), "name": to_text(p.get("name")), "enabled": p.get("enabled") is not False}
            for p in items if isinstance(p, dict) and p.get("id")]


_QUOTA_UNITS = {"compute_ram": "MB", "image_gigabytes": "GB", "network_floatingips": "",
                "compute_cores": "vCPU"}


def quota_limits(quotas_by_project: Mapping[str, Any]) -> dict[str, ServiceLimit]:
    """Quota answers ``{"quotas": {"<resource>": [{"region", "zone", "value", "used"}]}}`` summed
    over projects, regions and zones. ``used`` is None when Selectel did not report it."""
    limits: dict[str, Decimal] = defaultdict(Decimal)
    used: dict[str, Decimal] = {}
    for payload in quotas_by_project.values():
        quotas = payload.get("quotas") if isinstance(payload, dict) else None
        if not isinstance(quotas, dict):
            raise ValueError("quotas is not an object")
        for resource, entries in quotas.items():
            for entry in entries or []:
                if not isinstance(entry, dict):
                    continue
                limits[resource] += to_decimal(entry.get("value")) or Decimal(0)
                if to_decimal(entry.get("used")) is not None:
                    used[resource] = used.get(resource, Decimal(0)) + to_decimal(entry.get("used"))
    return {
        name: ServiceLimit(used=used.get(name), limit=limit, unit=_QUOTA_UNITS.get(
            name, "GB" if "gigabytes" in name else ""))
        for name, limit in sorted(limits.items())
    }


def account_info(*, account_id: str, balances_payload: Any, prediction_payload: Any = None,
                 daily_rate: Decimal | None = None, limits: Mapping[str, ServiceLimit] | None = None,
                 account_payload: Any = None) -> AccountInfo:
    days = days_to_block(prediction_payload) if prediction_payload is not None else None
    money = balance(balances_payload)
    if days is None and daily_rate:
        days = int(money // daily_rate) if money > 0 else 0
    account = account_payload.get("account") if isinstance(account_payload, dict) else None
    status = "active"
    if isinstance(account, dict) and (account.get("locked") or account.get("enabled") is False):
        status = "blocked"
    return AccountInfo(
        account_id=account_id,
        currency=CURRENCY,
        status=status,
        balance=money,
        daily_rate=daily_rate,
        monthly_rate=None,  # Selectel reports no monthly figure: never derived from a day's consumption
        days_to_block=days,
        limits=dict(limits or {}),
    )


# --- consumption statistics ---------------------------------------------------------------------
def consumption_rows(payload: Any) -> list[dict[str, Any]]:
    """``/v1/cloud_billing/statistic/consumption`` -> its rows (``value`` in kopecks)."""
    return [row for row in _data(payload, kind=list) if isinstance(row, dict)]


def _object(row: Mapping[str, Any]) -> dict[str, Any]:
    obj = row.get("object")
    return obj if isinstance(obj, dict) else {}


def _metric(row: Mapping[str, Any]) -> dict[str, Any]:
    metric = row.get("metric")
    return metric if isinstance(metric, dict) else {}


def _project(row: Mapping[str, Any]) -> dict[str, Any]:
    project = row.get("project")
    return project if isinstance(project, dict) else {}


SERVER, VOLUME, CLOUD_SERVICE = openstack.SERVER, openstack.VOLUME, "cloud_service"
KINDS = {**openstack.KINDS, CLOUD_SERVICE: ResourceKind.OTHER}
# A billed object OpenStack does not list is known by the service that bills it (``provider_key``).
_KIND_BY_PROVIDER_KEY = {"dbaas": ResourceKind.DATABASE, "mks": ResourceKind.KUBERNETES}


def resource_type_of(object_type: str) -> str:
    object_type = to_text(object_type)
    if object_type == "cloud_vm":
        return SERVER
    if object_type.startswith("volume"):
        return VOLUME
    return CLOUD_SERVICE


def kind_of_row(row: Mapping[str, Any]) -> str:
    """The kind of a consumption row's object: by its type, a managed service by the billing service."""
    resource_type = resource_type_of(_object(row).get("type"))
    if resource_type == CLOUD_SERVICE:
        return _KIND_BY_PROVIDER_KEY.get(to_text(row.get("provider_key")), ResourceKind.OTHER)
    return kind_of(KINDS, resource_type)


_SERVICE_BY_PROVIDER_KEY = {"vpc": "Compute", "dbaas": "Database", "mks": "Kubernetes",
                            "craas": "Container Registry"}


def service_of(row: Mapping[str, Any]) -> str:
    if resource_type_of(_object(row).get("type")) == VOLUME:
        return "Storage"
    key = to_text(row.get("provider_key"))
    return _SERVICE_BY_PROVIDER_KEY.get(key, key.upper() or "Cloud")


def _day(row: Mapping[str, Any]) -> date | None:
    when = to_datetime(row.get("period")) or to_datetime(row.get("provision_start"))
    return None if when is None else when.date()


def cost_lines(rows: Iterable[Mapping[str, Any]]) -> list[CostLine]:
    """One CostLine per day, object and service: the metrics of an object summed, kopecks -> roubles."""
    totals: dict[tuple[date, str, str], Decimal] = defaultdict(Decimal)
    names: dict[str, str] = {}
    for row in rows:
        day, amount = _day(row), to_decimal(row.get("value"))
        if day is None or amount is None:
            continue
        obj = _object(row)
        object_id = to_text(obj.get("id")) or f"project:{to_text(_project(row).get('id'))}"
        totals[(day, object_id, service_of(row))] += amount
        names.setdefault(object_id, to_text(obj.get("name")))
    return [
        CostLine(provider=PROVIDER, resource_id=object_id, day=day, amount=kopecks(amount), currency=CURRENCY,
                 service_name=service, description=names.get(object_id, ""))
        for (day, object_id, service), amount in sorted(totals.items())
    ]


def daily_costs(rows: Iterable[Mapping[str, Any]]) -> dict[str, Decimal]:
    """{object id: roubles} over the rows (fetch exactly one whole day to get the daily cost)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        amount = to_decimal(row.get("value"))
        object_id = to_text(_object(row).get("id"))
        if amount is not None and object_id:
            totals[object_id] += amount
    return {object_id: kopecks(amount) for object_id, amount in totals.items()}


def consumption_records(rows: Iterable[Mapping[str, Any]], *, account_id: str = "",
                        exclude_types: frozenset[str] = frozenset()) -> list[ResourceRecord]:
    """Resources as the billing sees them (one per object), for accounts without a service user
    or for what OpenStack does not list (managed databases, Kubernetes, registries)."""
    objects: dict[str, dict[str, Any]] = {}
    for row in rows:
        obj = _object(row)
        object_id = to_text(obj.get("id"))
        if not object_id or resource_type_of(obj.get("type")) in exclude_types:
            continue
        entry = objects.setdefault(object_id, {"row": row, "amount": Decimal(0), "metrics": {}})
        entry["amount"] += to_decimal(row.get("value")) or Decimal(0)
        metric = _metric(row)
        if metric.get("id"):
            entry["metrics"][to_text(metric.get("id"))] = {
                "name": to_text(metric.get("name")), "quantity": str(to_decimal(metric.get("quantity")) or ""),
                "unit": to_text(metric.get("unit"))}
    records = []
    for object_id, entry in sorted(objects.items()):
        row = entry["row"]
        obj, metric, project = _object(row), _metric(row), _project(row)
        daily = kopecks(entry["amount"])
        zone = to_text(metric.get("region"))
        records.append(ResourceRecord(
            provider=PROVIDER,
            resource_id=object_id,
            resource_name=to_text(obj.get("name")) or object_id,
            resource_type=resource_type_of(obj.get("type")),
            kind=kind_of_row(row),
            service_name=service_of(row),
            status=ResourceStatus.RUNNING,  # billed that day
            provider_status="billed",
            region=region_of_zone(zone),
            account_id=to_text(row.get("account_id")) or account_id,
            project_id=to_text(project.get("id")),
            currency=CURRENCY,
            **hourly_costs(daily),
            specs={"object_type": to_text(obj.get("type")), "type_name": to_text(obj.get("type_name")),
                   "zone": zone, "parent_id": to_text(obj.get("parent_id")),
                   "metrics": entry["metrics"]},
            provider_config={"provider_key": to_text(row.get("provider_key")), "project": project,
                             "object": obj, "hourly_cost": hourly_price(daily)},
        ))
    return records
