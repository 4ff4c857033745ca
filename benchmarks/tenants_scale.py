"""A thousand organizations on one PostgreSQL (issue 15): N organizations (default 1 000, schemas cloned from the
template), each an MSP client with a small ledger (90 days of 3 services, rollups), 10 resources with 30 days of
hourly metrics and a monthly budget. Prints:

- the time of one new organization (median of 5) at 1, 100 and N existing ones (goal <= 1 s at any count);
- the no-op ``migrate_platform`` (a fresh ``manage.py`` process, as a deploy runs it; goal <= 60 s);
- one new migration (a column added to a benchmark-only tenant table) applied to every schema, by
  ``migrate_platform`` with django-tenants' standard executor, its multiprocessing one and ours (``batch``, the
  default; goal <= 5 min);
- the database size and the catalog's size (pg_class, pg_attribute... rows and bytes);
- login to dashboard for one organization at N (allauth login POST, then the dashboard), medians;
- the minute alert delivery sweep across all organizations (one call of ``alerts_deliver_all``);
- the nightly evaluation (recommendations, budget/anomaly/runway checks, console refresh) across all N
  organizations: the nightly schedules' functions queue their tasks, then a real ``manage.py qcluster`` with W
  workers (default 2) runs them until the queue is empty (goal <= 30 min with 2 workers).

Uses a scratch database (default ``infrazen_bench_scale``) on the server of DATABASE_URL, dropped afterwards unless
--keep; --reuse measures again on a kept one (organizations are only added up to N).

    .venv/bin/python benchmarks/tenants_scale.py [--orgs 1000] [--workers 2] [--keep] [--reuse] [--skip-nightly]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scale_probe import add_field, migrations_package, write_migration  # noqa: E402
from benchmarks.scratch import scratch_database  # noqa: E402 -- after the path is set

SETTINGS = "benchmarks.settings_scale"


def _manage(*args: str) -> float:
    """``manage.py <args>`` in a fresh process with the benchmark's settings; returns its wall time."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def _populate(partner, index: int, today) -> str:
    """One client organization with its small estate; returns its schema."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from apps.budgets.models import Budget
    from apps.costs.services.rollups import cost_rollups_refresh
    from apps.tenants.services import organization_create
    from benchmarks.msp_console import fill_ledger
    from benchmarks.recommendations import build_estate, write_metrics

    organization = organization_create(slug=f"scale-{index:04d}", name=f"Клиент {index:04d}", partner=partner)
    with schema_context(organization.schema_name):
        fill_ledger(3, today, days=90)
        cost_rollups_refresh(start=today - timedelta(days=89), end=today, fetch_missing_rates=False)
        now = timezone.now()
        build_estate(10, now)
        write_metrics(10, now)
        Budget.objects.create(name="Месяц", amount=Decimal("30000"))
    connection.set_schema_to_public()
    return organization.schema_name


def _timed_creations(partner, start: int, count: int = 5) -> float:
    """Median seconds of ``organization_create`` alone, for ``count`` organizations numbered from ``start``."""
    from django.db import connection

    from apps.tenants.services import organization_create

    durations = []
    for index in range(start, start + count):
        began = time.perf_counter()
        organization_create(slug=f"scale-{index:04d}", name=f"Клиент {index:04d}", partner=partner)
        durations.append(time.perf_counter() - began)
        connection.set_schema_to_public()
    return statistics.median(durations)


def _django_tenants_clone() -> float:
    """Before: one schema cloned by django-tenants' own clone_schema (then dropped), in seconds."""
    from django.conf import settings
    from django.db import connection
    from django_tenants.clone import CloneSchema

    began = time.perf_counter()
    CloneSchema().clone_schema(settings.TENANT_BASE_SCHEMA, "scale_clone_before")
    elapsed = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute('DROP SCHEMA "scale_clone_before" CASCADE')
    connection.set_schema_to_public()
    return elapsed


def _catalog_size() -> tuple[int, int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_database_size(current_database()), "
            "(SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            " WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r'), "
            "(SELECT count(*) FROM pg_class)"
        )
        return cursor.fetchone()


def _fill_to(partner, target: int, today, marks: dict[int, float], before: dict[int, float], compare: bool) -> None:
    """Add organizations with their estates up to ``target``; on reaching each count of ``marks`` (below the
    target), time 5 bare creations there."""
    from apps.tenants.models import Organization

    existing = Organization.objects.filter(partner=partner).count()
    started, added = time.perf_counter(), 0
    while existing < target:
        if existing in marks and marks[existing] is None:
            marks[existing] = _timed_creations(partner, existing)
            if compare:
                before[existing] = _django_tenants_clone()
            existing += 5
            continue
        _populate(partner, existing, today)
        existing += 1
        added += 1
        if added % 100 == 0:
            print(f"  {existing} organizations ({time.perf_counter() - started:.0f} s)", flush=True)


def _login_to_dashboard(schema: str, runs: int = 7) -> tuple[float, float]:
    from django.test import Client

    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.accounts.services import membership_add, user_create
    from apps.tenants.models import Organization

    organization = Organization.objects.get(schema_name=schema)
    email, password = "owner@scale.test", "Scale-Bench-Pass-9"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(email=email, password=password, full_name="Scale Owner")
        membership_add(organization=organization, user=user, role=Role.OWNER, actor=None)
    host = organization.primary_host
    logins, dashboards = [], []
    for _ in range(runs + 1):
        client = Client(HTTP_HOST=host, secure=True)
        began = time.perf_counter()
        answer = client.post("/accounts/login/", {"login": email, "password": password})
        middle = time.perf_counter()
        page = client.get("/")
        ended = time.perf_counter()
        if answer.status_code != 302 or page.status_code != 200:
            raise SystemExit(f"login to dashboard failed: {answer.status_code} then {page.status_code}")
        logins.append(middle - began)
        dashboards.append(ended - middle)
    return statistics.median(logins[1:]) * 1000, statistics.median(dashboards[1:]) * 1000


def _nightly(workers: int) -> tuple[int, float, int]:
    """Queue the nightly work as the schedules do and let a real cluster with ``workers`` workers run it."""
    from django.db import connection
    from django_q.models import OrmQ, Task

    from apps.budgets.checks import checks_nightly_all
    from apps.partners.tasks import console_refresh_nightly_all
    from apps.recommendations.tasks import evaluation_nightly_all

    OrmQ.objects.all().delete()
    Task.objects.all().delete()
    queued = evaluation_nightly_all() + checks_nightly_all() + console_refresh_nightly_all()
    connection.close()
    env = {**os.environ, "Q_WORKERS": str(workers)}
    started = time.perf_counter()
    cluster = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "qcluster"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        last = None
        while True:
            waiting = OrmQ.objects.count()
            if waiting == 0:
                break
            if waiting != last and waiting % 250 < 10:
                print(f"  {waiting} tasks waiting ({time.perf_counter() - started:.0f} s)", flush=True)
            last = waiting
            time.sleep(1)
        elapsed = time.perf_counter() - started
    finally:
        cluster.terminate()
        cluster.wait(timeout=60)
    return queued, elapsed, Task.objects.filter(success=False).count()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default="infrazen_bench_scale")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--skip-nightly", action="store_true")
    parser.add_argument(
        "--compare-clone",
        action="store_true",
        help="also time django-tenants' own clone once at each count (the figure before)",
    )
    parser.add_argument(
        "--executors",
        default="standard,multiprocessing,batch",
        help="the migrate_platform executors to time, each with a new migration",
    )
    args = parser.parse_args()

    with migrations_package() as probe:
        env = {"DJANGO_SETTINGS_MODULE": SETTINGS, "SCALE_PROBE_MIGRATIONS": str(probe), "LOG_LEVEL": "ERROR"}
        with scratch_database(args.database, keep=args.keep or args.reuse, reuse=args.reuse, env=env):
            _run(args, probe)


def _run(args, probe: Path) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from apps.notifications.services import alerts_deliver_all
    from apps.tenants.models import Organization
    from apps.tenants.services import partner_get_or_create

    started = time.perf_counter()
    call_command("migrate_platform", verbosity=0)
    print(f"platform migrate (public + template): {time.perf_counter() - started:.1f} s")
    partner = partner_get_or_create(slug="scale-msp", name="Scale MSP")
    today = timezone.localdate()
    marks: dict[int, float | None] = {1: None, 100: None, args.orgs: None}
    began = time.perf_counter()
    before: dict[int, float] = {}
    _fill_to(partner, args.orgs, today, marks, before, args.compare_clone)
    marks[args.orgs] = _timed_creations(partner, Organization.objects.filter(partner=partner).count())
    if args.compare_clone:
        before[args.orgs] = _django_tenants_clone()
    organizations = Organization.objects.filter(partner=partner).count()
    print(f"{organizations} organizations in {time.perf_counter() - began:.0f} s (estates included)")
    for count, seconds in sorted(marks.items()):
        if seconds is not None:
            was = f"; django-tenants' clone alone: {before[count]:.2f} s" if count in before else ""
            print(f"new organization at {count} existing: {seconds:.3f} s (median of 5; goal <= 1 s){was}")

    database, catalog, relations = _catalog_size()
    print(f"database size: {database / 2**20:.0f} MB; catalog: {catalog / 2**20:.0f} MB, {relations} relations")

    print(
        f"no-op migrate_platform ({organizations} organizations, new process): "
        f"{_manage('migrate_platform', '--verbosity', '0'):.1f} s (goal <= 60 s)"
    )
    for number, executor in enumerate(args.executors.split(","), start=2):
        write_migration(probe, number, add_field(executor))
        seconds = _manage("migrate_platform", "--verbosity", "0", "--executor", executor)
        processes = "" if executor == "standard" else f", {settings.TENANT_MULTIPROCESSING_MAX_PROCESSES} processes"
        print(f"one new migration over every schema, {executor} executor{processes}: {seconds:.1f} s (goal <= 300 s)")

    schema = Organization.objects.filter(partner=partner).order_by("pk")[organizations // 2].schema_name
    login_ms, dashboard_ms = _login_to_dashboard(schema)
    print(
        f"login at {organizations} organizations: {login_ms:.0f} ms; then the dashboard: {dashboard_ms:.0f} ms "
        f"(medians of 7)"
    )

    began = time.perf_counter()
    alerts_deliver_all()
    print(
        f"alert delivery sweep over {organizations} organizations: {time.perf_counter() - began:.1f} s "
        f"(runs every minute)"
    )

    if not args.skip_nightly:
        queued, elapsed, failed = _nightly(args.workers)
        print(
            f"nightly evaluation: {queued} tasks for {organizations} organizations with {args.workers} workers: "
            f"{elapsed:.0f} s = {elapsed / 60:.1f} min (goal <= 30 min); failed tasks: {failed}"
        )


if __name__ == "__main__":
    main()
