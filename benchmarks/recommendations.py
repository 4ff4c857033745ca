"""Recommendations engine at scale: one organization with N resources (default 10 000: about half compute, then
volumes, IP addresses, snapshots and buckets over three providers; a share non-production, unattached, stopped,
idle), 30 days of hourly metrics of its running compute (cpu_percent, memory_percent, network_mbps, written with
COPY, summaries computed by the inventory's own service) and an M-row ledger (default 5 000 000 CostRecord rows
linked to the resources, COPY, then the costs rollup refresh so CostDaily exists). Then a full evaluation
(``apps.recommendations.services.evaluate_now``) with the rules registered in settings and one guardrail policy (a
required «project» tag, missing on every fifth resource).

Prints the wall time of the full evaluation, its peak memory (the process's peak RSS during the evaluation,
reset right before it through /proc/self/clear_refs; --tracemalloc adds Python's own peak allocation, slower),
the findings created, and the number of queries (CaptureQueriesContext) of four evaluations: with only the first
1 000 resources live (the others marked deleted) then again (every finding updated), and with all of them (the
measured run: every finding new) then again. The counts at 1 000 and at N must be equal: the engine's queries do not
depend on the number of resources. Goals: <= 30 s and <= 500 MB. The PostgreSQL server's own memory is not counted.

Uses a scratch database (default ``infrazen_bench_recommendations``) on the server of DATABASE_URL, dropped
afterwards unless --keep; --reuse evaluates again on a database kept earlier without generating the data.

    .venv/bin/python benchmarks/recommendations.py [--resources 10000] [--ledger-rows 5000000] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import scratch_database  # noqa: E402 -- after the path is set

METRIC_DAYS = 30
LEDGER_DAYS = 45
SMALL = 1_000  # the resources of the reference evaluation
PROVIDERS = ("yandex", "selectel", "aws")
NON_PRODUCTION = ("dev", "stage", "test")
# i % 20 -> kind: half compute, a fifth volumes, a tenth each IP addresses, snapshots, buckets.
KINDS = ["compute"] * 10 + ["volume"] * 4 + ["ip_address"] * 2 + ["snapshot"] * 2 + ["bucket"] * 2
TYPES = {
    "yandex": {"compute": "vm", "volume": "disk", "ip_address": "address", "snapshot": "snapshot", "bucket": "bucket"},
    "selectel": {
        "compute": "server",
        "volume": "volume",
        "ip_address": "floatingip",
        "snapshot": "snapshot",
        "bucket": "bucket",
    },
    "aws": {
        "compute": "ec2_instance",
        "volume": "ebs_volume",
        "ip_address": "elastic_ip",
        "snapshot": "ebs_snapshot",
        "bucket": "s3_bucket",
    },
}
REGIONS = {
    "yandex": ("ru-central1-a", "ru-central1-b", "ru-central1-d"),
    "selectel": ("ru-1", "ru-7", "ru-9"),
    "aws": ("eu-central-1", "eu-north-1"),
}
SKUS = {
    "compute": (("vcpu", "vCPU*hour", "vCPU"), ("ram", "GB*hour", "RAM"), ("disk", "GB*month", "Boot disk")),
    "volume": (("ssd", "GB*month", "Network SSD"),),
    "ip_address": (("ip", "hour", "Public IP address"),),
    "snapshot": (("snap", "GB*month", "Snapshot storage"),),
    "bucket": (("std", "GB*month", "Standard storage"), ("ops", "1K requests", "Operations")),
}


# --- the estate -------------------------------------------------------------------------------------------------


def profile(i: int) -> dict:
    """The generated resource number ``i``: kind, provider, environment and what state it is in."""
    kind = KINDS[i % 20]
    provider = PROVIDERS[(i // 20) % 3]
    env = NON_PRODUCTION[(i // 3) % 3] if i % 3 == 0 else "prod"  # a third non-production
    stopped = kind == "compute" and i % 7 == 3
    idle = kind == "compute" and not stopped and i % 11 == 5
    attached = not (kind in ("volume", "ip_address") and i % 4 == 1)
    return {"kind": kind, "provider": provider, "env": env, "stopped": stopped, "idle": idle, "attached": attached}


def build_estate(n: int, now: datetime) -> dict[str, int]:
    """Connections, resources and their tags (COPY); returns the connection pks by provider."""
    from apps.common.bulk import bulk_copy
    from apps.inventory.models import Resource, ResourceTag
    from apps.providers.models import ProviderConnection

    connections = {
        p: ProviderConnection.objects.create(provider=p, name=f"bench {p}", account_info={}).pk for p in PROVIDERS
    }

    def resources():
        for i in range(n):
            p = profile(i)
            kind, provider = p["kind"], p["provider"]
            cores = (2, 4, 8, 16)[i % 4]
            specs: dict = {"zone": REGIONS[provider][i % len(REGIONS[provider])]}
            if kind == "compute":
                specs.update(
                    cpu_cores=cores,
                    memory_gb=str(cores * 4),
                    disk_gb=40,
                    bandwidth_mbps=1000,
                    platform="standard-v2" if i % 5 == 0 else "standard-v3",
                )
            elif kind == "volume":
                specs.update(disk_gb=50 * (1 + i % 10), disk_type="network-ssd")
                specs["attached_to"] = [f"vm-{i - 10:05d}"] if p["attached"] else []
            elif kind == "ip_address":
                specs.update(address=f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", attached=p["attached"])
            elif kind == "snapshot":
                specs.update(disk_gb=20 * (1 + i % 5), source_disk_id=f"disk-{i % 997}")
            else:
                specs.update(storage_class="STANDARD", disk_gb=100 * (1 + i % 30), objects=1000 * i)
            priced = provider != "yandex"  # Yandex quotes no per-resource price: the ledger's spend is used
            monthly = {"compute": 1100 * cores, "volume": 600, "ip_address": 180, "snapshot": 90, "bucket": 400}[kind]
            yield Resource(
                connection_id=connections[provider],
                provider=provider,
                resource_id=f"{provider}-{kind}-{i:06d}",
                resource_name=f"{p['env']}-{kind}-{i:05d}",
                region=REGIONS[provider][0],
                account_id="acc",
                resource_type=TYPES[provider][kind],
                kind=kind,
                status="stopped" if p["stopped"] else "running",
                provider_status="",
                service_name=kind,
                daily_cost=None,
                monthly_cost=monthly if priced else None,
                currency="RUB",
                pricing_model="on_demand",
                specs=specs,
                provider_config={},
                environment="",
                owner=f"owner{i % 40}@example.ru",
                team=f"team-{i % 12}",
                created_at_provider=now - timedelta(days=30 + i % 400),
                first_seen_at=now - timedelta(days=60),
                last_seen_at=now,
                is_deleted=False,
            )

    bulk_copy(Resource, resources())
    pks = dict(Resource.objects.values_list("resource_id", "pk"))

    def tags():
        for i in range(n):
            p = profile(i)
            pk = pks[f"{p['provider']}-{p['kind']}-{i:06d}"]
            yield ResourceTag(resource_id=pk, key="env", value=p["env"])
            yield ResourceTag(resource_id=pk, key="team", value=f"team-{i % 12}")
            if i % 5:
                yield ResourceTag(resource_id=pk, key="project", value=f"project-{i % 30}")

    bulk_copy(ResourceTag, tags())
    return connections


def write_metrics(n: int, now: datetime) -> tuple[int, list[int]]:
    """30 days of hourly cpu/memory/network samples of every running compute (text COPY); returns the rows and
    the resources' pks. Production: a steady daily wave; non-production: load on workdays 09-19 Moscow time only;
    idle: near zero."""
    from django.db import connection

    from apps.inventory.models import Resource

    end = now.replace(minute=0, second=0, microsecond=0)
    hours = [end - timedelta(hours=h) for h in range(METRIC_DAYS * 24 - 1, -1, -1)]
    stamps = [h.strftime("%Y-%m-%d %H:%M:%S+00") for h in hours]
    moscow = [(h + timedelta(hours=3)) for h in hours]
    working = [m.weekday() < 5 and 9 <= m.hour < 19 for m in moscow]
    wave = [0.75 + 0.25 * ((m.hour - 4) % 24) / 23 for m in moscow]
    noise = [((k * 7919) % 101) / 100 for k in range(1009)]
    pks = dict(Resource.objects.filter(kind="compute").values_list("resource_id", "pk"))
    written, used = 0, []

    def lines():
        nonlocal written
        buffer = []
        for i in range(n):
            p = profile(i)
            if p["kind"] != "compute" or p["stopped"]:
                continue
            pk = pks[f"{p['provider']}-compute-{i:06d}"]
            used.append(pk)
            level = 10 + (i * 37) % 60  # this resource's average CPU when busy
            for h, stamp in enumerate(stamps):
                jitter = noise[(h + i) % 1009]
                if p["idle"]:
                    cpu, mem, net = 0.3 + jitter, 12 + jitter, 0.01 + jitter / 50
                elif p["env"] != "prod":
                    busy = working[h]
                    cpu = level * (0.8 + 0.4 * jitter) if busy else 0.2 + jitter / 2
                    mem = 40 + 20 * jitter if busy else 25 + jitter
                    net = 5 + 20 * jitter if busy else 0.02
                else:
                    cpu = level * wave[h] * (0.9 + 0.2 * jitter)
                    mem = 50 + 30 * jitter
                    net = 10 + 40 * jitter * wave[h]
                buffer.append(
                    f"{pk}\tcpu_percent\t{stamp}\t{cpu:.4f}\n{pk}\tmemory_percent\t{stamp}\t{mem:.4f}\n"
                    f"{pk}\tnetwork_mbps\t{stamp}\t{net:.4f}\n"
                )
                written += 3
            if len(buffer) > 20_000:
                yield "".join(buffer).encode()
                buffer.clear()
        if buffer:
            yield "".join(buffer).encode()

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy("COPY inventory_metricpoint (resource_id, metric, ts, value) FROM STDIN") as copy,
    ):
        for chunk in lines():
            copy.write(chunk)
    return written, used


def write_ledger(rows: int, today: date) -> tuple[date, date]:
    """``rows`` CostRecord rows over the last LEDGER_DAYS charge dates, each linked to a resource by its provider id
    and connection (text COPY of every column); returns the charge dates' range."""
    from django.db import connection, models

    from apps.costs.models import CostRecord, TagSet, tag_set_id
    from apps.inventory.models import Resource

    resources = list(
        Resource.objects.order_by("pk").values_list(
            "pk", "connection_id", "provider", "resource_id", "resource_type", "kind", "region"
        )
    )
    varying = (
        "billed_cost",
        "effective_cost",
        "list_cost",
        "contracted_cost",
        "billing_currency",
        "billing_period_start",
        "billing_period_end",
        "charge_period_start",
        "charge_period_end",
        "charge_date",
        "charge_category",
        "charge_description",
        "provider_name",
        "billing_account_id",
        "region_id",
        "service_name",
        "service_category",
        "resource_id",
        "resource_name",
        "resource_type",
        "sku_id",
        "pricing_quantity",
        "pricing_unit",
        "tag_set",
        "connection",
        "inventory_resource",
        "source_key",
    )
    columns, parts = [], []
    for field in CostRecord._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.name in varying:
            parts.append(f"{{{field.name}}}")
        elif field.null:
            parts.append("\\N")
        elif isinstance(field, models.JSONField):
            parts.append("{{}}")
        else:
            parts.append("")
    template = "\t".join(parts) + "\n"
    first = today - timedelta(days=LEDGER_DAYS - 1)
    days = []
    for d in range(LEDGER_DAYS):
        day = first + timedelta(days=d)
        month = day.replace(day=1)
        nxt = (month + timedelta(days=32)).replace(day=1)
        days.append(
            (
                day.isoformat(),
                f"{month.isoformat()} 00:00:00+00",
                f"{nxt.isoformat()} 00:00:00+00",
                f"bench:{month:%Y-%m}",
            )
        )
    per_resource = [
        dict(
            connection=conn,
            inventory_resource=pk,
            provider_name=provider,
            resource_id=rid,
            resource_name=rid,
            resource_type=rtype,
            region_id=region,
            service_name=kind,
            service_category="Compute" if kind == "compute" else "Storage",
            tags={"env": "prod" if pk % 3 else "dev", "team": f"team-{pk % 12}"},
            billing_account_id=f"acc-{provider}",
            skus=SKUS[kind],
        )
        for pk, conn, provider, rid, rtype, kind, region in resources
    ]
    n = len(per_resource)
    TagSet.objects.ensure(r["tags"] for r in per_resource)  # the ledger's rows carry their tags as a set id

    def lines():
        buffer = []
        for i in range(rows):
            r = per_resource[i % n]
            k = i // n
            d = k % LEDGER_DAYS
            sku, unit, description = r["skus"][(k // LEDGER_DAYS) % len(r["skus"])]
            hour = (k // (LEDGER_DAYS * 3)) % 24
            day, bps, bpe, source = days[d]
            cost = f"{1 + (i * 7919) % 997 / 100:.6f}"
            buffer.append(
                template.format(
                    billed_cost=cost,
                    effective_cost=cost,
                    list_cost=cost,
                    contracted_cost=cost,
                    billing_currency="RUB",
                    billing_period_start=bps,
                    billing_period_end=bpe,
                    charge_period_start=f"{day} {hour:02d}:00:00+00",
                    charge_period_end=f"{day} {hour:02d}:59:59+00",
                    charge_date=day,
                    charge_category="Usage",
                    charge_description=description,
                    provider_name=r["provider_name"],
                    billing_account_id=r["billing_account_id"],
                    region_id=r["region_id"],
                    service_name=r["service_name"],
                    service_category=r["service_category"],
                    resource_id=r["resource_id"],
                    resource_name=r["resource_name"],
                    resource_type=r["resource_type"],
                    sku_id=f"{r['provider_name']}.{sku}",
                    pricing_quantity="1",
                    pricing_unit=unit,
                    tag_set=tag_set_id(r["tags"]),
                    connection=r["connection"],
                    inventory_resource=r["inventory_resource"],
                    source_key=source,
                )
            )
            if len(buffer) >= 20_000:
                yield "".join(buffer).encode()
                buffer.clear()
        if buffer:
            yield "".join(buffer).encode()

    sql = f"COPY costs_costrecord ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for chunk in lines():
            copy.write(chunk)
    return first, today


# --- measuring --------------------------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def evaluate(label: str, *, trace: bool = False) -> dict:
    """One ``evaluate_now`` with its wall time, peak RSS (reset first), queries and what it wrote."""
    import gc
    import tracemalloc

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.recommendations.services import evaluate_now

    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak RSS (VmHWM) to the current RSS
        reset = True
    except OSError:
        reset = False
    rss_before = _status_kb("VmRSS") / 1024
    if trace:
        tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run = evaluate_now()
        wall = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    if trace:
        tracemalloc.stop()
    peak = _status_kb("VmHWM") / 1024
    kinds = Counter(" ".join(q["sql"].split()[:1]).upper() for q in queries.captured_queries)
    result = {
        "label": label,
        "wall": wall,
        "peak": peak,
        "rss_before": rss_before,
        "reset": reset,
        "traced": traced,
        "queries": len(queries),
        "kinds": kinds,
        "run": run,
    }
    print(
        f"{label:<34}: {wall:6.1f} s, {run.resources:,} resources, {run.findings_created:,} created, "
        f"{run.findings_updated:,} updated, {run.findings_closed:,} closed, {run.findings_open:,} open, "
        f"{len(queries)} queries ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), status "
        f"{run.status}{' ' + str(run.errors) if run.errors else ''}"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--ledger-rows", type=int, default=5_000_000)
    parser.add_argument("--database", default="infrazen_bench_recommendations")
    parser.add_argument("--tracemalloc", action="store_true", help="also Python's peak allocation (slower)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="evaluate on a database kept by an earlier --keep")
    args = parser.parse_args()
    args.keep = args.keep or args.reuse

    with scratch_database(args.database, keep=args.keep, reuse=args.reuse, env={"CURRENCY_FETCH_MISSING": "false"}):
        _run(args)


def _run(args) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from apps.costs.services.rollups import cost_rollups_refresh
    from apps.inventory.models import Resource
    from apps.inventory.services import metric_summaries_recompute
    from apps.recommendations.models import EvaluationRun, Finding, Policy
    from apps.recommendations.registry import rules
    from apps.tenants.models import Organization
    from apps.tenants.services import organization_create

    now = timezone.now()
    if args.reuse:
        call_command("migrate_schemas", verbosity=0)
        org = Organization.objects.get(slug="bench")
    else:
        call_command("migrate_platform", verbosity=0)
        org = organization_create(slug="bench", name="Bench")
    with schema_context(org.schema_name):
        if not args.reuse:
            t0 = time.perf_counter()
            build_estate(args.resources, now)
            print(f"estate   : {args.resources:,} resources with tags in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            points, compute = write_metrics(args.resources, now)
            print(
                f"metrics  : {points:,} hourly points of {len(compute):,} running compute in "
                f"{time.perf_counter() - t0:.1f} s"
            )
            t0 = time.perf_counter()
            for start in range(0, len(compute), 2000):
                metric_summaries_recompute(resource_pks=compute[start : start + 2000])
            print(f"summaries: metric_summaries_recompute in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            first, last = write_ledger(args.ledger_rows, timezone.now().date())
            print(
                f"ledger   : {args.ledger_rows:,} CostRecord rows ({first} .. {last}) in "
                f"{time.perf_counter() - t0:.1f} s"
            )
            t0 = time.perf_counter()
            written = cost_rollups_refresh(start=first, end=last, fetch_missing_rates=False)
            print(f"rollups  : {written:,} CostDaily rows in {time.perf_counter() - t0:.1f} s")
            with connection.cursor() as cursor:
                for table in (
                    "inventory_resource",
                    "inventory_metricpoint",
                    "inventory_resourcemetricsummary",
                    "costs_costrecord",
                    "costs_costdaily",
                ):
                    cursor.execute(f"VACUUM ANALYZE {table}")  # noqa: S608 -- fixed names
        # A guardrail every fifth resource breaks (no «project» tag): thousands of findings to write at 10 000.
        Policy.objects.get_or_create(
            name="bench: project tag required",
            defaults={"kind": "required_tags", "params": {"tags": ["project"], "fields": []}, "scope": {}},
        )
        print(
            f"rules    : {', '.join(rule.key for rule in rules())}; policies: "
            f"{', '.join(Policy.objects.values_list('name', flat=True))}"
        )
        live = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
        small = live[:SMALL]
        Finding.objects.all().delete()
        EvaluationRun.objects.all().delete()
        Resource.objects.filter(pk__in=live[SMALL:]).update(is_deleted=True)
        reference = evaluate(f"evaluation, {len(small):,} resources")
        reference_again = evaluate(f"re-evaluation, {len(small):,} resources")
        Finding.objects.all().delete()
        Resource.objects.filter(pk__in=live[SMALL:]).update(is_deleted=False)
        full = evaluate(f"evaluation, {len(live):,} resources", trace=args.tracemalloc)
        again = evaluate(f"re-evaluation, {len(live):,} resources")
        print()
        print(f"full evaluation  : {full['wall']:.1f} s wall (goal <= 30 s)")
        peak = f"{full['peak']:.0f} MB" if full["reset"] else f"{full['peak']:.0f} MB (process peak: no reset)"
        print(
            f"peak RSS         : {peak} during the evaluation, {full['peak'] - full['rss_before']:.0f} MB over "
            f"the {full['rss_before']:.0f} MB before it (goal <= 500 MB)"
        )
        if full["traced"] is not None:
            print(f"tracemalloc peak : {full['traced']:.0f} MB of Python allocations")
        print(f"findings created : {full['run'].findings_created:,} (open {full['run'].findings_open:,})")
        same = reference["queries"] == full["queries"] and reference_again["queries"] == again["queries"]
        print(
            f"queries          : {reference['queries']} at {len(small):,} resources, {full['queries']} at "
            f"{len(live):,}; re-evaluating (every finding updated) {reference_again['queries']} and "
            f"{again['queries']} ({'independent of the resource count' if same else 'NOT independent'})"
        )


if __name__ == "__main__":
    main()
