"""Readings of metric summaries, sizes and references that the utilization and cleanup rules share."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.common.numbers import NBSP, currency_symbol, format_number

from ..context import MetricSummary, ResourceView
from ..vocabulary import Confidence
from .base import CENT, money, number

# Spec keys the plugins use for a server's size.
VCPU_KEYS = ("cpu_cores", "vcpus", "vcpu", "cores", "cpu")
MEMORY_KEYS = ("memory_gb", "ram_gb")
# Optional spec keys with the sizes the provider offers for this resource (lists of numbers).
ALLOWED_VCPU_KEYS = ("allowed_cpu_cores", "allowed_vcpus")
ALLOWED_MEMORY_KEYS = ("allowed_memory_gb",)
UNIT_PRICE_PLACES = Decimal("0.0001")
_CONFIDENCE_ORDER = {Confidence.HIGH: 2, Confidence.MEDIUM: 1, Confidence.LOW: 0}


def covered_days(summary: MetricSummary) -> Decimal:
    """The days a summary's samples cover: first to last sample plus one sampling interval (seven days of hourly
    samples run from the first hour to the 168th, 6 days 23 hours apart, and cover seven days)."""
    span = Decimal((summary.end - summary.start).total_seconds()) / 86400
    if summary.points > 1:
        span = span * summary.points / (summary.points - 1)
    return span


def long_enough(summary: MetricSummary | None, days: Decimal) -> bool:
    return summary is not None and summary.points > 0 and covered_days(summary) >= days


def metric_evidence(summary: MetricSummary) -> dict[str, Any]:
    """One metric's window and values, as the finding's evidence keeps them (the page charts them)."""
    return {"metric": summary.metric, "start": summary.start.isoformat(), "end": summary.end.isoformat(),
            "days": covered_days(summary).quantize(Decimal("0.1"), ROUND_HALF_UP), "points": summary.points,
            "p95": summary.p95, "avg": summary.avg, "max": summary.max, "min": summary.min}


def first_spec(resource: ResourceView, keys: Iterable[str]) -> Decimal | None:
    for key in keys:
        value = resource.spec(key)
        if value is not None and value > 0:
            return value
    return None


def allowed_sizes(resource: ResourceView, keys: Iterable[str]) -> list[Decimal] | None:
    """The sizes the provider offers, when the plugin put them in the specs; None otherwise."""
    for key in keys:
        values = resource.specs.get(key)
        if isinstance(values, list | tuple) and values:
            found = []
            for value in values:
                try:
                    found.append(Decimal(str(value)))
                except ArithmeticError:
                    continue
            found = sorted(v for v in found if v.is_finite() and v > 0)
            if found:
                return found
    return None


def powers_of_two(smallest: Decimal, below: Decimal) -> list[Decimal]:
    sizes, size = [], Decimal(1)
    while size < below:
        if size >= smallest:
            sizes.append(size)
        size *= 2
    return sizes


def smallest_fitting(old: Decimal, used_percent: Decimal, target: Decimal, candidates: Iterable[Decimal]) -> Decimal:
    """The smallest candidate below ``old`` on which ``used_percent`` of ``old`` stays at or under ``target`` %;
    ``old`` when none does."""
    for size in sorted(candidates):
        if size < old and used_percent * old / size <= target:
            return size
    return old


def lowest_confidence(*levels: str) -> str:
    return min(levels, key=lambda level: _CONFIDENCE_ORDER.get(level, 0))


def unit_price_text(price: Decimal, currency: str) -> str:
    """A price per vCPU-hour or GB-hour: kopecks when exact, four decimals otherwise (``1,4063 ₽``)."""
    if price == price.quantize(CENT):
        return money(price, currency)
    symbol = currency_symbol(currency)
    text = format_number(price, places=4)
    return f"{text}{NBSP}{symbol}" if symbol else text


def refers_to(value: Any, names: set[str]) -> bool:
    """Whether a spec value (a string or a list of them) names one of ``names`` (ids, names, addresses)."""
    if isinstance(value, list | tuple | set):
        return any(refers_to(item, names) for item in value)
    if isinstance(value, dict):
        return any(refers_to(item, names) for item in value.values())
    return value not in (None, "") and str(value).strip() in names


def short_number(value: Decimal) -> str:
    """``18``, ``1,5``, ``0,35``: up to two decimals, without trailing zeros."""
    rounded = Decimal(value).quantize(CENT, ROUND_HALF_UP).normalize()
    return number(rounded, places=max(0, -rounded.as_tuple().exponent))


def percent_text(value: Decimal) -> str:
    """``18 %``, ``1,5 %``: up to two decimals, a no-break space before the sign."""
    return f"{short_number(value)}{NBSP}%"
