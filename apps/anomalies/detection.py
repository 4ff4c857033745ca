"""Anomaly detection on one daily cost series: pure functions, no database.

The expected cost of a day is the median of the same weekday over the last ``baseline_weeks`` weeks, each moved
forward by a robust trend (the median of the week-over-week daily changes over the last ``trend_weeks`` weeks), so
a weekly pattern and steady growth are both expected. The spread is the MAD of the recent residuals (anomalous
days left out), scaled to a standard deviation.

A day is anomalous when its excess over the expected cost is above ``k`` spreads AND at least ``min_rub`` AND at
least ``min_percent`` of the expected cost (so small noise never flags). Consecutive anomalous days are one
anomaly: a ``spike`` while shorter than ``shift_days``, a ``level_shift`` from then on, after which the new level
becomes the baseline (the history before it is rescaled to it). A slow ``drift`` is found by a CUSUM of the
standardized residuals: each day is within the noise, the sum is not. Only increases are anomalies: a cost that
falls is no risk.

Feedback: an anomaly the user dismissed as expected (``Accepted``) is never flagged again, its days stay out of the
spread, and the level it reached, where that level lasted, becomes the baseline (the history before it is rescaled).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

SPIKE = "spike"
LEVEL_SHIFT = "level_shift"
DRIFT = "drift"
KINDS = (SPIKE, LEVEL_SHIFT, DRIFT)
MAD_TO_SIGMA = 1.4826
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Params:
    k: float = 4.5  # spreads above the expected cost
    min_rub: float = 500.0  # roubles of excess (a day's for a spike or a shift, the run's total for a drift)
    min_percent: float = 20.0  # excess as a percent of the expected cost (a day's)
    shift_days: int = 3  # consecutive anomalous days that make a level shift
    baseline_weeks: int = 4  # same-weekday values the expected cost is the median of
    trend_weeks: int = 8  # weeks of week-over-week changes the trend is the median of
    min_history_days: int = 21  # no verdict on a day with less history than this
    spread_days: int = 56  # residuals the MAD is taken over
    drift_k: float = 1.25  # CUSUM allowance, in spreads per day
    drift_h: float = 8.0  # CUSUM alarm, in spreads
    drift_min_percent: float = 10.0  # the run's excess as a percent of its expected cost
    drift_lead_days: int = 4  # a day over the line after this many days of rising residuals continues a drift
    drift_lead_h: float = 3.0  # ... when their CUSUM has reached this many spreads


@dataclass(frozen=True)
class Accepted:
    """An anomaly the user dismissed as expected: its days (its kind is kept for the record)."""

    first_date: date
    last_date: date
    kind: str = ""


@dataclass
class Anomaly:
    first_date: date
    date: date
    kind: str
    expected: Decimal  # totals over first_date..date
    actual: Decimal
    days: list[date] = field(default_factory=list)
    expected_days: list[Decimal] = field(default_factory=list)  # each day's expected cost

    @property
    def impact(self) -> Decimal:
        return self.actual - self.expected


@dataclass
class _Run:
    start: int
    kind: str
    days: list[int]
    expected: list[float]


def _money(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(CENT, ROUND_HALF_UP)


def series_fill(points: Iterable[tuple[date, Decimal | float | int]], *, start: date, end: date) -> list[float]:
    """Amounts per day from ``start`` to ``end`` inclusive, 0 for a day without costs."""
    by_day: dict[date, float] = {}
    for day, amount in points:
        by_day[day] = by_day.get(day, 0.0) + float(amount or 0)
    return [by_day.get(start + timedelta(days=i), 0.0) for i in range((end - start).days + 1)]


class _Detector:
    def __init__(self, values: Sequence[float], params: Params):
        self.raw = [float(v) for v in values]
        self.clean = list(self.raw)  # the history the baseline reads: spikes replaced by their expected cost
        self.p = params
        self.residuals: list[float | None] = [None] * len(values)  # None = not in the spread

    def expected(self, t: int) -> float | None:
        p = self.p
        if t < p.min_history_days or t < 7:
            return None
        c = self.clean
        first = max(7, t - 7 * p.trend_weeks)
        changes = [(c[i] - c[i - 7]) / 7 for i in range(first, t)]
        slope = median(changes) if changes else 0.0
        weeks = min(p.baseline_weeks, t // 7)
        return max(0.0, median(c[t - 7 * w] + slope * 7 * w for w in range(1, weeks + 1)))

    def spread(self, t: int) -> float:
        recent = [r for r in self.residuals[max(0, t - self.p.spread_days):t] if r is not None]
        if len(recent) < 7:
            return 0.0
        centre = median(recent)
        return MAD_TO_SIGMA * median(abs(r - centre) for r in recent)

    def rebase(self, start: int, ratio: float) -> None:
        """The level from ``start`` on is the baseline: the history before it is rescaled to that level."""
        if ratio > 0:
            for i in range(start):
                self.clean[i] *= ratio


def _drift_open(runs: list[_Run], start: int, days: list[tuple[int, float]]) -> _Run:
    """A drift from ``start``; the spikes flagged since then were its first steps over the line."""
    points = dict(days)
    while runs and runs[-1].kind == SPIKE and runs[-1].start >= start:
        spike = runs.pop()
        points.update(zip(spike.days, spike.expected, strict=True))
    ordered = sorted(points.items())
    run = _Run(start=start, kind=DRIFT, days=[i for i, _e in ordered], expected=[e for _i, e in ordered])
    runs.append(run)
    return run


def detect(values: Sequence[Decimal | float], *, start: date, params: Params | None = None,
           accepted: Sequence[Accepted] = ()) -> list[Anomaly]:
    """The anomalies of a daily series (``values[i]`` is the cost of ``start + i`` days), oldest first."""
    p = params or Params()
    d = _Detector(values, p)
    n = len(d.raw)
    accepted_at: dict[int, tuple[int, int]] = {}  # day -> (the accepted anomaly's first day, its last day)
    for item in accepted:
        first, last = (item.first_date - start).days, (item.last_date - start).days
        for i in range(max(0, first), min(n, last + 1)):
            accepted_at[i] = (max(0, first), last)
    rebased: set[int] = set()
    runs: list[_Run] = []
    open_run: _Run | None = None
    cusum, cusum_start = 0.0, None
    cusum_days: list[tuple[int, float]] = []  # (day, expected) since the CUSUM last left zero
    for t in range(n):
        expected = d.expected(t)
        if expected is None:
            continue
        actual = d.raw[t]
        excess = actual - expected
        if t in accepted_at:
            first, last = accepted_at[t]
            if first not in rebased:
                # Its level, where it lasted (its last week and the week after it), is the new baseline: a
                # spike followed by usual days changes nothing, a level that stayed is expected from now on.
                rebased.add(first)
                window = range(max(first, last - 6), min(n, last + 8))
                ratios = [d.raw[i] / e for i in window for e in [d.expected(i)] if e]
                if ratios:
                    d.rebase(window.start, median(ratios))
            open_run, cusum, cusum_start, cusum_days = None, 0.0, None, []
            continue
        # Residuals relative to the expected cost: the noise of a scope grows with its level.
        sigma = d.spread(t)
        relative = excess / expected if expected > 0 else (1.0 if excess > 0 else 0.0)
        point = relative > p.k * sigma and excess >= p.min_rub and relative * 100 >= p.min_percent
        z = relative / sigma if sigma > 0 else 0.0
        if point:
            if open_run is None and cusum_start is not None and t - cusum_start >= p.drift_lead_days \
                    and cusum >= p.drift_lead_h:
                # The residuals had been rising for days before this one: a drift that crossed the line.
                open_run = _drift_open(runs, cusum_start, cusum_days)
            elif open_run is None:
                open_run = _Run(start=t, kind=SPIKE, days=[], expected=[])
                runs.append(open_run)
            open_run.days.append(t)
            open_run.expected.append(expected)
            if open_run.kind == DRIFT:
                cusum = max(0.0, cusum + z - p.drift_k)
                cusum_days.append((t, expected))
            elif len(open_run.days) >= p.shift_days:
                if open_run.kind == SPIKE:
                    open_run.kind = LEVEL_SHIFT
                    ratios = [d.raw[i] / e for i, e in zip(open_run.days, open_run.expected, strict=True) if e > 0]
                    if ratios:  # a scope that had cost nothing keeps its history: nothing to scale
                        d.rebase(open_run.start, median(ratios))
                    cusum, cusum_start, cusum_days = 0.0, None, []
            else:
                d.clean[t] = expected  # a spike stays out of the baseline (until it proves a level shift)
            continue
        # Within the noise today: the CUSUM decides whether a slow drift is under way.
        d.residuals[t] = relative
        previous = cusum
        cusum = max(0.0, cusum + z - p.drift_k)
        if cusum > 0:
            if previous == 0:
                cusum_start, cusum_days = t, []
            cusum_days.append((t, expected))
        else:
            cusum_start, cusum_days = None, []
        if open_run is not None and open_run.kind == DRIFT and cusum > 0:
            open_run.days.append(t)
            open_run.expected.append(expected)
            continue
        open_run = None
        if cusum > p.drift_h and cusum_start is not None:
            run_expected = sum(e for _i, e in cusum_days)
            run_excess = sum(d.raw[i] for i, _e in cusum_days) - run_expected
            if run_excess >= p.min_rub and run_excess * 100 >= p.drift_min_percent * max(run_expected, 1e-9):
                open_run = _drift_open(runs, cusum_start, cusum_days)
    return [Anomaly(first_date=start + timedelta(days=run.days[0]), date=start + timedelta(days=run.days[-1]),
                    kind=run.kind, expected=_money(sum(run.expected)), actual=_money(sum(d.raw[i] for i in run.days)),
                    days=[start + timedelta(days=i) for i in run.days],
                    expected_days=[_money(e) for e in run.expected])
            for run in runs]
