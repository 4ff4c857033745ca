"""The demo organization's cost estate (product description 7.1.3 and 7.1.4).

Two connections (Yandex Cloud and Selectel), eight inventory resources (four VMs, two disks, two
buckets) with a few days of CPU / memory / disk / network metrics, and thirteen months of daily FOCUS
ledger rows with realistic services and SKUs, weekday seasonality, gentle growth and a few anomalies.

The series is generated deterministically (fixed seed) and then scaled so that the 30 days ending
today total exactly ``LAST_30_TOTAL`` and the 30 days before exactly ``PREVIOUS_30_TOTAL`` (the
seed's "117 150 ₽, -12.5 %"). Re-running replaces everything it wrote: ledger rows carry
``source_key = "demo:<provider>"``, resources and connections are matched by their natural keys.
The connections are never synced here (their credentials are the fake cloud's demo ones).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus

SEED = 20250117
MONTHS = 13
LAST_30_TOTAL = Decimal("117150.00")
CHANGE_PERCENT = Decimal("-12.5")
# 117 150 / 0.875 = 133 885.71...; rounded to the rouble, the change still shows as -12.5 %.
PREVIOUS_30_TOTAL = (LAST_30_TOTAL / (1 + CHANGE_PERCENT / 100)).quantize(Decimal("1"), ROUND_HALF_UP)
BATCH_SIZE = 2000
CENT = Decimal("0.01")
SOURCE_PREFIX = "demo:"

YANDEX, SELECTEL = "yandex", "selectel"
PROVIDER_NAMES = {YANDEX: "Yandex Cloud", SELECTEL: "Selectel"}
# The fake cloud's demo credentials (tests/fakecloud/yandex.py and selectel.py define the same values);
# copied, not imported: the application never imports the test tree.
DEMO_CREDENTIALS = {
    YANDEX: {"oauth_token": "y0_fake-yandex-demo-oauth-token"},
    SELECTEL: {"token": "selectel-demo-static-token", "account_id": "478587"},
}
CONNECTION_NAMES = {YANDEX: "Yandex Cloud — production", SELECTEL: "Selectel — основной аккаунт"}


def _yc_id(prefix: str, name: str) -> str:
    """A Yandex-style id: a three-letter prefix and 17 base32 characters, stable per name."""
    alphabet = "abcdefghijklmnopqrstuv0123456789"
    digest = hashlib.sha256(name.encode()).digest()
    return prefix + "".join(alphabet[b % 32] for b in digest[:17])


def _uuid(name: str) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


YC_BILLING_ACCOUNT = _yc_id("dn2", "billing")
YC_CLOUD = _yc_id("b1g", "cloud")
YC_FOLDER = _yc_id("b1g", "folder-prod")
SEL_ACCOUNT = "478587"
SEL_PROJECT = "48643015916742d080f0ecdd519bada3"


@dataclass(frozen=True)
class DemoResource:
    key: str
    provider: str
    resource_type: str
    resource_id: str
    name: str
    region: str
    service_name: str
    specs: dict[str, Any]
    tags: dict[str, str]
    created_days_ago: int
    # Utilization averages for the metrics seeded (percent of the spec), None = no such metric.
    cpu: int | None = None
    memory: int | None = None
    disk: int | None = None
    network: int | None = None


# The demo's resource types as the Yandex Cloud and Selectel plugins map them.
DEMO_KINDS = {"vm": ResourceKind.COMPUTE, "server": ResourceKind.COMPUTE, "disk": ResourceKind.VOLUME,
              "volume": ResourceKind.VOLUME, "bucket": ResourceKind.BUCKET}
RESOURCES: tuple[DemoResource, ...] = (
    DemoResource("web", YANDEX, "vm", _yc_id("fhm", "web-prod-01"), "web-prod-01", "ru-central1-a", "Compute",
                 {"platform": "standard-v3", "platform_name": "Intel Ice Lake", "cpu_cores": 4, "core_fraction": 100,
                  "memory_gb": "8.00", "disk_gb": 40, "bandwidth_mbps": 1000, "zone": "ru-central1-a",
                  "os": "Ubuntu 22.04 LTS", "ip_addresses": ["51.250.12.87"]},
                 {"env": "prod", "team": "platform", "project": "storefront"}, 410, cpu=58, memory=74, network=34),
    DemoResource("api", YANDEX, "vm", _yc_id("epd", "api-prod-02"), "api-prod-02", "ru-central1-b", "Compute",
                 {"platform": "standard-v3", "platform_name": "Intel Ice Lake", "cpu_cores": 8, "core_fraction": 100,
                  "memory_gb": "16.00", "disk_gb": 60, "bandwidth_mbps": 1000, "zone": "ru-central1-b",
                  "os": "Ubuntu 22.04 LTS", "ip_addresses": ["84.201.140.19"]},
                 {"env": "prod", "team": "backend", "project": "storefront"}, 300, cpu=72, memory=84, network=36),
    DemoResource("web-disk", YANDEX, "disk", _yc_id("fhm", "web-prod-01-data"), "web-prod-01-data", "ru-central1-a",
                 "Storage", {"disk_type": "network-ssd", "disk_gb": 200, "zone": "ru-central1-a",
                             "attached_to": "web-prod-01"},
                 {"env": "prod", "team": "platform", "project": "storefront"}, 410, disk=47),
    DemoResource("backups", YANDEX, "bucket", "infrazen-backups", "infrazen-backups", "ru-central1", "Storage",
                 {"storage_class": "STANDARD", "disk_gb": 2048, "objects": 184_210, "versioning": True},
                 {"env": "prod", "team": "platform", "project": "backups"}, 395, disk=55),
    DemoResource("db", SELECTEL, "server", _uuid("db-master-msk"), "db-master-msk", "msk-a", "Compute",
                 {"flavor": "SL1.8-65536", "flavor_name": "Memory Line", "cpu_cores": 8, "memory_gb": "64.00",
                  "disk_gb": 0, "bandwidth_mbps": 1000, "image": "Ubuntu 22.04 LTS 64-bit",
                  "ip_addresses": ["31.129.42.10"]},
                 {"env": "prod", "team": "data", "project": "billing-db"}, 390, cpu=69, memory=86, network=24),
    DemoResource("analytics", SELECTEL, "server", _uuid("analytics-spb"), "analytics-spb", "spb-a", "Compute",
                 {"flavor": "SL1.8-32768", "flavor_name": "Standard Line", "cpu_cores": 8, "memory_gb": "32.00",
                  "disk_gb": 0, "bandwidth_mbps": 1000, "image": "Debian 12 64-bit",
                  "ip_addresses": ["92.53.64.201"]},
                 {"env": "prod", "team": "analytics", "project": "reporting"}, 260, cpu=66, memory=73, network=22),
    DemoResource("db-volume", SELECTEL, "volume", _uuid("db-master-msk-volume"), "db-master-msk-volume", "msk-a",
                 "Storage", {"volume_type": "universal.msk-a", "disk_gb": 500, "attached_to": "db-master-msk"},
                 {"env": "prod", "team": "data", "project": "billing-db"}, 390, disk=38),
    DemoResource("media", SELECTEL, "bucket", "media-assets", "media-assets", "spb-a", "Storage",
                 {"storage_class": "standard", "disk_gb": 3072, "objects": 1_204_388, "public": True},
                 {"env": "prod", "team": "frontend", "project": "storefront"}, 380, disk=36),
)


@dataclass(frozen=True)
class Line:
    """One SKU of one service charged every day; ``base`` is its daily cost today before scaling."""

    provider: str
    service: str
    category: str
    sku: str
    description: str
    base: Decimal
    unit: str
    quantity: Decimal
    resource: str = ""  # DemoResource.key
    resource_id: str = ""  # resources the inventory does not hold
    resource_name: str = ""
    resource_type: str = ""
    region: str = ""
    zone: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    weekday: Decimal = Decimal(0)  # weekday uplift (and the same share off at weekends)
    noise: int = 300  # +/- basis points of daily noise


D = Decimal
_BY_KEY = {r.key: r for r in RESOURCES}

LINES: tuple[Line, ...] = (
    # --- Yandex Cloud
    Line(YANDEX, "Compute Cloud", "Compute", "dn22pas77ftg9h3f2djj", "Intel Ice Lake. 100% vCPU", D("135"),
         "vCPU*hour", D("96"), resource="web", noise=50),
    Line(YANDEX, "Compute Cloud", "Compute", "dn2ilq72mjc3bej6j74p", "Intel Ice Lake. RAM", D("72"),
         "GB*hour", D("192"), resource="web", noise=50),
    Line(YANDEX, "Compute Cloud", "Compute", "dn22pas77ftg9h3f2djj", "Intel Ice Lake. 100% vCPU", D("270"),
         "vCPU*hour", D("192"), resource="api", noise=50),
    Line(YANDEX, "Compute Cloud", "Compute", "dn2ilq72mjc3bej6j74p", "Intel Ice Lake. RAM", D("144"),
         "GB*hour", D("384"), resource="api", noise=50),
    Line(YANDEX, "Compute Cloud", "Storage", "dn2al287u6jr3a710u8g", "Fast network drive (SSD)", D("98"),
         "GB*month", D("200"), resource="web-disk", noise=20),
    Line(YANDEX, "Compute Cloud", "Compute", "dn2k3vqlk9snp1jv351u", "Intel Ice Lake. 20% vCPU, preemptible",
         D("260"), "vCPU*hour", D("320"), resource_id=_yc_id("cl1", "batch-workers"),
         resource_name="batch-workers (instance group)", resource_type="instance_group",
         region="ru-central1", zone="ru-central1-b", tags={"env": "prod", "team": "data", "project": "etl"},
         weekday=D("0.55"), noise=900),
    Line(YANDEX, "Object Storage", "Storage", "dn2q6jv3ve4m9ga6q8k5", "Standard storage", D("128"),
         "GB*month", D("2048"), resource="backups", noise=150),
    Line(YANDEX, "Object Storage", "Storage", "dn2ro0c2m0p3slmsvq5p", "Standard storage. Operations (PUT, POST)",
         D("14"), "1K requests", D("310"), resource="backups", weekday=D("0.25"), noise=1200),
    Line(YANDEX, "Managed Service for PostgreSQL", "Databases", "dn2b0lrkc2dt5q1ogqqh",
         "PostgreSQL. Intel Ice Lake. 100% vCPU", D("260"), "vCPU*hour", D("96"),
         resource_id=_yc_id("c9q", "pg-prod"), resource_name="pg-prod", resource_type="postgresql_cluster",
         region="ru-central1", zone="ru-central1-a", tags={"env": "prod", "team": "backend", "project": "storefront"},
         noise=50),
    Line(YANDEX, "Managed Service for PostgreSQL", "Databases", "dn2m3gdrib0j5fo2ukvs",
         "PostgreSQL. Intel Ice Lake. RAM", D("138"), "GB*hour", D("384"),
         resource_id=_yc_id("c9q", "pg-prod"), resource_name="pg-prod",
         resource_type="postgresql_cluster", region="ru-central1", zone="ru-central1-a",
         tags={"env": "prod", "team": "backend", "project": "storefront"}, noise=50),
    Line(YANDEX, "Managed Service for PostgreSQL", "Databases", "dn2fpv2ee3ua0e1ib0i9",
         "PostgreSQL. Fast network storage (SSD)", D("46"), "GB*month", D("100"),
         resource_id=_yc_id("c9q", "pg-prod"), resource_name="pg-prod", resource_type="postgresql_cluster",
         region="ru-central1", zone="ru-central1-a", tags={"env": "prod", "team": "backend", "project": "storefront"},
         noise=20),
    Line(YANDEX, "Virtual Private Cloud", "Networking", "dn229q5mnmp58t58tfel", "Public IP address", D("11"),
         "hour", D("48"), region="ru-central1", tags={"env": "prod"}, noise=10),
    Line(YANDEX, "Virtual Private Cloud", "Networking", "dn2olvngrkkqfpc6dddu", "Outgoing traffic", D("58"),
         "GB", D("38"), region="ru-central1", tags={"env": "prod"}, weekday=D("0.30"), noise=1500),
    # --- Selectel
    Line(SELECTEL, "Облачные серверы", "Compute", "cloud.vcpu.memory_line", "vCPU, Memory Line", D("420"),
         "vCPU*hour", D("192"), resource="db", noise=50),
    Line(SELECTEL, "Облачные серверы", "Compute", "cloud.ram.memory_line", "Оперативная память, Memory Line",
         D("560"), "GB*hour", D("1536"), resource="db", noise=50),
    Line(SELECTEL, "Облачные серверы", "Compute", "cloud.vcpu.standard_line", "vCPU, Standard Line", D("290"),
         "vCPU*hour", D("192"), resource="analytics", noise=50),
    Line(SELECTEL, "Облачные серверы", "Compute", "cloud.ram.standard_line", "Оперативная память, Standard Line",
         D("255"), "GB*hour", D("768"), resource="analytics", noise=50),
    Line(SELECTEL, "Облачные серверы", "Storage", "cloud.volume.universal", "Сетевой диск: универсальный",
         D("128"), "GB*month", D("500"), resource="db-volume", noise=20),
    Line(SELECTEL, "Объектное хранилище", "Storage", "s3.storage.standard", "Хранение: стандартное", D("165"),
         "GB*month", D("3072"), resource="media", noise=150),
    Line(SELECTEL, "Объектное хранилище", "Networking", "s3.traffic.out", "Исходящий трафик", D("74"), "GB",
         D("110"), resource="media", weekday=D("0.35"), noise=1500),
    Line(SELECTEL, "Балансировщики нагрузки", "Networking", "cloud.lb.basic", "Балансировщик нагрузки: базовый",
         D("86"), "hour", D("24"), resource_id=_uuid("lb-storefront"), resource_name="lb-storefront",
         resource_type="load_balancer", region="msk", zone="msk-a",
         tags={"env": "prod", "team": "platform", "project": "storefront"}, noise=10),
    Line(SELECTEL, "Публичные IP-адреса", "Networking", "cloud.ip.public", "Публичный IP-адрес", D("10"), "hour",
         D("48"), region="msk", tags={"env": "prod"}, noise=10),
)

# (first day back, last day back, multiplier, line filter): the story of the year.
ANOMALIES: tuple[tuple[int, int, Decimal, str], ...] = (
    (212, 211, D("11"), "Outgoing traffic"),  # a data migration to another region
    (151, 149, D("7"), "Standard storage. Operations (PUT, POST)"),  # a backup job in a loop
    (44, 44, D("9"), "Исходящий трафик"),  # a viral media file
)
# A GPU experiment left running for a week four months ago (the VM is gone from the inventory).
GPU_EXPERIMENT = (124, 118, D("3150"))
# analytics-spb ran on a double-size flavor until it was rightsized 30 days ago.
UPSIZED = (150, 30, D("2"))


def _months_back(day: date, months: int) -> date:
    """The first day of the month ``months`` before ``day``'s (negative: after)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, 1)


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass
class _Row:
    day: date
    line: Line
    amount: Decimal
    quantity: Decimal
    description: str = ""
    resource_override: dict[str, str] = field(default_factory=dict)


def _generate(today: date) -> list[_Row]:
    rng = random.Random(SEED)  # noqa: S311 -- demo data, not security
    first = _months_back(today, MONTHS - 1)
    rows: list[_Row] = []
    day = first
    while day <= today:
        back = (today - day).days
        # Gentle growth: about 2 % a month, compounding towards today.
        growth = (Decimal("0.98") ** (back // 30)) * (1 - Decimal(back % 30) / 30 * Decimal("0.02"))
        weekend = day.weekday() >= 5
        for line in LINES:
            resource = _BY_KEY.get(line.resource)
            if resource and back > resource.created_days_ago:
                continue
            factor = growth * (1 + Decimal(rng.randint(-line.noise, line.noise)) / 10000)
            if line.weekday:
                factor *= (1 - line.weekday) if weekend else (1 + line.weekday * Decimal("0.4"))
            for start, end, multiplier, description in ANOMALIES:
                if start >= back >= end and line.description == description:
                    factor *= multiplier
            if line.resource == "analytics" and UPSIZED[0] >= back >= UPSIZED[1]:
                factor *= UPSIZED[2]
            rows.append(_Row(day, line, line.base * factor, (line.quantity * factor).quantize(Decimal("0.0001"))))
        if GPU_EXPERIMENT[0] >= back >= GPU_EXPERIMENT[1]:
            gpu = LINES[0]
            rows.append(_Row(day, gpu, GPU_EXPERIMENT[2] * (1 + Decimal(rng.randint(-200, 200)) / 10000),
                             D("24"), description="GPU. Intel Broadwell with NVIDIA Tesla V100",
                             resource_override={"resource_id": _yc_id("fhm", "gpu-experiment"),
                                                "resource_name": "gpu-experiment", "resource_type": "vm",
                                                "sku": "dn2sts5smt9gk6gpu100"}))
        day += timedelta(days=1)
    return rows


def _scale(rows: list[_Row], today: date) -> None:
    """Scale the raw series so both 30-day windows hit their targets exactly, to the kopeck."""
    last_start, prev_start = today - timedelta(days=29), today - timedelta(days=59)
    last = [r for r in rows if r.day >= last_start]
    earlier = [r for r in rows if r.day < last_start]
    prev = [r for r in earlier if r.day >= prev_start]
    last_factor = LAST_30_TOTAL / sum(r.amount for r in last)
    prev_factor = PREVIOUS_30_TOTAL / sum(r.amount for r in prev)
    for group, factor in ((last, last_factor), (earlier, prev_factor)):
        for row in group:
            row.amount = (row.amount * factor).quantize(CENT, ROUND_HALF_UP)
    for window, target in ((last, LAST_30_TOTAL), (prev, PREVIOUS_30_TOTAL)):
        residue = target - sum(r.amount for r in window)
        max(window, key=lambda r: r.amount).amount += residue


def demo_cost_rows(*, today: date) -> list[_Row]:
    """The scaled daily rows ending ``today`` (pure: no database)."""
    rows = _generate(today)
    _scale(rows, today)
    return rows


def _connections() -> dict[str, Any]:
    from apps.providers.models import ProviderConnection
    from apps.providers.services import connection_create, connection_mark_connected, connection_update

    endpoint = getattr(settings, "DEMO_FAKECLOUD_URL", "") if settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS else ""
    out = {}
    for provider in (YANDEX, SELECTEL):
        name = CONNECTION_NAMES[provider]
        connection = ProviderConnection.objects.filter(provider=provider, name=name).first()
        if connection is None:
            connection = connection_create(provider=provider, name=name, credentials=DEMO_CREDENTIALS[provider],
                                           endpoint=endpoint, auto_sync=False)
        elif connection.auto_sync:
            connection_update(connection=connection, auto_sync=False)
        account_info = {
            YANDEX: {"account_id": YC_BILLING_ACCOUNT, "cloud_id": YC_CLOUD, "folder_id": YC_FOLDER},
            SELECTEL: {"account_id": SEL_ACCOUNT, "project_id": SEL_PROJECT},
        }[provider]
        # Demo connections look connected without ever talking to a provider.
        out[provider] = connection_mark_connected(connection=connection, account_info=account_info)
    return out


@dataclass(frozen=True)
class _DemoRecord:
    """A demo resource in the shape the inventory stores (``apps.inventory.diff.IncomingRecord``)."""

    provider: str
    resource_id: str
    resource_name: str
    resource_type: str
    kind: str
    service_name: str
    region: str
    account_id: str
    project_id: str
    provider_status: str
    daily_cost: Decimal
    monthly_cost: Decimal
    original_price: Decimal
    billing_period: str
    created_at: datetime
    specs: dict[str, Any]
    tags: dict[str, str]
    status: str = ResourceStatus.RUNNING
    currency: str = "RUB"
    pricing_model: str = "on_demand"
    provider_config: dict[str, Any] = field(default_factory=dict)


def _resources(connections: dict[str, Any], rows: list[_Row], today: date) -> dict[str, Any]:
    """The eight resources, written by the inventory as a sync writes them (nothing else is marked deleted)."""
    from apps.inventory.diff import incoming_resource
    from apps.inventory.models import CostPeriod, Resource
    from apps.inventory.services import resource_context_update, resource_sync

    last_start = today - timedelta(days=29)
    spend: dict[str, Decimal] = {}
    for row in rows:
        if row.day >= last_start and row.line.resource and not row.resource_override:
            spend[row.line.resource] = spend.get(row.line.resource, Decimal(0)) + row.amount
    now = timezone.now()
    pks: dict[str, int] = {}
    for provider, connection in connections.items():
        incoming = {}
        for spec in (spec for spec in RESOURCES if spec.provider == provider):
            daily = (spend.get(spec.key, Decimal(0)) / 30).quantize(Decimal("0.0001"))
            hourly = spec.resource_type in ("vm", "server")
            item = incoming_resource(_DemoRecord(
                provider=spec.provider, resource_id=spec.resource_id, resource_name=spec.name,
                resource_type=spec.resource_type, kind=DEMO_KINDS[spec.resource_type], service_name=spec.service_name,
                region=spec.region,
                account_id=YC_CLOUD if spec.provider == YANDEX else SEL_ACCOUNT,
                project_id=YC_FOLDER if spec.provider == YANDEX else SEL_PROJECT,
                provider_status="RUNNING" if spec.provider == YANDEX else "ACTIVE",
                daily_cost=daily, monthly_cost=(daily * 30).quantize(CENT),
                original_price=(daily / 24).quantize(Decimal("0.0001")) if hourly else (daily * 30).quantize(CENT),
                billing_period=CostPeriod.HOURLY if hourly else CostPeriod.MONTHLY,
                created_at=_utc(today - timedelta(days=spec.created_days_ago)), specs=spec.specs, tags=spec.tags))
            incoming[item.key] = item
        written = resource_sync(connection=connection, incoming=incoming, listed_types=(), now=now)
        pks.update({spec.key: written.pks[(spec.resource_type, spec.resource_id)]
                    for spec in RESOURCES if spec.provider == provider})
    for spec in RESOURCES:
        resource_context_update(resource_pk=pks[spec.key], team=spec.tags.get("team", ""),
                                project=spec.tags.get("project", ""), environment=spec.tags.get("env", ""))
    stored = Resource.objects.in_bulk(list(pks.values()))
    return {key: stored[pk] for key, pk in pks.items()}


METRIC_DAYS = 7


def _metrics(resources: dict[str, Any]) -> None:
    """Hourly samples for the last week, replacing earlier ones; the inventory recomputes their summaries
    (the utilization panel's input)."""
    from apps.inventory.services import MetricSamples, metric_points_store

    rng = random.Random(SEED + 1)  # noqa: S311
    end = timezone.now().replace(minute=0, second=0, microsecond=0)
    series: dict[int, list[MetricSamples]] = {}
    for spec in RESOURCES:
        samples = series.setdefault(resources[spec.key].pk, [])
        for metric, average, capacity in _metric_plan(spec):
            values = []
            for hour in range(METRIC_DAYS * 24):
                ts = end - timedelta(hours=METRIC_DAYS * 24 - 1 - hour)
                daily_wave = Decimal(rng.randint(-12, 12)) / 100 + (Decimal("0.10") if 9 <= (ts.hour + 3) % 24 <= 20
                                                                     else Decimal("-0.08"))
                share = min(max(Decimal(average) / 100 * (1 + daily_wave), Decimal("0.01")), Decimal("0.99"))
                values.append((ts, (share * capacity).quantize(Decimal("0.0001"))))
            samples.append(MetricSamples(metric, values))
    metric_points_store(series=series, replace=True)


def _metric_plan(spec: DemoResource) -> list[tuple[str, int, Decimal]]:
    """(metric, average percent of capacity, capacity in the metric's unit)."""
    plan = []
    if spec.cpu is not None:
        plan.append((MetricName.CPU_PERCENT, spec.cpu, Decimal(100)))
    if spec.memory is not None:
        plan.append((MetricName.MEMORY_MB, spec.memory, Decimal(spec.specs["memory_gb"]) * 1024))
    if spec.disk is not None:
        plan.append((MetricName.DISK_USED_GB, spec.disk, Decimal(spec.specs["disk_gb"])))
    if spec.network is not None:
        plan.append((MetricName.NETWORK_MBPS, spec.network, Decimal(spec.specs["bandwidth_mbps"])))
    return plan


def _ledger(connections: dict[str, Any], resources: dict[str, Any], rows: list[_Row]) -> int:
    """Replace the demo's ledger rows (every ``demo:`` source) and refresh the rollups they touch."""
    from apps.costs.services.ledger import cost_records_replace

    return cost_records_replace(source_prefix=SOURCE_PREFIX,
                                records=(_record(row, connections, resources) for row in rows))


def _record(row: _Row, connections: dict[str, Any], resources: dict[str, Any]):
    from apps.costs.models import CostRecord

    line = row.line
    resource = resources.get(line.resource)
    spec = _BY_KEY.get(line.resource)
    override = row.resource_override
    if spec is not None and not override:
        resource_id, resource_name, resource_type = spec.resource_id, spec.name, spec.resource_type
        zone = spec.specs.get("zone", spec.region if spec.provider == SELECTEL else "")
        tags = spec.tags
    elif override:
        resource = None
        resource_id, resource_name = override["resource_id"], override["resource_name"]
        resource_type, zone = override["resource_type"], "ru-central1-a"
        tags = {"env": "sandbox", "team": "ml", "project": "recsys"}
    else:
        resource = None
        resource_id, resource_name, resource_type = line.resource_id, line.resource_name, line.resource_type
        zone, tags = line.zone, line.tags
    region_id, region_name = _region(line.provider, zone or line.region)
    month_start = row.day.replace(day=1)
    next_month = _months_back(month_start, -1)
    yandex = line.provider == YANDEX
    return CostRecord(
        billed_cost=row.amount, effective_cost=row.amount, list_cost=row.amount, contracted_cost=row.amount,
        billing_currency="RUB",
        billing_period_start=_utc(month_start), billing_period_end=_utc(next_month),
        charge_period_start=_utc(row.day), charge_period_end=_utc(row.day + timedelta(days=1)),
        charge_date=row.day, charge_category="Usage", charge_class="", charge_frequency="Usage-Based",
        charge_description=row.description or line.description,
        provider_name=PROVIDER_NAMES[line.provider], publisher_name=PROVIDER_NAMES[line.provider],
        invoice_issuer_name="ООО «Яндекс.Облако»" if yandex else "АО «Селектел»",
        billing_account_id=YC_BILLING_ACCOUNT if yandex else SEL_ACCOUNT,
        billing_account_name="infrazen-demo" if yandex else "Договор 478587",
        sub_account_id=YC_FOLDER if yandex else SEL_PROJECT,
        sub_account_name="prod" if yandex else "My First Project",
        region_id=region_id, region_name=region_name, availability_zone=zone,
        service_name=line.service, service_category=line.category,
        resource_id=resource_id, resource_name=resource_name, resource_type=resource_type,
        sku_id=override.get("sku", line.sku), pricing_category="Standard",
        pricing_quantity=row.quantity, pricing_unit=line.unit, consumed_quantity=row.quantity,
        consumed_unit=line.unit, tags=dict(tags), extras={"x_demo": True},
        connection=connections[line.provider], inventory_resource=resource,
        source_key=f"{SOURCE_PREFIX}{line.provider}",
    )


def _region(provider: str, zone: str) -> tuple[str, str]:
    if provider == YANDEX:
        return "ru-central1", "Россия, Центральный"
    if zone.startswith("spb"):
        return "spb", "Санкт-Петербург"
    return "msk", "Москва"


@transaction.atomic
def demo_costs_seed(*, today: date | None = None) -> dict[str, int]:
    """Seed (or re-seed) the demo estate in the CURRENT tenant schema; returns what it wrote."""
    today = today or timezone.now().date()
    rows = demo_cost_rows(today=today)
    connections = _connections()
    resources = _resources(connections, rows, today)
    _metrics(resources)
    _ledger(connections, resources, rows)
    return {"connections": len(connections), "resources": len(resources), "cost_records": len(rows)}
