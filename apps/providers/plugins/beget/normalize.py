"""Pure functions: Beget payloads -> canonical dataclasses. No HTTP, no database.

Beget returns the same field as a number in one call and a string in another ("12.66" vs 12.66,
"1" vs true): every scalar goes through the lenient parsers below.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus, metric_unit
from apps.providers.plugins.base import (
    AccountInfo,
    MetricSeries,
    ResourceRecord,
    ServiceLimit,
    kind_of,
)
from apps.providers.plugins.parsing import to_bool, to_datetime, to_decimal, to_int, to_text

PROVIDER = "beget"
CURRENCY = "RUB"
UNLIMITED = 2147483647
DAYS_PER_MONTH = Decimal(30)
_DAILY_QUANT = Decimal("0.0001")

# Beget's resource types and the provider-neutral kind of each (an FTP account and a mailbox are parts of
# the hosting plan with no kind of their own; CDN is not a kind either).
KINDS = {
    "hosting_plan": ResourceKind.HOSTING_PLAN,
    "domain": ResourceKind.DOMAIN,
    "hosting_mysql": ResourceKind.DATABASE,
    "ftp_account": ResourceKind.OTHER,
    "mailbox": ResourceKind.OTHER,
    "vps": ResourceKind.COMPUTE,
    "mysql": ResourceKind.DATABASE,
    "postgresql": ResourceKind.DATABASE,
    "s3": ResourceKind.BUCKET,
    "cdn": ResourceKind.OTHER,
    "cloud_service": ResourceKind.OTHER,
}


# --- lenient scalars --------------------------------------------------------------------------


def daily_from_monthly(monthly: Decimal | None) -> Decimal | None:
    """The daily cost baseline: a month counts as 30 days (product rule, section 6.2)."""
    if monthly is None:
        return None
    return (monthly / DAYS_PER_MONTH).quantize(_DAILY_QUANT, rounding=ROUND_HALF_UP)


def daily_and_monthly(price_day: Any, price_month: Any) -> tuple[Decimal | None, Decimal | None]:
    """Monthly as quoted; daily = monthly / 30 (falling back to the quoted daily price, or day * 30)."""
    day, month = to_decimal(price_day), to_decimal(price_month)
    if month is not None:
        return daily_from_monthly(month), month
    if day is not None:
        return day, day * DAYS_PER_MONTH
    return None, None


def _limit(result: dict[str, Any], used_key: str, limit_key: str, unit: str = "") -> ServiceLimit:
    limit = to_decimal(result.get(limit_key))
    if limit is not None and limit >= UNLIMITED:
        limit = None
    return ServiceLimit(used=to_decimal(result.get(used_key)), limit=limit, unit=unit)


# --- account ----------------------------------------------------------------------------------
def account_info(result: dict[str, Any], *, login: str) -> AccountInfo:
    """``user/getAccountInfo`` result -> AccountInfo."""
    if not isinstance(result, dict):
        raise ValueError("getAccountInfo result is not an object")
    days = to_int(result.get("user_days_to_block"))
    return AccountInfo(
        account_id=login,
        currency=CURRENCY,
        plan_name=to_text(result.get("plan_name")),
        status="active" if days is None or days > 0 else "blocked",
        balance=to_decimal(result.get("user_balance")),
        daily_rate=to_decimal(result.get("user_rate_current")),
        monthly_rate=to_decimal(result.get("user_rate_month")),
        yearly_rate=to_decimal(result.get("user_rate_year")),
        is_yearly_plan=to_bool(result.get("user_is_year_plan")),
        days_to_block=days,
        limits={
            "sites": _limit(result, "user_sites", "plan_site"),
            "domains": _limit(result, "user_domains", "plan_domain"),
            "mysql": _limit(result, "user_mysqlsize", "plan_mysql", "MB"),
            "quota": _limit(result, "user_quota", "plan_quota", "MB"),
            "ftp": _limit(result, "user_ftp", "plan_ftp"),
            "mail": _limit(result, "user_mail", "plan_mail"),
        },
        server={
            "name": to_text(result.get("server_name")),
            "cpu": to_text(result.get("server_cpu_name")),
            "memory_total_mb": to_int(result.get("server_memory")),
            "memory_used_mb": to_int(result.get("server_memorycurrent")),
            "load_average": to_text(result.get("server_loadaverage")),
            "uptime_days": to_int(result.get("server_uptime")),
            "bash_access": to_text(result.get("user_bash")),
            "control_panel": to_bool(result.get("plan_cp")),
        },
        software={
            name: to_text(result.get(f"server_{name}_version"))
            for name in ("apache", "nginx", "mysql", "php", "python", "perl")
            if result.get(f"server_{name}_version") not in (None, "")
        },
    )


def hosting_plan_record(result: dict[str, Any], *, login: str) -> ResourceRecord:
    """The hosting plan as a resource, so the account's own fee is part of inventory totals.

    Its daily cost is Beget's own current daily rate (``user_rate_current``): Beget bills hosting per
    day, so that figure is exact where monthly / 30 would not be; its monthly cost is the plan's monthly
    rate (``user_rate_month``). Neither is derived here from the other: a missing one stays None (the
    inventory's cost baseline says how it fills it).
    """
    info = account_info(result, login=login)
    daily, monthly = info.daily_rate, info.monthly_rate
    return ResourceRecord(
        provider=PROVIDER,
        resource_id=f"account:{login}",
        resource_name=info.plan_name or login,
        resource_type="hosting_plan",
        kind=KINDS["hosting_plan"],
        service_name="Hosting",
        status=ResourceStatus.RUNNING if info.status == "active" else ResourceStatus.SUSPENDED,
        provider_status=info.status,
        account_id=login,
        daily_cost=daily,
        monthly_cost=monthly,
        currency=CURRENCY,
        billing_period="yearly" if info.is_yearly_plan else "monthly",
        specs={"server": info.server.get("name", "")},
        provider_config={"plan_name": info.plan_name, "server": dict(info.server)},
    )


# --- legacy lists -----------------------------------------------------------------------------
def _items(result: Any) -> list[dict[str, Any]]:
    """Legacy lists arrive as a list, or as an object keyed by id; an empty one may be [] or {}."""
    if isinstance(result, list):
        return [item for item in result if isinstance(item, dict)]
    if isinstance(result, dict):
        return [item for item in result.values() if isinstance(item, dict)]
    if result in (None, True, False, ""):
        return []
    raise ValueError("list result has an unexpected shape")


def domain_records(result: Any, *, login: str) -> list[ResourceRecord]:
    records = []
    for item in _items(result):
        fqdn = to_text(item.get("fqdn"))
        registered = bool(to_text(item.get("registrar")) or to_text(item.get("date_expire")))
        records.append(ResourceRecord(
            provider=PROVIDER,
            resource_id=f"domain:{to_text(item.get('id')) or fqdn}",
            resource_name=fqdn,
            resource_type="domain",
            kind=KINDS["domain"],
            service_name="Network",
            status=ResourceStatus.RUNNING if registered else ResourceStatus.INACTIVE,
            provider_status=to_text(item.get("registrar_status")),
            account_id=login,
            # The registration fee is billed yearly through the account balance, not per domain here.
            daily_cost=Decimal(0),
            monthly_cost=Decimal(0),
            billing_period="yearly",
            created_at=to_datetime(item.get("date_add")),
            specs={
                "registered": registered,
                "date_register": to_text(item.get("date_register")),
                "date_expire": to_text(item.get("date_expire")),
                "auto_renew": to_bool(item.get("auto_renew")),
            },
            provider_config=item,
        ))
    return records


def hosting_mysql_records(result: Any, *, login: str) -> list[ResourceRecord]:
    """``mysql/getList``: databases included in the hosting plan (no separate price)."""
    records = []
    for item in _items(result):
        name = to_text(item.get("name"))
        records.append(ResourceRecord(
            provider=PROVIDER, resource_id=f"hosting-mysql:{name}", resource_name=name,
            resource_type="hosting_mysql", kind=KINDS["hosting_mysql"], service_name="Database",
            status=ResourceStatus.RUNNING, account_id=login, daily_cost=Decimal(0), monthly_cost=Decimal(0),
            specs={"size_mb": to_decimal(item.get("size"))}, provider_config=item,
        ))
    return records


def ftp_records(result: Any, *, login: str) -> list[ResourceRecord]:
    records = []
    for item in _items(result):
        name = to_text(item.get("login"))
        records.append(ResourceRecord(
            provider=PROVIDER, resource_id=f"ftp:{name}", resource_name=name, resource_type="ftp_account",
            kind=KINDS["ftp_account"], service_name="Storage", status=ResourceStatus.RUNNING, account_id=login,
            daily_cost=Decimal(0), monthly_cost=Decimal(0),
            specs={"path": to_text(item.get("path"))}, provider_config=item,
        ))
    return records


def mailbox_records(result: Any, *, domain: str, login: str) -> list[ResourceRecord]:
    """Mailboxes of one domain (``mail/getMailboxList``); mail is part of the hosting plan: no own price."""
    records = []
    for item in _items(result):
        name = to_text(item.get("mailbox"))
        if not name:
            continue
        host = to_text(item.get("domain")) or domain
        address = name if "@" in name else f"{name}@{host}"
        records.append(ResourceRecord(
            provider=PROVIDER, resource_id=f"mail:{address}", resource_name=address, resource_type="mailbox",
            kind=KINDS["mailbox"], service_name="Mail", status=ResourceStatus.RUNNING, account_id=login,
            daily_cost=Decimal(0), monthly_cost=Decimal(0),
            specs={"domain": host, "spam_filter": to_bool(item.get("spam_filter_status")),
                   "forwarding": to_text(item.get("forward_mail_status"))},
            provider_config=item,
        ))
    return records


# --- v1: VPS and cloud services -----------------------------------------------------------------
_VPS_STATUS = {
    "RUNNING": ResourceStatus.RUNNING,
    "STOPPED": ResourceStatus.STOPPED,
    "REMOVED": ResourceStatus.DELETED,
    "REMOVING": ResourceStatus.DELETED,
    "UNKNOWN": ResourceStatus.UNKNOWN,
}
_CLOUD_STATUS = {
    "RUNNING": ResourceStatus.RUNNING,
    "STOPPED": ResourceStatus.STOPPED,
    "SUSPENDED": ResourceStatus.SUSPENDED,
}


def _status(raw: str, table: dict[str, str]) -> str:
    if raw in table:
        return table[raw]
    return ResourceStatus.PENDING if raw else ResourceStatus.UNKNOWN


def vps_records(payload: dict[str, Any], *, login: str = "") -> list[ResourceRecord]:
    """``GET /v1/vps/server/list`` answer ``{"vps": [...], "total_count": n}``."""
    if not isinstance(payload, dict) or not isinstance(payload.get("vps", []), list):
        raise ValueError("vps list has an unexpected shape")
    records = []
    for vps in payload.get("vps") or []:
        config = vps.get("configuration") or {}
        daily, monthly = daily_and_monthly(config.get("price_day"), config.get("price_month"))
        memory_mb = to_decimal(config.get("memory"))
        disk_mb = to_decimal(config.get("disk_size"))
        software = vps.get("software") or {}
        raw_status = to_text(vps.get("status")).upper()
        records.append(ResourceRecord(
            provider=PROVIDER,
            resource_id=to_text(vps.get("id")),
            resource_name=to_text(vps.get("display_name")) or to_text(vps.get("hostname")) or to_text(vps.get("id")),
            resource_type="vps",
            kind=KINDS["vps"],
            service_name="Compute",
            status=ResourceStatus.DELETED if to_bool(vps.get("archived")) else _status(raw_status, _VPS_STATUS),
            provider_status=raw_status,
            region=to_text(vps.get("region")),
            account_id=login,
            project_id=to_text(vps.get("project_id")),
            daily_cost=daily,
            monthly_cost=monthly,
            created_at=to_datetime(vps.get("date_create")),
            specs={
                "instance_type": to_text(config.get("name")),
                "cpu_cores": to_int(config.get("cpu_count")),
                "memory_gb": None if memory_mb is None else str((memory_mb / 1024).quantize(Decimal("0.01"))),
                "disk_gb": None if disk_mb is None else str((disk_mb / 1024).quantize(Decimal("0.01"))),
                "bandwidth_mbps": to_int(config.get("bandwidth_public")),
                # The spec's ``additional_ip_address`` is an array of strings (objects with ``ip`` tolerated).
                "ip_addresses": [ip for ip in [to_text(vps.get("ip_address"))] if ip]
                + [ip for ip in (to_text(a.get("ip")) if isinstance(a, dict) else to_text(a)
                                 for a in vps.get("additional_ip_address") or []) if ip],
                "hostname": to_text(vps.get("hostname")),
                "software": to_text(software.get("name")) if isinstance(software, dict) else "",
            },
            provider_config=vps,
        ))
    return records


_CLOUD_KINDS = {
    "MYSQL5": ("mysql", "mysql5", "Database"),
    "MYSQL8": ("mysql", "mysql8", "Database"),
    "MYSQL84": ("mysql", "mysql84", "Database"),
    "POSTGRESQL14": ("postgresql", "postgresql14", "Database"),
    "POSTGRESQL15": ("postgresql", "postgresql15", "Database"),
    "POSTGRESQL164": ("postgresql", "postgresql164", "Database"),
    "S_3": ("s3", "s3", "Storage"),
    "CDN": ("cdn", "cdn", "Network"),
}
CLOUD_RESOURCE_TYPES = frozenset(resource_type for resource_type, _key, _service in _CLOUD_KINDS.values())


def cloud_records(payload: dict[str, Any], *, login: str = "") -> list[ResourceRecord]:
    """``GET /v1/cloud`` answer ``{"service": [...], "total_count": n}`` (MySQL, PostgreSQL, S3, CDN)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("service", []), list):
        raise ValueError("cloud service list has an unexpected shape")
    records = []
    for service in payload.get("service") or []:
        raw_type = to_text(service.get("type")).upper()
        resource_type, detail_key, service_name = _CLOUD_KINDS.get(raw_type, ("cloud_service", "", "Cloud"))
        detail = service.get(detail_key) or {} if detail_key else {}
        config = detail.get("configuration") or {} if isinstance(detail, dict) else {}
        daily, monthly = daily_and_monthly(service.get("price_day"), service.get("price_month"))
        raw_status = to_text(service.get("status")).upper()
        memory_mb = to_decimal(config.get("memory"))
        disk_mb = to_decimal(config.get("disk_size"))
        specs: dict[str, Any] = {}
        if resource_type in {"mysql", "postgresql"}:
            specs = {
                "engine": resource_type,
                "version": to_text(config.get("display_version") or config.get("version")),
                "cpu_cores": to_int(config.get("cpu_count")),
                "memory_gb": None if memory_mb is None else str((memory_mb / 1024).quantize(Decimal("0.01"))),
                "disk_gb": None if disk_mb is None else str((disk_mb / 1024).quantize(Decimal("0.01"))),
                "host": to_text(detail.get("host")),
                "disk_used_bytes": to_int(detail.get("disk_used")),
            }
        elif resource_type == "s3":
            specs = {"fqdn": to_text(detail.get("fqdn")), "used_bytes": to_int(detail.get("quota_used_size"))}
        records.append(ResourceRecord(
            provider=PROVIDER,
            resource_id=to_text(service.get("id")),
            resource_name=to_text(service.get("display_name")) or to_text(service.get("slug")),
            resource_type=resource_type,
            kind=kind_of(KINDS, resource_type),
            service_name=service_name,
            status=_status(raw_status, _CLOUD_STATUS),
            provider_status=raw_status,
            region=to_text(service.get("region")),
            account_id=login,
            project_id=to_text(service.get("project_id")),
            daily_cost=daily,
            monthly_cost=monthly,
            created_at=to_datetime(service.get("created_at")),
            specs=specs,
            provider_config=service,
        ))
    return records


# Beget's statistic series: CPU load in percent, memory used in megabytes.
_METRICS = {"cpu": MetricName.CPU_PERCENT, "memory": MetricName.MEMORY_MB}


def metric_series(payload: dict[str, Any], *, metric: str, resource_id: str) -> MetricSeries:
    """``/v1/vps/statistic/{cpu|memory}/{id}`` answer ``{"cpu": {"date": [...], "value": [...]}}``."""
    series = payload.get(metric) if isinstance(payload, dict) else None
    if not isinstance(series, dict):
        raise ValueError(f"statistic answer has no {metric!r} series")
    points = []
    for stamp, value in zip(series.get("date") or [], series.get("value") or [], strict=False):
        when, number = to_datetime(stamp), to_decimal(value)
        if when is not None and number is not None:
            points.append((when, number))
    name = _METRICS[metric]
    return MetricSeries(resource_id=resource_id, metric=name, unit=metric_unit(name), points=tuple(points))
