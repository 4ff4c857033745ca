"""Rightsizing: servers and managed databases whose CPU and memory stay well under a target on a smaller size."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus

from ..context import MONTH_HOURS, Context, MetricSummary, ResourceView, UsageLine
from ..vocabulary import Action, Category, Confidence
from .base import CENT, FindingDraft, Param, Rule, money, number
from .common import monthly_cost_words
from .idle import IdleVmRule, idle_reading
from .measure import (
    ALLOWED_MEMORY_KEYS,
    ALLOWED_VCPU_KEYS,
    MEMORY_KEYS,
    UNIT_PRICE_PLACES,
    VCPU_KEYS,
    allowed_sizes,
    covered_days,
    first_spec,
    long_enough,
    metric_evidence,
    percent_text,
    powers_of_two,
    smallest_fitting,
    unit_price_text,
)

# A ledger line priced per vCPU-hour or per GB-hour of RAM (the description or unit says which).
_HOURLY = re.compile(r"hour|час|\bh\b|\bhr\b", re.IGNORECASE)
_CPU = re.compile(r"vcpu|\bcpu\b|\bcores?\b|ядр|процессор", re.IGNORECASE)
_RAM = re.compile(r"\bram\b|памят|memory", re.IGNORECASE)
# A measurement this long is trusted for a high confidence.
CONFIDENT_DAYS = Decimal(14)
MIN_VCPU = Decimal(2)
MIN_MEMORY_GB = Decimal(1)
# A server idle by ``idle_vm``'s default thresholds is left to that rule.
IDLE_DEFAULTS = IdleVmRule().defaults()


def unit_prices(lines: Sequence[UsageLine]) -> tuple[Decimal | None, Decimal | None]:
    """``(price per vCPU-hour, price per GB-hour of RAM)`` from the resource's ledger lines (cost / quantity over
    the lines of each kind), to four decimals; None where the ledger has no such line."""
    cpu_cost = cpu_quantity = ram_cost = ram_quantity = Decimal(0)
    for line in lines:
        if line.quantity is None or line.quantity <= 0 or line.cost <= 0 or not _HOURLY.search(line.pricing_unit or ""):
            continue
        if _CPU.search(line.pricing_unit or "") or _CPU.search(line.description):
            cpu_cost, cpu_quantity = cpu_cost + line.cost, cpu_quantity + line.quantity
        elif _RAM.search(line.description) or _RAM.search(line.pricing_unit or ""):
            ram_cost, ram_quantity = ram_cost + line.cost, ram_quantity + line.quantity
    cpu = (cpu_cost / cpu_quantity).quantize(UNIT_PRICE_PLACES, ROUND_HALF_UP) if cpu_quantity else None
    ram = (ram_cost / ram_quantity).quantize(UNIT_PRICE_PLACES, ROUND_HALF_UP) if ram_quantity else None
    return cpu, ram


def memory_used_percent(context: Context, resource: ResourceView, memory_gb: Decimal | None,
                        days: Decimal) -> tuple[MetricSummary | None, Decimal | None]:
    """The memory p95 in percent of the current size: ``memory_percent``, else ``memory_mb``/``memory_used_mb``
    against the spec's ``memory_gb``; ``(None, None)`` when memory is not measured over ``days``."""
    summary = context.summary(resource, MetricName.MEMORY_PERCENT)
    if long_enough(summary, days):
        return summary, summary.p95
    if memory_gb:
        for metric in (MetricName.MEMORY_USED_MB, MetricName.MEMORY_MB):
            summary = context.summary(resource, metric)
            if long_enough(summary, days):
                return summary, summary.p95 / (memory_gb * 1024) * 100
    return None, None


class RightsizingVmRule(Rule):
    key = "rightsizing_vm"
    version = 1
    category = Category.RIGHTSIZING
    title = gettext_lazy("Oversized virtual machines")
    description = gettext_lazy(
        "A running server whose CPU and memory p95 over the last days would stay under the target on a smaller "
        "size: the smallest size that keeps them under it, priced by the provider's per-vCPU and per-GB prices "
        "from the bills (proportionally to the size when the bills do not show them).")
    kinds = (ResourceKind.COMPUTE,)
    params = (
        Param("days", gettext_lazy("Shortest metric window"), Decimal(7), Decimal(1), Decimal(90),
              unit=gettext_lazy("days"), integer=True),
        Param("target_percent", gettext_lazy("Highest p95 load after resizing"), Decimal(70), Decimal(10),
              Decimal(95), unit="%"),
    )

    def item_title(self, resource: ResourceView) -> str:
        return _("Oversized server «%(name)s»") % {"name": resource.label}

    def evaluate(self, context, params):
        for resource in self.resources(context):
            if resource.status != ResourceStatus.RUNNING:
                continue
            draft = self.assess(context, resource, params)
            if draft is not None:
                yield draft

    def assess(self, context: Context, resource: ResourceView, params) -> FindingDraft | None:
        days, target = params["days"], params["target_percent"]
        cpu = context.summary(resource, MetricName.CPU_PERCENT)
        old_cpu = first_spec(resource, VCPU_KEYS)
        if not long_enough(cpu, days) or old_cpu is None:
            return None  # no measurement, no size: never a guess
        if resource.kind == ResourceKind.COMPUTE and idle_reading(context, resource, IDLE_DEFAULTS) is not None:
            return None  # idle: ``idle_vm`` proposes stopping it, which saves the whole cost (never counted twice)
        old_gb = first_spec(resource, MEMORY_KEYS)
        memory, memory_percent = memory_used_percent(context, resource, old_gb, days)
        new_cpu = smallest_fitting(old_cpu, cpu.p95, target,
                                   allowed_sizes(resource, ALLOWED_VCPU_KEYS) or powers_of_two(MIN_VCPU, old_cpu))
        new_gb = old_gb
        if memory_percent is not None and old_gb is not None:
            new_gb = smallest_fitting(old_gb, memory_percent, target, allowed_sizes(resource, ALLOWED_MEMORY_KEYS)
                                      or powers_of_two(MIN_MEMORY_GB, old_gb))
        cpu_shrinks = new_cpu < old_cpu
        ram_shrinks = old_gb is not None and new_gb < old_gb
        if not cpu_shrinks and not ram_shrinks:
            return None
        window = min(covered_days(s) for s in (cpu, memory) if s is not None)
        cpu_price, ram_price = unit_prices(context.usage.get(resource.pk, ()))
        currency = context.currency
        evidence = {
            "metrics": [metric_evidence(s) for s in (cpu, memory) if s is not None],
            "old": {"vcpu": old_cpu, "memory_gb": old_gb}, "new": {"vcpu": new_cpu, "memory_gb": new_gb},
            "target_percent": target, "memory_measured": memory is not None,
            "p95_after": {"cpu": (cpu.p95 * old_cpu / new_cpu).quantize(CENT, ROUND_HALF_UP),
                          "memory": None if memory_percent is None
                          else (memory_percent * old_gb / new_gb).quantize(CENT, ROUND_HALF_UP)},
        }
        notes = []
        if memory is None:
            notes.append(_("Memory is not measured: the RAM stays at %(gb)s GB.") % {"gb": number(old_gb)}
                         if old_gb else _("Memory is not measured: the RAM stays as it is."))
        if (not cpu_shrinks or cpu_price) and (not ram_shrinks or ram_price):
            parts, savings = [], Decimal(0)
            if cpu_shrinks:
                cpu_saving = ((old_cpu - new_cpu) * cpu_price * MONTH_HOURS).quantize(CENT, ROUND_HALF_UP)
                savings += cpu_saving
                parts.append(_("(%(old)s vCPU → %(new)s vCPU) × %(price)s per vCPU an hour × %(hours)s h") % {
                    "old": number(old_cpu), "new": number(new_cpu), "price": unit_price_text(cpu_price, currency),
                    "hours": number(MONTH_HOURS)})
                evidence["vcpu_hour_price"], evidence["cpu_savings"] = cpu_price, cpu_saving
            if ram_shrinks:
                ram_saving = ((old_gb - new_gb) * ram_price * MONTH_HOURS).quantize(CENT, ROUND_HALF_UP)
                savings += ram_saving
                parts.append(_("(%(old)s GB → %(new)s GB of RAM) × %(price)s per GB an hour × %(hours)s h") % {
                    "old": number(old_gb), "new": number(new_gb), "price": unit_price_text(ram_price, currency),
                    "hours": number(MONTH_HOURS)})
                evidence["gb_hour_price"], evidence["ram_savings"] = ram_price, ram_saving
            formula = " + ".join(parts) + " = " + money(savings, currency)
            evidence["method"] = "ledger_prices"
            if window < CONFIDENT_DAYS:
                confidence = Confidence.MEDIUM
                reason = _("Prices from the bills, but the metrics cover only %(days)s days (%(min)s are "
                           "needed for a high confidence).") % {"days": number(window.quantize(Decimal("0.1"))),
                                                               "min": number(CONFIDENT_DAYS)}
            elif memory is None:
                confidence = Confidence.MEDIUM
                reason = _("Prices from the bills, but memory is not measured.")
            else:
                confidence = Confidence.HIGH
                reason = _("Prices per vCPU and GB from the bills, CPU and memory measured for %(days)s days.") % {
                    "days": number(window.quantize(Decimal(1), ROUND_HALF_UP))}
        else:
            cost, words, _confidence, _reason = monthly_cost_words(context, resource)
            if cost is None:
                return None
            cpu_ratio = new_cpu / old_cpu
            ram_ratio = new_gb / old_gb if old_gb else Decimal(1)
            savings = (cost * (1 - (cpu_ratio + ram_ratio) / 2)).quantize(CENT, ROUND_HALF_UP)
            ram_term = _("%(new)s/%(old)s GB") % {"new": number(new_gb), "old": number(old_gb)} if old_gb else "1"
            formula = _("%(words)s × (1 − (%(new_cpu)s/%(old_cpu)s vCPU + %(ram)s) / 2) = %(total)s") % {
                "words": words, "new_cpu": number(new_cpu), "old_cpu": number(old_cpu), "ram": ram_term,
                "total": money(savings, currency)}
            notes.append(_("A proportional estimate: the bills show no prices per vCPU and GB of RAM for it."))
            evidence["method"] = "proportional"
            evidence["monthly_cost"] = cost
            confidence = Confidence.LOW
            reason = _("Proportional estimate: the price is split evenly between vCPU and RAM.")
        if savings <= 0:
            return None
        if notes:
            formula = f"{formula}. " + " ".join(notes)
        after = {"cpu": percent_text(evidence["p95_after"]["cpu"]), "target": percent_text(target),
                 "cpu_p95": percent_text(cpu.p95), "vcpu": number(new_cpu)}
        if old_gb:
            action_text = _("Change the size to %(vcpu)s vCPU and %(gb)s GB of RAM: the CPU p95 of %(cpu_p95)s "
                            "becomes %(cpu)s (target: at most %(target)s).") % {**after, "gb": number(new_gb)}
        else:
            action_text = _("Change the size to %(vcpu)s vCPU: the CPU p95 of %(cpu_p95)s becomes %(cpu)s "
                            "(target: at most %(target)s).") % after
        return FindingDraft(resource=resource, action=Action.RIGHTSIZE, title=self.item_title(resource),
                            formula=formula, savings=savings, confidence=confidence, confidence_reason=reason,
                            evidence=evidence, action_text=action_text)


class RightsizingDatabaseRule(RightsizingVmRule):
    key = "rightsizing_database"
    title = gettext_lazy("Oversized managed databases")
    description = gettext_lazy(
        "A managed database whose CPU and memory p95 over the last days would stay under the target on a smaller "
        "host class: the smallest class that keeps them under it, priced by the per-vCPU and per-GB prices from "
        "the bills (proportionally to the size when the bills do not show them).")
    kinds = (ResourceKind.DATABASE,)

    def item_title(self, resource: ResourceView) -> str:
        return _("Oversized database «%(name)s»") % {"name": resource.label}
