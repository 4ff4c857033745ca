"""Applying the allocation to the ledger's history at scale: N inventory resources (default 100 000, names
following conventions ``<app>-<env>-<nn>``, tags on a third of them, two clouds with folders/projects), an
M-row ledger (default 5 000 000) over ~60 days generated server-side (INSERT ... SELECT generate_series), 200
rules (regex on the name, equals/in on service, region and provider, tag conditions, hierarchy) and a shared
cost split in proportion to cost; the rollups are built before the rules (as imports leave them), then
``allocation_history_apply()`` is timed with the process's peak RSS (goal <= 60 s, <= 500 MB).

Uses a scratch database (default ``infrazen_bench_allocation``) on the server of DATABASE_URL, dropped
afterwards unless --keep; --reuse measures again on a database kept earlier (the definitions are bumped, so
every signature is evaluated again; --fresh-rules first removes the rules and the shared cost and applies that,
unmeasured, so that the 200 rules and the shared cost are new again). --profile N writes a cProfile of the
apply, top N functions printed.

    .venv/bin/python benchmarks/allocation.py [--resources 100000] [--rows 5000000] [--keep] [--reuse]
        [--fresh-rules] [--rebuild] [--change N] [--phases] [--build-only] [--queries N] [--profile N]

Figures (2026-12-06, 2 shared CPUs under the load of other jobs, load average 2-5; the data build takes ~4 min):
- 10 000 resources, 500 000 rows: before the fixes 74.7 s (cProfile: split basis 23 s, signatures 16 s of which
  606 single-row set inserts 6 s, regexes 4 s); after 48-58 s, peak RSS +49 MB.
- 100 000 resources, 5 000 000 rows, 200 rules, 99 503 signatures: 532.6 s and peak +530 MB (627 MB) before the
  chunked evaluation; after 285.1 s and peak 228 MB (+132 MB over 96 MB). Rollups equal the ledger to the kopeck.
  Most of the time is the rollups' own SQL (the CostDaily insert of 2.5 M rows a month, ~65 s each, the stage
  ~30 s each), not the allocation: the 60 s goal is not met at this size on this machine.
- 2026-12-06 evening, --phases (rollups empty, load average ~1 at the start): 259.3 s, peak 208 MB (+113 MB): stage
  48.6 s (16.1 + 32.5), signatures 10.9, daily insert 135.3 (33.6 + 101.7), split shares 5.3, split rows 3.8, tag
  rollup 25.9, monthly rollup 29.0. Same code again over full rollups under the load of other jobs (load average
  8-13): 512.5 s. A variant writing only the changed rollup rows (new rows into a temporary table, hash anti-joins
  against the range) plus work_mem 256 MB, same data, load 13-16: 679 s (stage 137, signatures 39, new daily rows
  215, diff 138, tags 79, monthly 47): no gain, not kept.
- 2026-12-07, the rollups pointing at signatures (the allocation joined at query time), rollups built before the
  rules as imports build them, quiet machine: --reuse --fresh-rules --phases 30.6 s (signatures 18.3, the network's
  rows moved to the shared rows 4.2, split rows 8.1), +21 MB; --change 10: 26.7 s. The first try took 90.3 s: the
  rollups had no planner statistics yet (written wholesale just before), so the split rows' statements walked
  the date index into nested loops; ANALYZE after wholesale writes fixed it. The month-by-month rebuild (--rebuild,
  or a change of granularity): 423 s. A fresh run (no option): rollups built in 274.4 s, apply 25.9 s (signatures
  17.3, moved 4.0, split rows 4.6), 217 MB peak.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import (  # noqa: E402 -- after the path is set
    insert_select_columns,
    scratch_database,
    tag_set_sql,
)

DAYS = 60
END = date(2026, 6, 30)
APPS = 40
ENVS = ("prod", "stage", "dev")
UNITS = ("shop", "crm", "analytics", "platform", "marketing", "search", "payments", "mobile")
SERVICES = 20
REGIONS = 8
FOLDERS = 25


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _insert_select(model, explicit: dict[str, str], source: str, params: dict) -> None:
    """INSERT INTO the model's table SELECT the ``explicit`` expressions (other columns: NULL, {} or '')."""
    from django.db import connection

    columns, values = insert_select_columns(model, explicit)
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 -- generated data
        f"SELECT {', '.join(values)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(f"ANALYZE {model._meta.db_table}")  # noqa: S608


# Resource r: app r % APPS, environment r % 3, connection r % 2 (yandex / selectel), folder r % FOLDERS,
# service r % SERVICES, region r % REGIONS. Name: app<a>-<env>-<r>.
NAME_SQL = "'app' || (r %% 40) || '-' || (ARRAY['prod','stage','dev'])[1 + r %% 3] || '-' || r"


def fill_inventory(connections: list, resources: int) -> None:
    from django.utils import timezone

    from apps.inventory.models import Resource, ResourceTag

    now = timezone.now()
    conn = f"(ARRAY[{connections[0].pk}, {connections[1].pk}])[1 + r %% 2]"
    _insert_select(
        Resource,
        {
            "connection_id": conn,
            "provider": "(ARRAY['yandex','selectel'])[1 + r %% 2]",
            "resource_id": "'res-' || r",
            "resource_name": NAME_SQL,
            "region": "'region-' || (r %% 8)",
            "account_id": "'cloud-' || (r %% 2)",
            "project_id": "'folder-' || (r %% 25)",
            "resource_type": "'type-' || (r %% 5)",
            "kind": "'compute'",
            "service_name": "'service-' || (r %% 20)",
            "status": "'running'",
            "currency": "'RUB'",
            "pricing_model": "'on_demand'",
            "provider_config": "jsonb_build_object('folder_name', 'folder-' || (r %% 25))",
            "first_seen_at": "%(now)s",
            "last_seen_at": "%(now)s",
        },
        "generate_series(0, %(n)s - 1) AS r",
        {"n": resources, "now": now},
    )
    # Tags on a third of the resources: team and cost center.
    _insert_select(
        ResourceTag,
        {
            "resource_id": "res.id",
            "key": "t.key",
            "value": "CASE WHEN t.key = 'team' THEN 'team' || (res.r %% 30) ELSE 'cc' || (res.r %% 12) END",
        },
        "(SELECT id, substring(resource_id from 5)::int AS r FROM inventory_resource) res "
        "CROSS JOIN (VALUES ('team'), ('cost_center')) AS t(key) WHERE res.r %% 3 = 0",
        {},
    )


def fill_ledger(connections: list, resources: int, rows: int) -> None:
    """``rows`` rows over ``DAYS`` days; each row is one resource's SKU on a day (two SKUs per resource), and
    one row in 200 is shared network of no resource."""
    from apps.costs.models import CostRecord

    start = END - timedelta(days=DAYS - 1)
    per_day = rows // DAYS + 1
    shared = "g %% 200 = 0"
    conn = f"(ARRAY[{connections[0].pk}, {connections[1].pk}])[1 + r %% 2]"
    _insert_select(
        CostRecord,
        {
            "billed_cost": "round((random() * 10)::numeric, 6)",
            "effective_cost": "round((random() * 9)::numeric, 6)",
            "list_cost": "round((random() * 12)::numeric, 6)",
            "contracted_cost": "round((random() * 11)::numeric, 6)",
            "billing_currency": "'RUB'",
            "charge_date": "d",
            "charge_period_start": "d::timestamptz",
            "charge_period_end": "(d + 1)::timestamptz",
            "billing_period_start": "date_trunc('month', d)::timestamptz",
            "billing_period_end": "(date_trunc('month', d) + interval '1 month')::timestamptz",
            "charge_category": "'Usage'",
            "provider_name": "CASE WHEN r %% 2 = 0 THEN 'Yandex Cloud' ELSE 'Selectel' END",
            "connection_id": conn,
            "billing_account_id": "'cloud-' || (r %% 2)",
            "sub_account_id": "'folder-' || (r %% 25)",
            "service_name": f"CASE WHEN {shared} THEN 'network' ELSE 'service-' || (r %% 20) END",
            "service_category": "'Compute'",
            "region_id": "'region-' || (r %% 8)",
            "resource_id": f"CASE WHEN {shared} THEN '' ELSE 'res-' || r END",
            "resource_name": f"CASE WHEN {shared} THEN '' ELSE {NAME_SQL} END",
            "resource_type": "'type-' || (r %% 5)",
            "sku_id": f"CASE WHEN {shared} THEN 'traffic' ELSE 'sku-' || (r %% 7) || '-' || (g %% 2) END",
            "tag_set_id": tag_set_sql([{}, {"env": "prod"}, {"env": "stage"}, {"env": "dev"}],
                                      "CASE WHEN r %% 5 = 0 THEN 1 + r %% 3 ELSE 0 END"),
            "source_key": "'bench:' || to_char(d, 'YYYY-MM')",
        },
        f"(SELECT g, (%(start)s::date + (g / {per_day}))::date AS d, ((g * 7919::bigint) %% %(res)s)::int AS r "
        "FROM generate_series(0, %(rows)s - 1) AS g) s",
        {"start": start, "rows": rows, "res": resources},
    )


def fill_rules(owner_id: int | None = None) -> int:
    """200 rules in order: 40 name regexes (app -> business unit), 3 name regexes (environment), 40 equals/in on
    service, region and provider, 40 tag conditions, 40 hierarchy (folder -> project), 37 mixed; one shared
    cost (the network) split across the business units in proportion to cost."""
    from apps.allocation.models import Dimension, Rule, SharedCost
    from apps.allocation.services import builtin_dimensions_ensure

    builtin_dimensions_ensure()
    rules = []
    for env in ENVS:
        rules.append(([{"field": "name", "op": "regex", "value": rf"-{env}-\d+$"}], {"environment": env}))
    for app in range(APPS):
        rules.append(
            (
                [{"field": "name", "op": "regex", "value": rf"^app{app}-"}],
                {"business_unit": UNITS[app % len(UNITS)], "product": f"app{app}"},
            )
        )
    for service in range(SERVICES):
        rules.append(
            (
                [{"field": "service", "op": "equals", "value": f"service-{service}"}],
                {"cost_center": f"cc-service-{service}"},
            )
        )
    for region in range(REGIONS):
        rules.append(
            (
                [{"field": "region", "op": "in", "value": [f"region-{region}", f"zone-{region}"]}],
                {"cost_center": f"cc-region-{region}"},
            )
        )
    for provider in ("yandex", "selectel"):
        rules.append(([{"field": "provider", "op": "equals", "value": provider}], {"owner": f"{provider}-team"}))
    for team in range(30):
        rules.append(([{"field": "tag:team", "op": "equals", "value": f"team{team}"}], {"owner": f"team{team}"}))
    for cc in range(10):
        rules.append(
            (
                [{"field": "tag:cost_center", "op": "in", "value": [f"cc{cc}", f"cc{cc + 10}"]}],
                {"cost_center": f"cc{cc}"},
            )
        )
    for folder in range(FOLDERS):
        rules.append(
            ([{"field": "hierarchy", "op": "equals", "value": f"folder-{folder}"}], {"project": f"project-{folder}"})
        )
    while len(rules) < 200:
        n = len(rules)
        rules.append(
            (
                [
                    {"field": "name", "op": "regex", "value": rf"^app{n % APPS}-(prod|stage)-\d*{n % 10}$"},
                    {"field": "tag:env", "op": "exists"},
                    {"field": "service", "op": "equals", "value": f"service-{n % SERVICES}"},
                ],
                {"project": f"special-{n}"},
            )
        )
    Rule.objects.bulk_create(
        [
            Rule(name=f"rule {i}", order=i, conditions=c, actions=a, created_by_id=owner_id)
            for i, (c, a) in enumerate(rules)
        ]
    )
    SharedCost.objects.create(
        name="network",
        conditions=[{"field": "service", "op": "equals", "value": "network"}],
        dimension=Dimension.objects.get(key="business_unit"),
        method="proportional",
        targets=[{"value": u} for u in UNITS],
    )
    return len(rules)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--database", default="infrazen_bench_allocation")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="measure on a database kept by an earlier --keep")
    parser.add_argument("--profile", type=int, default=0, help="cProfile the apply; print the top N")
    parser.add_argument("--build-only", action="store_true", help="generate the data (kept) and stop")
    parser.add_argument("--queries", type=int, default=0, help="print the N slowest statements of the apply")
    parser.add_argument("--phases", action="store_true", help="print the time of each rollup phase of the apply")
    parser.add_argument(
        "--change",
        type=int,
        default=0,
        help="before the apply, move the resources of the first N of the 40 app rules to another "
        "business unit (N/40 of the costs change allocation); default: definitions bumped only",
    )
    parser.add_argument("--rebuild", action="store_true",
                        help="make the apply rebuild the rollups (as a change of the signatures' granularity does)")
    parser.add_argument("--fresh-rules", action="store_true",
                        help="with --reuse: remove the rules and the shared cost, apply that (not measured), then "
                        "measure applying the 200 rules and the shared cost again, as on a database just built")
    args = parser.parse_args()
    args.keep = args.keep or args.reuse or args.build_only
    with scratch_database(args.database, keep=args.keep, reuse=args.reuse, env={"CURRENCY_FETCH_MISSING": "false"}):
        _run(args)


def _run(args) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    from apps.allocation.services import definitions_changed
    from apps.costs.services.allocation_apply import allocation_history_apply
    from apps.providers.models import ProviderConnection
    from apps.tenants.models import Organization
    from apps.tenants.services import organization_create

    if args.reuse:
        call_command("migrate_schemas", verbosity=0)
        org = Organization.objects.get(slug="bench")
    else:
        call_command("migrate_platform", verbosity=0)
        org = organization_create(slug="bench", name="Bench")
    with schema_context(org.schema_name):
        if not args.reuse:
            connections = [
                ProviderConnection.objects.create(provider=p, name=p, auto_sync=False) for p in ("yandex", "selectel")
            ]
            t0 = time.perf_counter()
            fill_inventory(connections, args.resources)
            print(f"inventory: {args.resources:,} resources (tags on a third) in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            fill_ledger(connections, args.resources, args.rows)
            print(f"ledger   : {args.rows:,} rows over {DAYS} days in {time.perf_counter() - t0:.1f} s")
            from apps.costs.services.rollups import cost_rollups_refresh_all

            t0 = time.perf_counter()
            cost_rollups_refresh_all(fetch_missing_rates=False)  # as the imports leave them: before any rule
            print(f"rollups  : built in {time.perf_counter() - t0:.1f} s (as imports build them; not in the apply)")
            print(f"rules    : {fill_rules()} rules + 1 shared cost (proportional)")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), count(DISTINCT (resource_id, sku_id)) FROM costs_costrecord")
            total, distinct = cursor.fetchone()
        print(f"ledger   : {total:,} rows, {distinct:,} resource x SKU combinations")
        if args.build_only:
            return
        if args.change:
            from apps.allocation.models import Rule

            moved = 0
            for rule in Rule.objects.filter(actions__has_key="product"):
                app = int(rule.actions["product"].removeprefix("app"))
                if app < args.change:
                    unit = UNITS[(UNITS.index(rule.actions["business_unit"]) + 1) % len(UNITS)]  # the next one
                    rule.actions = {**rule.actions, "business_unit": unit}
                    rule.save(update_fields=["actions"])
                    moved += 1
            print(f"change   : {moved} app rules moved to another business unit")
        if args.reuse and args.fresh_rules:
            from apps.allocation.models import Rule, SharedCost

            Rule.objects.all().delete()
            SharedCost.objects.all().delete()
            t0 = time.perf_counter()
            allocation_history_apply(version=definitions_changed())
            print(f"reset    : rules and the shared cost removed, applied in {time.perf_counter() - t0:.1f} s "
                  "(not measured)")
            print(f"rules    : {fill_rules()} rules + 1 shared cost (proportional), applied below")
        if args.rebuild:
            from apps.allocation.models import AllocationState

            AllocationState.objects.update(signatures_with_sku=None)  # as after a change of granularity
            print("rebuild  : the rollups are rebuilt month by month (the slow path)")
        version = definitions_changed()
        gc.collect()
        try:
            Path("/proc/self/clear_refs").write_text("5")  # resets the peak RSS (VmHWM) to the current RSS
            reset = "peak reset before the apply"
        except OSError:
            reset = "peak of the whole process (could not reset)"
        rss_before = _status_kb("VmRSS") / 1024
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        timings: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context):
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.append((time.perf_counter() - t0, " ".join(str(sql).split())[:160]))

        from apps.costs.services import rollups

        phases: list[tuple[str, float]] = []
        if args.phases:
            rollups.PHASE_TIMINGS = phases
        started = time.perf_counter()
        if args.queries:
            with connection.execute_wrapper(timed):
                days = allocation_history_apply(version=version)
        else:
            days = allocation_history_apply(version=version)
        wall = time.perf_counter() - started
        rollups.PHASE_TIMINGS = None
        if phases:
            totals: dict[str, list[float]] = {}
            for name, seconds in phases:
                totals.setdefault(name, []).append(seconds)
            for name, each in totals.items():
                print(f"  phase {name:<15} {sum(each):7.1f} s  ({', '.join(f'{x:.1f}' for x in each)})")
        for seconds, sql in sorted(timings, reverse=True)[: args.queries]:
            print(f"  {seconds:6.2f} s  {sql}")
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
        peak = _status_kb("VmHWM") / 1024
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM allocation_allocationsignature")
            signatures = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM allocation_allocationset")
            sets = cursor.fetchone()[0]
            cursor.execute("SELECT count(*), count(alloc_sig) FROM costs_costdaily")
            daily, allocated = cursor.fetchone()
            cursor.execute("SELECT round(sum(billed_cost), 2) FROM costs_costrecord")
            ledger_total = cursor.fetchone()[0]
            cursor.execute("SELECT round(sum(billed_cost), 2) FROM costs_costdaily")
            daily_total = cursor.fetchone()[0]
        print(
            f"apply    : {days} days in {wall:.1f} s (goal <= 60 s); {signatures:,} signatures, {sets:,} value "
            f"combinations; CostDaily {daily:,} rows, {allocated:,} with an allocation"
        )
        print(f"money    : ledger {ledger_total} = rollups {daily_total}")
        print(
            f"peak RSS : {peak:.0f} MB ({reset}; {rss_before:.0f} MB before, +{peak - rss_before:.0f} MB; "
            "goal <= 500 MB)"
        )


if __name__ == "__main__":
    main()
