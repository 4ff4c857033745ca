"""The CFO brief for the demo organization: time to gather its figures and render the one-page PDF (goal <= 5 s),
and the XLSX of the same figures.

Seeds a scratch database (default ``infrazen_bench_report_pdf``, dropped afterwards unless --keep) with
``manage.py seed_demo`` (the demo organization «Демо-компания», slug ``demo``), then renders the brief of the last
full month and of the current month (month to date, with the forecast) through ``apps.reports.brief.brief_file``,
the function the API and the scheduled delivery call. The process start-up (importing matplotlib, WeasyPrint and
statsmodels, their font caches: once per web or worker process) is timed apart first; then the first render runs
with an empty cache (the forecast and the allocation coverage are cached per data version), and "warm" is the best
of --repeat runs after it.

    .venv/bin/python benchmarks/report_pdf.py [--repeat 3] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import scratch_database  # noqa: E402 -- after the path is set

GOAL_SECONDS = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="infrazen_bench_report_pdf")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="render again on a database kept earlier")
    args = parser.parse_args()
    args.keep = args.keep or args.reuse
    with scratch_database(args.database, keep=args.keep, reuse=args.reuse, env={"CURRENCY_FETCH_MISSING": "false"}):
        _run(args)


def _timed(month, output: str) -> tuple[float, bytes]:
    from apps.reports.brief import brief_file

    started = time.perf_counter()
    _name, _type, content = brief_file(month=month, output=output)
    return time.perf_counter() - started, content


def _run(args) -> None:
    from django.core.cache import cache
    from django.core.management import call_command
    from django_tenants.utils import schema_context
    from pypdf import PdfReader

    from apps.reports.brief_data import default_month, organization_today
    from apps.tenants.models import Organization

    if args.reuse:
        call_command("migrate_schemas", verbosity=0)
    else:
        call_command("migrate_platform", verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", verbosity=0, stdout=io.StringIO())
        print(f"seed_demo          : {time.perf_counter() - started:.1f} s")
    organization = Organization.objects.get(slug="demo")
    with schema_context(organization.schema_name):
        from apps.costs.models import CostRecord

        today = organization_today()
        print(f"demo ledger        : {CostRecord.objects.count():,} rows; today {today}")
        # A running web or worker process has matplotlib, WeasyPrint and their font caches loaded: that start-up
        # cost is paid once per process, so it is measured apart and the brief is timed after it.
        started = time.perf_counter()
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # noqa: F401 -- the forecast's model
        from weasyprint import HTML

        from apps.reports.rendering import chart_png

        chart_png(kind="line", labels=["1", "2"], series=[("a", [1, 2])])
        HTML(string="<p style='font-family: DejaVu Sans'>Старт <b>процесса</b></p>").write_pdf()
        print(f"process start-up   : {time.perf_counter() - started:.2f} s (imports, font caches; once per process)")
        cache.clear()
        for label, month in (("last full month", default_month(today)), ("current month", today.replace(day=1))):
            cold, content = _timed(month, "pdf")
            pages = len(PdfReader(io.BytesIO(content)).pages)
            warm = min(_timed(month, "pdf")[0] for _ in range(max(args.repeat, 1)))
            xlsx = min(_timed(month, "xlsx")[0] for _ in range(max(args.repeat, 1)))
            verdict = "ok" if cold <= GOAL_SECONDS else "OVER THE GOAL"
            print(
                f"{label:<19}: {month:%Y-%m} PDF {cold:.2f} s first (goal <= {GOAL_SECONDS:.0f} s: {verdict}), "
                f"{warm:.2f} s warm, {pages} page(s), {len(content):,} bytes; XLSX {xlsx:.2f} s"
            )
            cache.clear()


if __name__ == "__main__":
    main()
