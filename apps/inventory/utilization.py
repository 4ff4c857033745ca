"""How much of a resource is in use: its metric summaries measured against its specs.

``resource_utilization`` is the one place that knows which metric means what: the dashboard's panel sums the
used and total amounts, the cost explorer shows each value as a percentage where it is one (CPU percent,
memory of the known total memory, disk used of the disk size) and otherwise as an amount with its unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.common.numbers import NBSP, format_number, format_percent

from .vocabulary import MetricName, MetricUnit

LABELS = {
    "cpu": pgettext_lazy("utilization", "CPU"),
    "memory": _("Memory"),
    "storage": _("Disk"),
    "network": _("Network"),
}
UNITS = {"cpu": _("vCPU"), "memory": MetricUnit.GIGABYTES.label, "storage": MetricUnit.GIGABYTES.label,
         "network": MetricUnit.MEGABITS_PER_SECOND.label}
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class Utilization:
    """One dimension of one resource: ``used`` and ``total`` in ``unit`` (either may be unknown), and the
    share in percent when it is known (a percentage metric, or a used amount against a known total)."""

    key: str  # cpu | memory | storage | network
    used: Decimal | None
    total: Decimal | None
    percent: Decimal | None
    tier: str = ""

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    @property
    def unit(self) -> str:
        return str(UNITS[self.key])

    @property
    def value(self) -> str:
        """``42 %`` where a share is known, else the amount with its unit (``54,6 ГБ``), in the active locale."""
        if self.percent is not None:
            return format_percent(self.percent, places=0)
        if self.used is None:
            return "—"
        amount = self.used.quantize(ONE_PLACE, ROUND_HALF_UP)
        places = 0 if amount == amount.to_integral_value() else 1
        return f"{format_number(amount, places=places)}{NBSP}{self.unit}"

    @property
    def display(self) -> str:
        return f"{self.label} {self.value}"


def _spec_decimal(specs: Mapping[str, Any], key: str) -> Decimal | None:
    value = specs.get(key)
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() and number > 0 else None


def _first(summaries: Mapping[str, Any], *names: str) -> tuple[str, Any] | None:
    for name in names:
        if name in summaries and summaries[name].avg is not None:
            return name, summaries[name]
    return None


def _share(used: Decimal | None, total: Decimal | None) -> Decimal | None:
    return used * 100 / total if used is not None and total else None


def _cpu(specs, summaries) -> Utilization | None:
    found = _first(summaries, MetricName.CPU_PERCENT)
    if found is None:
        return None
    percent, cores = found[1].avg, _spec_decimal(specs, "cpu_cores")
    return Utilization("cpu", used=cores * percent / 100 if cores else None, total=cores, percent=percent,
                       tier=found[1].tier or "")


def _memory(specs, summaries) -> Utilization | None:
    found = _first(summaries, MetricName.MEMORY_MB, MetricName.MEMORY_USED_MB, MetricName.MEMORY_PERCENT)
    if found is None:
        return None
    (name, summary), total_gb = found, _spec_decimal(specs, "memory_gb")
    if name == MetricName.MEMORY_PERCENT:
        used = total_gb * summary.avg / 100 if total_gb else None
        return Utilization("memory", used=used, total=total_gb, percent=summary.avg, tier=summary.tier or "")
    used = summary.avg / 1024
    return Utilization("memory", used=used, total=total_gb, percent=_share(used, total_gb), tier=summary.tier or "")


def _storage(specs, summaries) -> Utilization | None:
    total_gb = _spec_decimal(specs, "disk_gb")
    found = _first(summaries, MetricName.DISK_USED_GB, MetricName.DISK_USED_PERCENT)
    if found is not None:
        name, summary = found
        if name == MetricName.DISK_USED_PERCENT:
            used = total_gb * summary.avg / 100 if total_gb else None
            return Utilization("storage", used=used, total=total_gb, percent=summary.avg, tier=summary.tier or "")
        return Utilization("storage", used=summary.avg, total=total_gb, percent=_share(summary.avg, total_gb),
                           tier=summary.tier or "")
    used_bytes = _spec_decimal(specs, "disk_used_bytes")
    if used_bytes is None or total_gb is None:
        return None
    used = used_bytes / 1024**3
    return Utilization("storage", used=used, total=total_gb, percent=_share(used, total_gb))


def _network(specs, summaries) -> Utilization | None:
    found = _first(summaries, MetricName.NETWORK_MBPS)
    if found is None:
        return None
    bandwidth, summary = _spec_decimal(specs, "bandwidth_mbps"), found[1]
    return Utilization("network", used=summary.avg, total=bandwidth, percent=_share(summary.avg, bandwidth),
                       tier=summary.tier or "")


MEASURES = (("cpu", _cpu), ("memory", _memory), ("storage", _storage), ("network", _network))


def resource_utilization(specs: Mapping[str, Any] | None, summaries: Mapping[str, Any]) -> list[Utilization]:
    """CPU, memory, disk and network of one resource, in that order, each only when a metric reports it.

    ``summaries`` maps a metric name to its summary (anything with ``avg`` and ``tier``); ``specs`` are the
    resource's specs (``cpu_cores``, ``memory_gb``, ``disk_gb``, ``bandwidth_mbps``, ``disk_used_bytes``).
    """
    specs = specs or {}
    return [found for _key, measure in MEASURES if (found := measure(specs, summaries)) is not None]
