"""Anomaly detection quality: generated daily cost series with weekly seasonality, growth and noise, with labelled
spikes, level shifts and slow drifts injected (fixed seed), and series with nothing injected. Prints precision and
recall per kind for apps.anomalies.detection and for OptScale's rule (a day costs more than the average of the 7
days before it × (1 + t %)), goal >= 0.9 each for ours.

A detection matches an injected event of the same kind when its first day lies between the event's first day
(minus 2) and the event's last detectable day (a spike: its day; a level shift: a week after it starts; a drift:
the end of its ramp). Precision of a kind = its detections that match an event of that kind / its detections;
recall = events of that kind matched / events. The rule has no kinds of its own: its runs are a spike when shorter
than 3 days, a level shift otherwise, so "any kind" figures (a detection of any kind matching the event) are
printed beside the strict ones.

    .venv/bin/python benchmarks/anomaly_eval.py [--series 300] [--seed 11] [--threshold 20]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.anomalies.detection import DRIFT, KINDS, LEVEL_SHIFT, SPIKE, detect  # noqa: E402

START = date(2026, 1, 1)
DAYS = 182
WARMUP = 56  # days both detectors see before their detections count


@dataclass
class Event:
    kind: str
    first: int
    last: int  # the last day a detection of it may start on


def series_make(rng: random.Random, kind: str | None) -> tuple[list[float], Event | None]:
    level = rng.uniform(3_000, 60_000)
    weekly = [1.0 + rng.uniform(-0.12, 0.12) for _ in range(5)] + [rng.uniform(0.55, 0.9)] * 2
    rng.shuffle(weekly) if rng.random() < 0.2 else None
    growth = rng.uniform(-0.05, 0.6) / 365  # per day: from slightly shrinking to +60 % a year
    noise = rng.uniform(0.02, 0.07)
    values = [
        level * math.exp(growth * t) * weekly[(START + timedelta(days=t)).weekday()] * max(0.0, rng.gauss(1.0, noise))
        for t in range(DAYS)
    ]
    if kind is None:
        return values, None
    first = rng.randrange(WARMUP + 14, DAYS - 40)
    if kind == SPIKE:
        values[first] *= 1 + rng.uniform(0.6, 2.0)
        return values, Event(kind, first, first)
    if kind == LEVEL_SHIFT:
        jump = rng.uniform(0.35, 0.8)
        for t in range(first, DAYS):
            values[t] *= 1 + jump
        return values, Event(kind, first, first + 7)
    ramp = rng.randrange(21, 36)
    top = rng.uniform(0.4, 0.8)
    for t in range(first, DAYS):
        values[t] *= 1 + top * min(1.0, (t - first + 1) / ramp)
    return values, Event(kind, first, first + ramp)


def rule_detect(values: list[float], threshold: float, window: int = 7) -> list[tuple[int, str]]:
    """OptScale's rule: a day above the previous ``window`` days' average × (1 + threshold %); runs of such days,
    a spike under 3 days, a level shift from 3."""
    runs: list[list[int]] = []
    for t in range(window, len(values)):
        average = sum(values[t - window : t]) / window
        if values[t] > average * (1 + threshold / 100):
            if runs and runs[-1][-1] == t - 1:
                runs[-1].append(t)
            else:
                runs.append([t])
    return [(run[0], SPIKE if len(run) < 3 else LEVEL_SHIFT) for run in runs]


def ours_detect(values: list[float]) -> list[tuple[int, str]]:
    return [((a.first_date - START).days, a.kind) for a in detect(values, start=START)]


def score(cases, detector) -> dict[str, dict[str, float]]:
    detected = {kind: 0 for kind in KINDS}
    correct = {kind: 0 for kind in KINDS}
    events = {kind: 0 for kind in KINDS}
    found = {kind: 0 for kind in KINDS}
    found_any = {kind: 0 for kind in KINDS}
    for values, event in cases:
        hits = [(first, kind) for first, kind in detector(values) if first >= WARMUP]
        if event is not None:
            events[event.kind] += 1
        matched_any = matched = False
        for first, kind in hits:
            detected[kind] += 1
            inside = event is not None and event.first - 2 <= first <= event.last
            if inside and kind == event.kind:
                correct[kind] += 1
                matched = True
            matched_any = matched_any or inside
        if event is not None:
            found[event.kind] += matched
            found_any[event.kind] += matched_any
    return {
        kind: {
            "precision": correct[kind] / detected[kind] if detected[kind] else float("nan"),
            "recall": found[kind] / events[kind] if events[kind] else float("nan"),
            "recall_any": found_any[kind] / events[kind] if events[kind] else float("nan"),
            "detected": detected[kind],
            "events": events[kind],
        }
        for kind in KINDS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=300, help="series per kind, and as many with nothing")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--threshold", type=float, default=20.0, help="t of the average × (1 + t %%) rule")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cases = [series_make(rng, kind) for kind in (None, SPIKE, LEVEL_SHIFT, DRIFT) for _ in range(args.series)]
    print(
        f"{len(cases)} series of {DAYS} days ({args.series} per kind and {args.series} with nothing injected), "
        f"seed {args.seed}"
    )
    print(f"{'detector':<28}{'kind':<13}{'precision':>10}{'recall':>8}{'recall (any kind)':>19}{'detections':>12}")
    for name, detector in (
        ("ours (seasonal median+MAD)", ours_detect),
        (f"average × (1 + {args.threshold:g} %)", lambda v: rule_detect(v, args.threshold)),
    ):
        for kind, figures in score(cases, detector).items():
            print(
                f"{name:<28}{kind:<13}{_figure(figures['precision']):>10}{_figure(figures['recall']):>8}"
                f"{_figure(figures['recall_any']):>19}{figures['detected']:>12}"
            )


def _figure(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.3f}"


if __name__ == "__main__":
    main()
