"""Sync engine at scale: a first sync of ~10 000 resources from the fake Beget server, then an unchanged one;
the same for a generic OpenStack connection (10 000 servers, each with its disk, from the fake OpenStack:
Keystone, paged Nova, Cinder, Neutron, Glance, Octavia).

Prints wall time, SQL query count and the process's peak resident memory (getrusage: tracemalloc would
slow the run several times) for each; goals: first <= 30 s, second <= 15 s, queries independent of the
resource count (the same two syncs of a 1 000-resource account run first, for comparison; COPY
statements are counted too), peak <= 300 MB. Uses a scratch database (default `infrazen_bench_sync`) on the server
of DATABASE_URL, dropped afterwards unless --keep.

    .venv/bin/python benchmarks/sync_scale.py [--vps 9989] [--small-vps 989] [--keep]
        [--provider all|beget|openstack] [--openstack-servers 10000] [--small-openstack-servers 1000]
        [--gnocchi cpu] [--no-post-steps] [--database NAME]

The fake OpenStack stops every seventh server; with ``SYNC_POST_STEPS`` on, the OpenStack figures include the steps
after the sync (costs, the recommendations' evaluation, checks); ``--no-post-steps`` measures the sync engine alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import scratch_database  # noqa: E402 -- after the path is set


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vps", type=int, default=9989, help="extra VPS (the demo account has 11 resources)")
    parser.add_argument("--small-vps", type=int, default=989, help="extra VPS of the reference account")
    parser.add_argument("--provider", default="all", choices=("all", "beget", "openstack"))
    parser.add_argument("--openstack-servers", type=int, default=10000, help="OpenStack servers (each with a disk)")
    parser.add_argument("--small-openstack-servers", type=int, default=1000, help="servers of the reference cloud")
    parser.add_argument(
        "--gnocchi",
        default="",
        choices=("", "cpu", "cpu_util"),
        help="the fake OpenStack serves Gnocchi CPU (metrics of SYNC_METRICS_MAX_RESOURCES servers)",
    )
    parser.add_argument(
        "--no-post-steps",
        action="store_true",
        help="skip settings.SYNC_POST_STEPS (the recommendations and checks after a sync): the "
        "sync engine's own figures",
    )
    parser.add_argument("--database", default="infrazen_bench_sync")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    with scratch_database(args.database, keep=args.keep, env={"ALLOW_CUSTOM_PROVIDER_ENDPOINTS": "true"}):
        _run(args)


def _run(args) -> None:
    from django.core.management import call_command

    call_command("migrate_platform", verbosity=0)
    if args.no_post_steps:
        from django.conf import settings

        settings.SYNC_POST_STEPS = []
    # The peak memory is the process's: with both, the OpenStack figure covers the Beget run too (run one
    # provider alone for its own peak).
    if args.provider in ("all", "beget"):
        _run_beget(args)
    if args.provider in ("all", "openstack"):
        _run_openstack(args)


def _run_openstack(args) -> None:
    from apps.tenants.services import organization_create
    from tests.fakecloud.openstack import DEMO_PROJECT_ID, DEMO_USER_PASSWORD, DEMO_USERNAME
    from tests.processes import free_port, wait_for_port

    statements: dict[int, list[int]] = {}
    for servers in (args.small_openstack_servers, args.openstack_servers):
        organization = organization_create(slug=f"bench-openstack-{servers}", name=f"Bench OpenStack {servers}")
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "tests.fakecloud.openstack",
            "--port",
            str(port),
            "--seed",
            "3",
            "--servers",
            str(servers),
            *(["--gnocchi", args.gnocchi] if args.gnocchi else []),
        ]
        fake = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        fake_url = f"http://127.0.0.1:{port}"
        try:
            wait_for_port(port, fake, timeout=60)
            statements[servers] = _measure(
                args,
                organization,
                provider="openstack",
                endpoint="",
                credentials={
                    "auth_url": f"{fake_url}/openstack/identity/v3",
                    "username": DEMO_USERNAME,
                    "password": DEMO_USER_PASSWORD,
                    "project_id": DEMO_PROJECT_ID,
                },
            )
        finally:
            fake.terminate()
            fake.wait(timeout=10)
    small, large = statements[args.small_openstack_servers], statements[args.openstack_servers]
    print(
        f"SQL statements, OpenStack {args.small_openstack_servers} vs {args.openstack_servers} servers (each "
        f"with a disk): first sync {small[0]} vs {large[0]}, second sync {small[1]} vs {large[1]} "
        f"({'independent of the resource count' if small == large else 'NOT independent of the count'})"
    )


def _run_beget(args) -> None:
    from apps.tenants.services import organization_create
    from tests.fakecloud.beget import DEMO_LOGIN, DEMO_PASSWORD
    from tests.processes import free_port, wait_for_port

    statements: dict[int, list[int]] = {}
    # A small account first (its statement counts are the reference), then the large one whose peak
    # memory is the figure: the peak is the process's, and the small run cannot raise it.
    for extra in (args.small_vps, args.vps):
        organization = organization_create(slug=f"bench-sync-{extra}", name=f"Bench sync {extra}")
        # The fake runs in its own process so the peak memory printed below is the sync's, not the fake's.
        port = free_port()
        fake = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.fakecloud",
                "--port",
                str(port),
                "--seed",
                "3",
                "--beget-extra-vps",
                str(extra),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        fake_url = f"http://127.0.0.1:{port}"
        try:
            wait_for_port(port, fake, timeout=60)
            statements[extra] = _measure(
                args,
                organization,
                provider="beget",
                endpoint=fake_url,
                credentials={"login": DEMO_LOGIN, "password": DEMO_PASSWORD},
            )
        finally:
            fake.terminate()
            fake.wait(timeout=10)
    small, large = statements[args.small_vps], statements[args.vps]
    print(
        f"SQL statements, {args.small_vps + 11} vs {args.vps + 11} resources: first sync {small[0]} vs "
        f"{large[0]}, second sync {small[1]} vs {large[1]} "
        f"({'independent of the resource count' if small == large else 'NOT independent of the count'})"
    )


def _measure(args, organization, *, provider: str, endpoint: str, credentials: dict[str, str]) -> list[int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from apps.common.http import build_session
    from apps.inventory.models import Resource
    from apps.providers.models import SyncRun
    from apps.providers.services import connection_create
    from apps.providers.sync import sync_run_execute, sync_run_start

    counts: list[int] = []
    print(f"-- {organization.name}")
    with tenant_context(organization):
        conn = connection_create(
            provider=provider, name=f"{provider} scale", endpoint=endpoint, credentials=credentials
        )
        session = build_session(retry_post=True)
        for label in ("first sync", "second sync (unchanged)"):
            run = sync_run_start(connection=conn, enqueue=False)
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                sync_run_execute(sync_run_id=run.pk, plugin_options={"session": session})
            elapsed = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
            run = SyncRun.objects.get(pk=run.pk)
            print(
                f"{label}: status={run.status} found={run.resources_found} created={run.resources_created} "
                f"updated={run.resources_updated} unchanged={run.resources_unchanged} "
                f"metric_points={run.metric_points}"
            )
            for error in run.errors or []:
                print(f"    error {error.get('endpoint')}: {error.get('message')}")
            if os.environ.get("BENCH_QUERIES"):
                from collections import Counter

                for sql, count in Counter(q["sql"][:60] for q in queries.captured_queries).most_common(40):
                    print(f"    {count:4d} x {sql}")
            statements = sum(1 for q in queries.captured_queries if not q["sql"].startswith("SET search_path"))
            counts.append(statements)
            print(
                f"  wall {elapsed:.2f} s, {len(queries)} SQL queries ({statements} besides django-tenants' "
                f"SET search_path), process peak RSS so far {peak / 2**20:.0f} MB"
            )
        print(f"resources stored: {Resource.objects.count()}, monthly total {run.total_monthly_cost} {run.currency}")
    return counts


if __name__ == "__main__":
    main()
