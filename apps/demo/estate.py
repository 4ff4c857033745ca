"""The demo organization's cost estate (product description 7.1.3 and 7.1.4): the single source of the demo.

Two connections (Yandex Cloud and Selectel), the resources behind them (five VMs, one of them resized 16 days
ago, two data disks (one attached to nothing) and a volume, a reserved address, two buckets) with two weeks of
CPU / memory / disk / network metrics, and thirteen months of daily FOCUS ledger rows with realistic services and
SKUs, weekday seasonality, gentle growth and a few anomalies. The recommendation rules find the demo's backlog
in them (see the note above ``RESOURCES``).

``apps.demo.payloads`` turns this estate into the providers' API answers (served by the fake cloud in demo
mode) and ``apps.demo.seeding`` writes what a sync makes of them, so syncing a demo connection changes nothing.

The series is generated deterministically (fixed seed) and then scaled so that the 30 days ending
today total exactly ``LAST_30_TOTAL`` and the 30 days before exactly ``PREVIOUS_30_TOTAL`` (the
seed's "117 150 ₽, -12.5 %"). Pure data and functions: no database.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.inventory.vocabulary import MetricName, ResourceKind

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
    SELECTEL: {"token": "selectel-demo-static-token", "account_id": "478587",
               # The service user the fake cloud accepts: servers and volumes come from Selectel's OpenStack.
               "username": "infrazen-demo-sync", "password": "selectel-demo-service-user-password",
               "project_id": "48643015916742d080f0ecdd519bada3"},
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
    # A server resized ``resized_days_ago`` days ago: its size and utilization before (specs keys that changed,
    # cpu and memory percent of the old size). The ledger bills the old size until that day.
    resized_days_ago: int | None = None
    before_specs: dict[str, Any] = field(default_factory=dict)
    before_cpu: int | None = None
    before_memory: int | None = None


# The demo's resource types as the Yandex Cloud and Selectel plugins map them.
DEMO_KINDS = {"vm": ResourceKind.COMPUTE, "server": ResourceKind.COMPUTE, "disk": ResourceKind.VOLUME,
              "volume": ResourceKind.VOLUME, "bucket": ResourceKind.BUCKET, "ip_address": ResourceKind.IP_ADDRESS}
# The optimization backlog (product description 7.3: rightsizing, cleanup and storage policy, about 10 400 ₽ a
# month) comes from the rules reading this estate: analytics-spb is far larger than its load (8 -> 4 vCPU,
# 32 -> 16 GB), a disk and a reserved address are attached to nothing, infrazen-backups is never read (cold
# storage). stage-app-01 was rightsized from 8 to 4 vCPU ``resized_days_ago`` days ago: the seed finds, accepts
# and applies that recommendation and the ledger verifies its saving.
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
    DemoResource("db", SELECTEL, "server", _uuid("db-master-msk"), "db-master-msk", "ru-7", "Compute",
                 {"flavor": "SL1.8-65536", "flavor_name": "Memory Line", "cpu_cores": 8, "memory_gb": "64.00",
                  "disk_gb": 0, "bandwidth_mbps": 1000, "image": "Ubuntu 22.04 LTS 64-bit", "zone": "ru-7a",
                  "ip_addresses": ["31.129.42.10"]},
                 {"env": "prod", "team": "data", "project": "billing-db"}, 390, cpu=69, memory=86, network=24),
    DemoResource("analytics", SELECTEL, "server", _uuid("analytics-spb"), "analytics-spb", "ru-1", "Compute",
                 {"flavor": "SL1.8-32768", "flavor_name": "Standard Line", "cpu_cores": 8, "memory_gb": "32.00",
                  "disk_gb": 0, "bandwidth_mbps": 1000, "image": "Debian 12 64-bit", "zone": "ru-1a",
                  "ip_addresses": ["92.53.64.201"]},
                 {"env": "prod", "team": "analytics", "project": "reporting"}, 260, cpu=17, memory=20, network=22),
    DemoResource("db-volume", SELECTEL, "volume", _uuid("db-master-msk-volume"), "db-master-msk-volume", "ru-7",
                 "Storage", {"volume_type": "universal.ru-7a", "disk_gb": 500, "attached_to": "db-master-msk",
                             "zone": "ru-7a"},
                 {"env": "prod", "team": "data", "project": "billing-db"}, 390, disk=38),
    DemoResource("media", SELECTEL, "bucket", "media-assets", "media-assets", "ru-1", "Storage",
                 {"storage_class": "standard", "disk_gb": 3072, "objects": 1_204_388, "public": True},
                 {"env": "prod", "team": "frontend", "project": "storefront"}, 380, disk=36),
    DemoResource("promo-disk", YANDEX, "disk", _yc_id("fhm", "promo-landing-data"), "promo-landing-data",
                 "ru-central1-a", "Storage", {"disk_type": "network-hdd", "disk_gb": 150, "zone": "ru-central1-a"},
                 {"env": "prod", "team": "marketing", "project": "promo"}, 240),
    DemoResource("promo-ip", YANDEX, "ip_address", _yc_id("e9b", "promo-landing-ip"), "promo-landing-ip",
                 "ru-central1-a", "Network", {"address": "158.160.14.21", "zone": "ru-central1-a"},
                 {"env": "prod", "team": "marketing", "project": "promo"}, 240),
    DemoResource("stage", SELECTEL, "server", _uuid("stage-app-01"), "stage-app-01", "ru-7", "Compute",
                 {"flavor": "SL1.4-8192", "flavor_name": "Standard Line", "cpu_cores": 4, "memory_gb": "8.00",
                  "disk_gb": 0, "bandwidth_mbps": 1000, "image": "Ubuntu 22.04 LTS 64-bit", "zone": "ru-7a",
                  "ip_addresses": ["31.129.42.57"]},
                 {"env": "stage", "team": "backend", "project": "storefront"}, 200, cpu=34, memory=50, network=6,
                 resized_days_ago=16, before_specs={"flavor": "SL1.8-16384", "cpu_cores": 8, "memory_gb": "16.00"},
                 before_cpu=16, before_memory=25),
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
    Line(YANDEX, "Compute Cloud", "Storage", "dn2hdd3u6jr3a710u8hd", "Standard network drive (HDD)", D("9.5"),
         "GB*month", D("150"), resource="promo-disk", noise=20),
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
    Line(YANDEX, "Virtual Private Cloud", "Networking", "dn2ip0rsv7dq3c2unuse", "Public IP address, reserved",
         D("7.2"), "hour", D("24"), resource="promo-ip", noise=10),
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
    Line(SELECTEL, "Объектное хранилище", "Storage", "s3.requests.get", "Операции чтения (GET, HEAD)", D("6"),
         "10K requests", D("420"), resource="media", weekday=D("0.35"), noise=1500),
    # stage-app-01 at its current size (4 vCPU, 8 GB); twice that until it was resized.
    Line(SELECTEL, "Облачные серверы", "Compute", "cloud.vcpu.standard_line", "vCPU, Standard Line", D("145"),
         "vCPU*hour", D("96"), resource="stage", noise=50),
    Line(SELECTEL, "Облачные серверы", "Compute", "cloud.ram.standard_line", "Оперативная память, Standard Line",
         D("63.75"), "GB*hour", D("192"), resource="stage", noise=50),
    Line(SELECTEL, "Балансировщики нагрузки", "Networking", "cloud.lb.basic", "Балансировщик нагрузки: базовый",
         D("86"), "hour", D("24"), resource_id=_uuid("lb-storefront"), resource_name="lb-storefront",
         resource_type="load_balancer", region="ru-7", zone="ru-7a",
         tags={"env": "prod", "team": "platform", "project": "storefront"}, noise=10),
    Line(SELECTEL, "Публичные IP-адреса", "Networking", "cloud.ip.public", "Публичный IP-адрес", D("10"), "hour",
         D("48"), region="ru-7", tags={"env": "prod"}, noise=10),
)

# (first day back, last day back, multiplier, line filter): the story of the year.
ANOMALIES: tuple[tuple[int, int, Decimal, str], ...] = (
    (212, 211, D("11"), "Outgoing traffic"),  # a data migration to another region
    (151, 149, D("7"), "Standard storage. Operations (PUT, POST)"),  # a backup job in a loop
    (12, 12, D("9"), "Исходящий трафик"),  # a viral media file (an anomaly the nightly checks report)
)
# A GPU experiment left running for a week four months ago (the VM is gone from the inventory).
GPU_EXPERIMENT = (124, 118, D("3150"))
# analytics-spb ran on a double-size flavor until it was rightsized 30 days ago.
UPSIZED = (150, 30, D("2"))
# A resized server (``DemoResource.resized_days_ago``) was billed this many times its current size before.
RESIZED_FROM = D("2")


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
            if resource and resource.resized_days_ago is not None and back > resource.resized_days_ago:
                factor *= RESIZED_FROM
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



# Two weeks of hourly samples: what rightsizing needs for a high confidence.
METRIC_DAYS = 14


def demo_metric_value(spec: DemoResource, metric: str, moment: datetime, *, before: bool = False) -> Decimal | None:
    """A demo resource's ``metric`` at an hour: a pure function of both, so the fake cloud's monitoring
    answers exactly what the seed stored. ``before``: a resized server at its old size and load."""
    plan = {name: (average, capacity) for name, average, capacity in _metric_plan(spec, before=before)}
    if metric not in plan:
        return None
    average, capacity = plan[metric]
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    rng = random.Random(f"{SEED}:{spec.key}:{metric}:{moment:%Y-%m-%dT%H}")  # noqa: S311 -- demo data
    daily_wave = Decimal(rng.randint(-12, 12)) / 100 + (Decimal("0.10") if 9 <= (moment.hour + 3) % 24 <= 20
                                                         else Decimal("-0.08"))
    share = min(max(Decimal(average) / 100 * (1 + daily_wave), Decimal("0.01")), Decimal("0.99"))
    return (share * capacity).quantize(Decimal("0.0001"))


def demo_specs(spec: DemoResource, *, before: bool = False) -> dict[str, Any]:
    """The resource's specs now, or (``before``) at its size before it was resized."""
    return {**spec.specs, **spec.before_specs} if before else dict(spec.specs)


def _metric_plan(spec: DemoResource, *, before: bool = False) -> list[tuple[str, int, Decimal]]:
    """(metric, average percent of capacity, capacity in the metric's unit)."""
    plan = []
    cpu, memory = (spec.before_cpu, spec.before_memory) if before else (spec.cpu, spec.memory)
    if cpu is not None:
        plan.append((MetricName.CPU_PERCENT, cpu, Decimal(100)))
    if memory is not None:
        plan.append((MetricName.MEMORY_MB, memory, Decimal(demo_specs(spec, before=before)["memory_gb"]) * 1024))
    if spec.disk is not None:
        plan.append((MetricName.DISK_USED_GB, spec.disk, Decimal(spec.specs["disk_gb"])))
    if spec.network is not None:
        plan.append((MetricName.NETWORK_MBPS, spec.network, Decimal(spec.specs["bandwidth_mbps"])))
    return plan
