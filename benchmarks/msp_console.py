"""MSP console speed: N client organizations (default 300, schemas cloned from the template) of one partner, each
with a year of daily ledger (a few services a day, INSERT ... SELECT generate_series, rollups refreshed), then:

- the console refresh for all clients (``client_figures_refresh`` in every client's schema), serially in this
  process and with W worker processes (goal <= 60 s for all clients);
- the console page ``/console/`` on the public host: median of R requests through the Django test client
  (goal <= 200 ms), and the clients API.

Uses a scratch database (default ``infrazen_bench_console``) on the server of DATABASE_URL, dropped afterwards
unless --keep.

    .venv/bin/python benchmarks/msp_console.py [--clients 300] [--services 4] [--workers <cpus>] [--runs 15] [--keep]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import insert_select_columns, scratch_database  # noqa: E402 -- after the path is set

DAYS = 365


def fill_ledger(services: int, end: date, days: int = DAYS) -> None:
    """``days`` (a year) of daily costs in the active schema: ``services`` services a day over two providers."""
    from django.db import connection

    from apps.costs.models import CostRecord

    explicit = {
        "billed_cost": "round((50 + random() * 100)::numeric, 2)",
        "effective_cost": "round((50 + random() * 90)::numeric, 2)",
        "list_cost": "round((50 + random() * 120)::numeric, 2)",
        "contracted_cost": "round((50 + random() * 100)::numeric, 2)",
        "billing_currency": "'RUB'",
        "charge_date": "d",
        "charge_period_start": "d::timestamptz",
        "charge_period_end": "(d + 1)::timestamptz",
        "billing_period_start": "date_trunc('month', d)::timestamptz",
        "billing_period_end": "(date_trunc('month', d) + interval '1 month')::timestamptz",
        "charge_category": "'Usage'",
        "provider_name": "CASE WHEN s %% 2 = 0 THEN 'Yandex Cloud' ELSE 'Beget' END",
        "publisher_name": "CASE WHEN s %% 2 = 0 THEN 'Yandex Cloud' ELSE 'Beget' END",
        "invoice_issuer_name": "CASE WHEN s %% 2 = 0 THEN 'Yandex Cloud' ELSE 'Beget' END",
        "billing_account_id": "'acc-1'",
        "service_name": "'service-' || s",
        "service_category": "'Compute'",
        "region_id": "'ru-central1'",
        "resource_id": "'res-' || s",
        "resource_type": "'vm'",
        "source_key": "'bench:' || to_char(d, 'YYYY-MM')",
    }
    columns, values = insert_select_columns(CostRecord, explicit)
    sql = (
        f"INSERT INTO costs_costrecord ({', '.join(columns)}) "  # noqa: S608 -- generated benchmark data
        f"SELECT {', '.join(values)} FROM ("
        f"  SELECT (%(start)s::date + day)::date AS d, s"
        f"  FROM generate_series(0, {int(days) - 1}) AS day, generate_series(0, %(services)s - 1) AS s) g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": end - timedelta(days=days - 1), "services": services})


def _create_chunk(job) -> list[str]:
    """A worker process: create the clients numbered ``indexes`` with their ledger and rollups."""
    from django.db import connection, connections
    from django_tenants.utils import schema_context

    from apps.costs.services.rollups import cost_rollups_refresh
    from apps.tenants.models import Partner
    from apps.tenants.services import organization_create

    partner_id, indexes, services, end = job
    connections.close_all()
    partner = Partner.objects.get(pk=partner_id)
    schemas = []
    for index in indexes:
        organization = organization_create(slug=f"client-{index:03d}", name=f"Client {index:03d}", partner=partner)
        schemas.append(organization.schema_name)
        with schema_context(organization.schema_name):
            fill_ledger(services, end)
            cost_rollups_refresh(start=end - timedelta(days=DAYS - 1), end=end, fetch_missing_rates=False)
        connection.set_schema_to_public()
    connections.close_all()
    return schemas


def _refresh_chunk(schemas: list[str]) -> int:
    """A worker process: refresh the clients of ``schemas``."""
    from django.db import connections
    from django_tenants.utils import schema_context

    from apps.partners.refresh import client_figures_refresh

    connections.close_all()  # never share the parent's connection
    for schema in schemas:
        with schema_context(schema):
            client_figures_refresh()
    connections.close_all()
    return len(schemas)


def _median_ms(func, runs: int) -> tuple[float, float]:
    func()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def _run(args) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.utils import timezone

    from apps.accounts.models import PartnerMembership, User
    from apps.accounts.roles import Role
    from apps.partners.models import BillingRule, ClientSnapshot
    from apps.partners.tasks import partner_clients_refresh_now
    from apps.tenants.models import Organization, Partner

    if args.reuse:  # measure again on the clients of a database kept earlier (--keep, or an interrupted run)
        partner = Partner.objects.get(slug="bench-msp")
        operator = User.objects.get(email="operator@bench.test")
        schemas = list(Organization.objects.filter(partner=partner).values_list("schema_name", flat=True))
        print(f"reusing {len(schemas)} clients of a kept database")
    else:
        t0 = time.perf_counter()
        call_command("migrate_platform", verbosity=0)
        print(f"platform migrate (public + template): {time.perf_counter() - t0:.1f} s")

        partner = Partner.objects.create(slug="bench-msp", name="Bench MSP")
        operator = User.objects.create_user(
            email="operator@bench.test", password="Bench-Password-42", full_name="Bench Operator"
        )
        PartnerMembership.objects.create(user=operator, partner=partner, role=Role.ADMIN)
        BillingRule.objects.create(partner=partner, provider="Yandex Cloud", markup_percent=Decimal("10"))
        BillingRule.objects.create(partner=partner, provider="Beget", fixed_monthly_fee=Decimal("1500"))

        end = timezone.localdate()
        t0 = time.perf_counter()
        # The first clone installs the schema-cloning function: once, in this process; the rest in parallel.
        schemas = _create_chunk((partner.pk, [0], args.services, end))
        indexes = list(range(1, args.clients))
        chunks = [(partner.pk, indexes[i :: args.workers], args.services, end) for i in range(max(1, args.workers))]
        with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
            schemas += [schema for part in pool.map(_create_chunk, chunks) for schema in part]
        connection.set_schema_to_public()
        print(
            f"clients created with a year of ledger ({args.services} services a day, "
            f"{DAYS * args.services} rows each): {len(schemas)} in {time.perf_counter() - t0:.0f} s "
            f"({len(chunks)} processes)"
        )

    t0 = time.perf_counter()
    count = partner_clients_refresh_now(partner)
    serial = time.perf_counter() - t0
    print(
        f"console refresh, serial in-process: {count} clients in {serial:.1f} s "
        f"({serial / count * 1000:.0f} ms per client) (goal <= 60 s)"
    )

    if args.workers > 1:
        connections.close_all()
        chunks = [schemas[i :: args.workers] for i in range(args.workers)]
        t0 = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            done = sum(pool.map(_refresh_chunk, chunks))
        parallel = time.perf_counter() - t0
        print(f"console refresh, {args.workers} worker processes: {done} clients in {parallel:.1f} s (goal <= 60 s)")
    errors = ClientSnapshot.objects.exclude(error="").count()
    print(f"snapshots: {ClientSnapshot.objects.count()}, with an error: {errors}")

    connection.set_schema_to_public()
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(operator)
    assert client.get("/console/").status_code == 200

    def page(query=""):
        return lambda: client.get("/console/" + query)

    for label, query in (
        ("/console/ (by name)", ""),
        ("/console/?sort=-margin", "?sort=-margin"),
        ("/console/?q=client-1&alerts=…", "?q=client-1&sync_errors=1"),
    ):
        median, worst = _median_ms(page(query), args.runs)
        print(f"console page {label:<34} median {median:6.1f} ms   max {worst:6.1f} ms   (goal <= 200 ms)")
    median, worst = _median_ms(lambda: client.get("/api/v1/partner/clients/"), args.runs)
    print(f"clients API (first page of 50)             median {median:6.1f} ms   max {worst:6.1f} ms")
    print(f"finished at {datetime.now():%H:%M:%S}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--services", type=int, default=4)
    parser.add_argument("--workers", type=int, default=max(2, multiprocessing.cpu_count()))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database", default="infrazen_bench_console")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="measure on a database kept by an earlier --keep")
    args = parser.parse_args()
    args.keep = args.keep or args.reuse

    with scratch_database(args.database, keep=args.keep, reuse=args.reuse, env={"CURRENCY_FETCH_MISSING": "false"}):
        _run(args)


if __name__ == "__main__":
    main()
