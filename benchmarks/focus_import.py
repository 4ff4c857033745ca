"""FOCUS import speed: generate an N-row FOCUS 1.2 CSV, import it, and COPY the same file into two bare
unindexed tables with the file's columns: every column text (the physical limit of loading the file) and typed
as FOCUS defines them (numbers numeric, dates timestamptz, Tags jsonb). Prints rows/s of the three, the
importer's ratio to each (goals: >= 0.5 of the text COPY, >= 0.8 of the typed one) and the importer's peak RSS
(goal <= 500 MB). The import is timed until the ledger, its indexes and the rollups are complete; each reference
is the mean of a COPY right before and one right after the import (the machine's load drifts within a run). Each of
the five starts after a CHECKPOINT and a sync, so that none pays for the writes of the one before it (without this the
COPYs after the import ran 1.5-4 s slower than those before it, which flattered the importer's ratios).

Uses a scratch database (default ``infrazen_bench_focus``) on the server of DATABASE_URL, dropped afterwards
unless --keep.

    .venv/bin/python benchmarks/focus_import.py [--rows 1000000] [--keep] [--format focus|aws_cur] [--scattered]

``--format aws_cur`` generates a legacy AWS Cost and Usage Report instead (the 94 columns of the real anonymized
sample plus lineItem/ResourceId and a cost allocation tag column; 5 % tax rows, the rest hourly usage) and measures
its import, converted to FOCUS on the way, against a bare COPY of that same native file (goal >= 0.5 of the text
COPY, peak <= 500 MB). Its usage rows are shaped as an hourly CUR: each resource one line item an hour with its
usage type and tag; ``--scattered`` takes the resource, hour and tag independently per row instead (a harder case:
about 4 rows per daily rollup group instead of 24).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import scratch_database  # noqa: E402 -- after the path is set

SAMPLE = ROOT / "tests" / "costs" / "data" / "aws_1_2_cost_and_usage_rows100_seed42.csv"
CUR_SAMPLE = ROOT / "tests" / "costs" / "data" / "aws_cur_legacy_excerpt.csv"


def generate(path: Path, rows: int) -> None:
    """Rows patterned on the real synthetic sample: its 100 rows re-dated over 3 months with new costs."""
    with open(SAMPLE, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        templates = list(reader)
    idx = {name: i for i, name in enumerate(header)}
    rng = random.Random(42)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    hours = [(start + timedelta(hours=h)) for h in range(24 * 90)]
    stamps = [h.strftime("%Y-%m-%dT%H:%M:%SZ") for h in hours]
    months = {}
    for h in hours:
        first = h.replace(day=1, hour=0)
        nxt = (first + timedelta(days=32)).replace(day=1)
        months[h.month] = (first.strftime("%Y-%m-%dT%H:%M:%SZ"), nxt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    cost_cols = [idx[c] for c in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")]
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for n in range(rows):
            row = list(templates[n % len(templates)])
            h = n % (len(hours) - 1)
            bps, bpe = months[hours[h].month]
            row[idx["BillingPeriodStart"]], row[idx["BillingPeriodEnd"]] = bps, bpe
            row[idx["ChargePeriodStart"]], row[idx["ChargePeriodEnd"]] = stamps[h], stamps[h + 1]
            cost = f"{rng.random() * 10:.10f}"
            for i in cost_cols:
                row[i] = cost
            writer.writerow(row)


def generate_cur(path: Path, rows: int, *, scattered: bool = False) -> None:
    """A legacy CUR patterned on the real excerpt: its Tax and Usage rows re-dated hour by hour over the billing
    month, with new ids, amounts, costs and an ``env`` cost allocation tag.

    Shaped as an hourly CUR is: every resource has one line item (its usage type, its tags) in every hour of the
    month, so a resource's day is 24 rows. ``scattered`` keeps the earlier, harder shape: resource, usage type,
    hour and tag taken independently per row (``n`` modulo 997, 3, 720, 4), so a resource's tags change from row to
    row and a day's group has about 4 rows (240 000 rollup groups per million rows instead of about 40 000)."""
    with open(CUR_SAMPLE, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        templates = list(reader)
    idx = {name: i for i, name in enumerate(header)}
    taxes = [r for r in templates if r[idx["lineItem/LineItemType"]] == "Tax"]
    usages = [r for r in templates if r[idx["lineItem/LineItemType"]] == "Usage"]
    rng = random.Random(42)
    start = datetime(2023, 11, 1, tzinfo=UTC)
    stamps = [(start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%S.000Z") for h in range(24 * 30 + 1)]
    costs = [idx[c] for c in ("lineItem/UnblendedCost", "lineItem/BlendedCost", "pricing/publicOnDemandCost")]
    envs = ("prod", "dev", "staging", "")
    hours = len(stamps) - 1
    usage_rows = rows - (rows + 19) // 20  # every 20th row is a tax row
    resources = max(1, -(-usage_rows // hours))  # line items per hour
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([*header, "lineItem/ResourceId", "resourceTags/user:env"])
        used = 0
        for n in range(rows):
            resource, env = "", envs[n % len(envs)]
            if n % 20 == 0:
                row = list(taxes[n // 20 % len(taxes)])
            else:
                if scattered:
                    h, r, template = n % hours, n % 997, usages[n % len(usages)]
                else:  # hour by hour, each resource with its usage type and tag
                    h, r = divmod(used, resources)
                    h %= hours
                    template, env = usages[r % len(usages)], envs[r % len(envs)]
                used += 1
                row = list(template)
                row[idx["lineItem/UsageStartDate"]], row[idx["lineItem/UsageEndDate"]] = stamps[h], stamps[h + 1]
                resource = f"arn:aws:s3:::bucket-{r}"
                row[idx["lineItem/UsageAmount"]] = f"{rng.random() * 100:.6f}"
            row[idx["identity/LineItemId"]] = f"li{n:012d}"
            cost = f"{rng.random() * 10:.10f}"
            for i in costs:
                row[i] = cost
            writer.writerow([*row, resource, env])


# The bare table's type per FOCUS column kind (apps/costs/importers/spec.py); other columns are text.
BARE_TYPES = {"money": "numeric", "quantity": "numeric", "datetime": "timestamptz", "json": "jsonb"}


def cpu_seconds(backend_pid: int | None = None) -> float:
    """CPU seconds used so far by this process (all its threads), or by a server backend on this machine."""
    if backend_pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the server is on another machine
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def quiesce(admin: dict) -> None:
    """Start a measurement from the same state as the others: the server's dirty buffers written out (a CHECKPOINT)
    and the kernel's written back (sync), so that none pays for the writes of the one before it."""
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    os.sync()


def settle(admin: dict, database: str) -> None:
    """After the import: vacuum and analyze its tables now, so that on a server running autovacuum (a million rows
    inserted wake it up) it does not run beside the references measured after the import, taking a core from them
    and flattering the importer. (The benchmark machine's server has autovacuum off: there it changes nothing.)"""
    with psycopg.connect(**{**admin, "dbname": database}, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")  # an autovacuum worker at the same table yields to it


CPU: dict[str, float] = {}  # CPU seconds (client + server backend) of the last bare COPY of each kind


def bare_copy(admin: dict, database: str, path: Path, header: list[str], *, typed: bool) -> float:
    """Seconds to COPY the file, as it is, into a new unindexed table with the file's columns."""
    from apps.costs.importers.spec import COLUMNS

    def sql_type(name: str) -> str:
        column = COLUMNS.get(name)
        return BARE_TYPES.get(column.kind, "text") if typed and column else "text"

    table = "bench_typed" if typed else "bench_text"
    with psycopg.connect(**{**admin, "dbname": database}) as conn:
        cols = ", ".join(f'"{c}" {sql_type(c)}' for c in header)
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} ({cols})")
        conn.commit()  # created beforehand, as the ledger is: the COPY writes WAL like the importer's
        quiesce(admin)
        pid = conn.info.backend_pid
        cpu = cpu_seconds() + cpu_seconds(pid)
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)") as cp:
            with open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    cp.write(chunk)
        conn.commit()
        elapsed = time.perf_counter() - started
        CPU["typed" if typed else "text"] = cpu_seconds() + cpu_seconds(pid) - cpu
        conn.execute(f"DROP TABLE {table}")
        conn.commit()
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="infrazen_bench_focus")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--format", choices=("focus", "aws_cur"), default="focus")
    parser.add_argument("--scattered", action="store_true",
                        help="aws_cur: the earlier, harder shape (resource, hour and tag independent per row)")
    args = parser.parse_args()

    with scratch_database(args.database, keep=args.keep) as admin:
        _run(args, admin)


def _run(args, admin: dict) -> None:
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from apps.costs.services.imports import focus_file_import
    from apps.tenants.services import organization_create

    call_command("migrate_platform", verbosity=0)
    org = organization_create(slug="bench", name="Bench")
    workdir = Path(tempfile.mkdtemp(prefix="focus-bench-"))
    path = workdir / ("cur.csv" if args.format == "aws_cur" else "focus.csv")
    started = time.perf_counter()
    if args.format == "aws_cur":
        generate_cur(path, args.rows, scattered=args.scattered)
    else:
        generate(path, args.rows)
    size_mb = path.stat().st_size / 1e6
    print(f"generated {args.rows:,} rows ({size_mb:.0f} MB) in {time.perf_counter() - started:.1f} s")
    try:
        with open(path, encoding="utf-8") as fh:
            header = next(csv.reader([fh.readline()]))
        # The references are measured right before and right after the import and averaged: on a shared
        # machine the load drifts during a run, and the ratios compare figures of the same minutes. A first COPY
        # is not counted: the first of a run was up to 1.5 times slower than the others (10.0 s against 6.3-6.7 s),
        # which flattered the importer.
        bare_copy(admin, args.database, path, header, typed=False)
        before = (
            bare_copy(admin, args.database, path, header, typed=False),
            bare_copy(admin, args.database, path, header, typed=True),
        )
        cpu_before = dict(CPU)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with schema_context(org.schema_name):
            from django.db import connection

            connection.ensure_connection()
            client, first = cpu_seconds(), cpu_seconds(connection.connection.info.backend_pid)
            # django-q's broker closes the connection when the import queues its follow-up task: each
            # backend's CPU is taken before it goes (the one open at the end started during the import).
            close, spent = connection.close, []

            def close_counted():
                if connection.connection is not None:
                    spent.append(cpu_seconds(connection.connection.info.backend_pid))
                close()

            connection.close = close_counted
            quiesce(admin)
            started = time.perf_counter()
            bi = focus_file_import(path=str(path))
            import_s = time.perf_counter() - started
            connection.close = close
            if connection.connection is not None:
                spent.append(cpu_seconds(connection.connection.info.backend_pid))
            import_cpu = cpu_seconds() - client + sum(spent) - first
        assert bi.status == "success", (bi.error, bi.report[:3])
        print(f"format            : {bi.format} ({len(header)} columns in the file)")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        settle(admin, args.database)
        after = (
            bare_copy(admin, args.database, path, header, typed=True),
            bare_copy(admin, args.database, path, header, typed=False),
        )
        text_s, copy_s = (before[0] + after[1]) / 2, (before[1] + after[0]) / 2
        text_cpu = (cpu_before["text"] + CPU["text"]) / 2
        typed_cpu = (cpu_before["typed"] + CPU["typed"]) / 2
        print(
            f"references (s)    : text COPY {before[0]:.1f} before, {after[1]:.1f} after; typed COPY "
            f"{before[1]:.1f} before, {after[0]:.1f} after"
        )
        imp_rate = bi.rows_imported / import_s
        text_rate, typed_rate = args.rows / text_s, args.rows / copy_s
        print(
            f"importer          : {bi.rows_imported:,} rows in {import_s:.1f} s = {imp_rate:,.0f} rows/s "
            f"(ledger, its indexes and the rollups complete)"
        )
        print(
            f"bare COPY, text   : {args.rows:,} rows in {text_s:.1f} s = {text_rate:,.0f} rows/s "
            f"(unindexed table, every column text: the physical limit of loading the file; mean)"
        )
        print(
            f"bare COPY, typed  : {args.rows:,} rows in {copy_s:.1f} s = {typed_rate:,.0f} rows/s "
            f"(unindexed table, columns typed as FOCUS defines them; mean)"
        )
        print(f"ratio vs text COPY : {imp_rate / text_rate:.2f} (goal >= 0.5)")
        print(f"ratio vs typed COPY: {imp_rate / typed_rate:.2f} (goal >= 0.8)")
        print(
            f"CPU seconds (client process + server backend; parallel workers not counted): importer "
            f"{import_cpu:.1f}, text COPY {text_cpu:.1f}, typed COPY {typed_cpu:.1f}; CPU ratios (less "
            f"sensitive to a busy machine) {text_cpu / import_cpu:.2f} and {typed_cpu / import_cpu:.2f}"
        )
        print(f"peak RSS : {peak_mb:.0f} MB (before import {rss_before:.0f} MB; goal <= 500 MB)")
    finally:
        path.unlink(missing_ok=True)
        workdir.rmdir()


if __name__ == "__main__":
    main()
