"""Tenant onboarding speed: create N organizations (schema cloned from the template) and time it.

Prints the median seconds per new organization (goal <= 1 s) and the wall time of a no-op
`migrate_schemas` across all of them. Uses a scratch database (default `infrazen_bench`) on the server
of DATABASE_URL (or postgres@127.0.0.1:5432), dropped afterwards unless --keep.

    .venv/bin/python benchmarks/tenant_onboarding.py [--count 20] [--keep]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import scratch_database  # noqa: E402 -- after the path is set


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--database", default="infrazen_bench")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    with scratch_database(args.database, keep=args.keep):
        _run(args)


def _run(args) -> None:
    from django.core.management import call_command

    from apps.tenants.services import organization_create

    started = time.perf_counter()
    call_command("migrate_platform", verbosity=0)
    print(f"platform migrate (public + template): {time.perf_counter() - started:.2f} s")

    durations = []
    for index in range(args.count):
        t0 = time.perf_counter()
        organization_create(slug=f"bench-{index:03d}", name=f"Bench {index}")
        durations.append(time.perf_counter() - t0)
    print(f"organizations created: {args.count}")
    print(f"median seconds per new organization: {statistics.median(durations):.3f} s (goal <= 1 s)")
    print(f"p90 / max: {sorted(durations)[int(0.9 * (len(durations) - 1))]:.3f} s / {max(durations):.3f} s")

    t0 = time.perf_counter()
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
    print(f"no-op migrate_schemas across {args.count} organizations: {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0, executor="multiprocessing")
    print(f"no-op migrate_schemas (multiprocessing executor): {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
