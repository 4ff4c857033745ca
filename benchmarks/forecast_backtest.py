"""Backtest of the month-end forecast (apps.budgets.forecasting): made on day 10 of each month (history up to
day 9), compared with the month's real total, on

- generated daily series (fixed seed): a level, a trend (-3 % to +8 % a month), weekly seasonality (weekends
  at 45-100 % of a weekday), noise (3-10 % of the level) and level shifts (one to three steps of ±10-35 % on
  random days, e.g. a server added or deleted);
- the demo history (apps.demo.estate.demo_cost_rows: the seeded organization's 13 months, summed per day).

Prints the MAPE (mean absolute percentage error of the month's total) of the ETS forecast and of the run-rate
baselines: the fallback's (spent so far + the last 7 days' mean × remaining days) and OptScale's linear one (spent so
far ÷ days elapsed × days in month); and how often the real total fell inside the forecast's 80 % band. Goal: ETS
MAPE <= 10 %. No database is used.

    .venv/bin/python benchmarks/forecast_backtest.py [--series 40] [--months 14] [--seed 11]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infrazen.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/infrazen")

import django  # noqa: E402

django.setup()

from apps.budgets.forecasting import RUN_RATE_DAYS, add_months, forecast_spend  # noqa: E402
from apps.demo.estate import demo_cost_rows  # noqa: E402

FORECAST_DAY = 10  # the forecast is made on this day of the month, from the days before it
GOAL = 10.0


def generated_series(rng: np.random.Generator, start: date, days: int) -> dict[date, Decimal]:
    level = rng.uniform(1_000, 50_000)
    monthly_growth = rng.uniform(-0.03, 0.08)
    weekend = rng.uniform(0.45, 1.0)
    noise = rng.uniform(0.03, 0.10)
    shifts = sorted(rng.choice(np.arange(60, days), size=rng.integers(1, 4), replace=False))
    factors = {int(day): 1 + rng.choice([-1, 1]) * rng.uniform(0.10, 0.35) for day in shifts}
    series, step = {}, 1.0
    for i in range(days):
        day = start + timedelta(days=i)
        step *= factors.get(i, 1.0)
        base = level * step * (1 + monthly_growth) ** (i / 30)
        value = base * (weekend if day.weekday() >= 5 else 1.0) + rng.normal(0, noise * base)
        series[day] = Decimal(str(round(max(value, 0.0), 2)))
    return series


def demo_series(today: date) -> dict[date, Decimal]:
    totals: dict[date, Decimal] = defaultdict(Decimal)
    for row in demo_cost_rows(today=today):
        totals[row.day] += row.amount
    return dict(totals)


def backtest(series: dict[date, Decimal]) -> list[dict[str, float]]:
    """One result per whole month with at least 28 days of history before its day 10."""
    first, last = min(series), max(series)
    results = []
    month = add_months(first, 1)
    while add_months(month, 1) - timedelta(days=1) <= last:
        end = add_months(month, 1) - timedelta(days=1)
        as_of = month.replace(day=FORECAST_DAY - 1)
        if (as_of - first).days + 1 >= 28:
            history = {day: amount for day, amount in series.items() if day <= as_of}
            actual = float(sum(amount for day, amount in series.items() if month <= day <= end))
            result = forecast_spend(history=history, as_of=as_of, period_start=month, period_end=end, months=0)
            spent = float(result.actual_to_date)
            remaining = (end - as_of).days
            last_week = [float(history[as_of - timedelta(days=i)]) for i in range(RUN_RATE_DAYS)]
            run_rate = spent + np.mean(last_week) * remaining
            linear = spent / (FORECAST_DAY - 1) * end.day
            results.append(
                {
                    "method": result.method,
                    "actual": actual,
                    "ets": float(result.forecast),
                    "lower": float(result.lower),
                    "upper": float(result.upper),
                    "run_rate": run_rate,
                    "linear": linear,
                }
            )
        month = add_months(month, 1)
    return results


def report(name: str, results: list[dict[str, float]]) -> float:
    def mape(key: str) -> float:
        return 100 * float(np.mean([abs(r[key] - r["actual"]) / r["actual"] for r in results]))

    inside = 100 * np.mean([r["lower"] <= r["actual"] <= r["upper"] for r in results])
    methods = {m: sum(r["method"] == m for r in results) for m in ("ets", "run_rate")}
    ets = mape("ets")
    print(f"{name}: {len(results)} month-end forecasts (methods {methods})")
    print(
        f"  MAPE  ETS {ets:5.2f} %   run-rate (last 7 days) {mape('run_rate'):5.2f} %   "
        f"linear month-to-date (OptScale) {mape('linear'):5.2f} %"
    )
    print(
        f"  actual inside the 80 % band: {inside:.0f} %   goal ETS <= {GOAL:.0f} %: "
        f"{'met' if ets <= GOAL else 'NOT met'}"
    )
    return ets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=40)
    parser.add_argument("--months", type=int, default=14, help="months of history per generated series")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    generated = []
    for _ in range(args.series):
        generated.extend(backtest(generated_series(rng, date(2025, 1, 1), args.months * 30 + 15)))
    report(f"Generated series ({args.series}, seed {args.seed})", generated)
    report("Demo history (13 months)", backtest(demo_series(date(2026, 12, 6))))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
