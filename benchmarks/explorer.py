"""Cost explorer speed: N cost rows (default 5 000 000) in one organization, generated server-side with
INSERT ... SELECT generate_series, rollups refreshed, then p50/p95 of the summary API's selector + JSON
for: a month by service, 365 days by service, a month by region in day buckets (time series), a month
with a tag filter, and (extra) a month grouped by a tag and 365 days with a tag filter (goal p95 <= 300 ms
each).

Uses a scratch database (default ``infrazen_bench_explorer``) on the server of DATABASE_URL, dropped
afterwards unless --keep; --reuse measures again on a database kept earlier (migrated first, so a new
rollup is backfilled by its migration) without generating the ledger again.

    .venv/bin/python benchmarks/explorer.py [--rows 5000000] [--runs 30] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import statistics
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

DAYS = 365
END = date(2026, 6, 30)


def fill_ledger(rows: int) -> None:
    """One INSERT ... SELECT over generate_series: 20 services, 8 regions, 2 000 resources, 3 tag values."""
    from django.db import connection

    from apps.costs.models import CostRecord

    start = END - timedelta(days=DAYS - 1)
    explicit = {
        "billed_cost": "round((random() * 10)::numeric, 6)",
        "effective_cost": "round((random() * 9)::numeric, 6)",
        "list_cost": "round((random() * 12)::numeric, 6)",
        "contracted_cost": "round((random() * 11)::numeric, 6)",
        "billing_currency": "CASE WHEN g %% 50 = 0 THEN 'USD' ELSE 'RUB' END",
        "charge_date": "d",
        "charge_period_start": "d::timestamptz",
        "charge_period_end": "(d + 1)::timestamptz",
        "billing_period_start": "date_trunc('month', d)::timestamptz",
        "billing_period_end": "(date_trunc('month', d) + interval '1 month')::timestamptz",
        "charge_category": "CASE WHEN g %% 97 = 0 THEN 'Tax' ELSE 'Usage' END",
        "provider_name": "CASE WHEN r %% 3 = 0 THEN 'Selectel' ELSE 'Yandex Cloud' END",
        "billing_account_id": "'acc-' || (r %% 4)",
        "service_name": "'service-' || (r %% 20)",
        "service_category": "CASE WHEN r %% 20 < 8 THEN 'Compute' ELSE 'Storage' END",
        "region_id": "'region-' || (r %% 8)",
        "resource_id": "'res-' || r",
        "resource_type": "'type-' || (r %% 5)",
        "sku_id": "'sku-' || (g %% 40)",
        "tag_set_id": tag_set_sql([{"env": env, "team": f"t{team}"} for env in ("prod", "dev", "stage")
                                   for team in range(10)], "(r %% 3) * 10 + r %% 10"),
        "source_key": "'bench:' || to_char(d, 'YYYY-MM')",
    }
    columns, values = insert_select_columns(CostRecord, explicit)
    per_day = rows // DAYS + 1
    sql = (
        f"INSERT INTO costs_costrecord ({', '.join(columns)}) "  # noqa: S608 -- generated benchmark data
        f"SELECT {', '.join(values)} FROM ("
        f"  SELECT g, (%(start)s::date + (g / {per_day}))::date AS d, ((g * 7919::bigint) %% 2000)::int AS r"
        f"  FROM generate_series(0, %(rows)s - 1) AS g) s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start, "rows": rows})
        cursor.execute("ANALYZE costs_costrecord")


def measure(label: str, func, runs: int) -> None:
    func()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    print(f"{label:<42} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   (goal p95 <= 300 ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database", default="infrazen_bench_explorer")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="measure on a database kept by an earlier --keep")
    args = parser.parse_args()
    args.keep = args.keep or args.reuse

    with scratch_database(args.database, keep=args.keep, reuse=args.reuse, env={"CURRENCY_FETCH_MISSING": "false"}):
        _run(args)


def _run(args) -> None:
    from decimal import Decimal

    from django.core.management import call_command
    from django.http import QueryDict
    from django_tenants.utils import schema_context

    from apps.costs.forms import explorer_params
    from apps.costs.models import CostDaily
    from apps.costs.selectors.explorer import cost_explorer_view, cost_summary
    from apps.costs.serializers import SummaryOutputSerializer, TimeseriesOutputSerializer
    from apps.costs.services.rollups import cost_rollups_refresh
    from apps.currency.models import ExchangeRate
    from apps.tenants.models import Organization
    from apps.tenants.services import organization_create

    start = END - timedelta(days=DAYS - 1)
    if args.reuse:
        call_command("migrate_schemas", verbosity=0)
        org = Organization.objects.get(slug="bench")
    else:
        call_command("migrate_platform", verbosity=0)
        org = organization_create(slug="bench", name="Bench")
        ExchangeRate.objects.create(date=start - timedelta(days=1), currency="USD", rate_rub=Decimal("90"))
    with schema_context(org.schema_name):
        from django.db import connection

        if not args.reuse:
            t0 = time.perf_counter()
            fill_ledger(args.rows)
            print(f"ledger   : {args.rows:,} rows generated in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            written = cost_rollups_refresh(start=start, end=END)
            print(
                f"rollups  : {written:,} CostDaily rows (+ monthly and tag rollups) in {time.perf_counter() - t0:.1f} s"
            )
        with connection.cursor() as cursor:
            for table in ("costs_costdaily", "costs_costmonthly", "costs_costdailytag"):
                cursor.execute(f"ANALYZE {table}")  # noqa: S608 -- fixed names
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
                print(f"{table:<20}: {cursor.fetchone()[0]:,} rows")
        month = (date(2026, 5, 1), date(2026, 5, 31))

        def summary_json(summary):
            return SummaryOutputSerializer(summary).data

        def month_by_service():
            return summary_json(cost_summary(start=month[0], end=month[1], group_by="service"))

        def year_by_service():
            return summary_json(cost_summary(start=start, end=END, group_by="service"))

        def month_days_by_region():
            query = QueryDict("start=2026-05-01&end=2026-05-31&group_by=region&granularity=day")
            return TimeseriesOutputSerializer(cost_explorer_view(params=explorer_params(query))).data

        def tag_filter():
            return summary_json(cost_summary(start=month[0], end=month[1], group_by="service", tags=[("env", "prod")]))

        def month_by_tag():
            return summary_json(cost_summary(start=month[0], end=month[1], group_by="tag:team"))

        def year_tag_filter():
            return summary_json(cost_summary(start=start, end=END, group_by="service", tags=[("env", "prod")]))

        check = month_by_service()
        assert Decimal(check["total"]) > 0 and CostDaily.objects.exists()
        measure("summary: month by service", month_by_service, args.runs)
        measure("summary: 365 days by service", year_by_service, args.runs)
        measure("timeseries: month, day buckets by region", month_days_by_region, args.runs)
        measure("summary: month, tag env=prod, by service", tag_filter, args.runs)
        measure("summary: month by tag:team (extra)", month_by_tag, args.runs)
        measure("summary: 365 days, tag env=prod (extra)", year_tag_filter, args.runs)


if __name__ == "__main__":
    main()
