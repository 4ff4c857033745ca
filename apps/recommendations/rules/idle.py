"""Idle resources: running servers that do nothing."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus

from ..context import Context, MetricSummary, ResourceView
from ..vocabulary import Action, Category, Confidence
from .base import FindingDraft, Param, Rule, money, number
from .common import monthly_cost_words
from .measure import covered_days, long_enough, lowest_confidence, metric_evidence, percent_text, short_number


def network_mbps(context: Context, resource: ResourceView,
                 days: Decimal) -> tuple[Decimal | None, list[MetricSummary]]:
    """The average network throughput in Mbit/s over ``days``: ``network_mbps``, else ``network_in`` +
    ``network_out``; ``(None, [])`` when the network is not measured that long."""
    total = context.summary(resource, MetricName.NETWORK_MBPS)
    if long_enough(total, days):
        return total.avg, [total]
    parts = [s for s in (context.summary(resource, MetricName.NETWORK_IN), context.summary(resource,
                                                                                        MetricName.NETWORK_OUT))
             if long_enough(s, days)]
    if not parts:
        return None, []
    return sum((s.avg for s in parts), Decimal(0)), parts


def idle_reading(context: Context, resource: ResourceView, params) -> tuple[MetricSummary, Decimal | None,
                                                                             list[MetricSummary]] | None:
    """``(cpu summary, network Mbit/s or None, network summaries)`` when the server is idle by ``params``
    (CPU p95 and network average under their limits over ``days``); None otherwise."""
    days = params["days"]
    cpu = context.summary(resource, MetricName.CPU_PERCENT)
    if not long_enough(cpu, days) or cpu.p95 >= params["cpu_percent"]:
        return None
    network, network_summaries = network_mbps(context, resource, days)
    if network is not None and network >= params["network_mbps"]:
        return None
    return cpu, network, network_summaries


class IdleVmRule(Rule):
    key = "idle_vm"
    version = 1
    category = Category.IDLE
    title = gettext_lazy("Idle virtual machines")
    description = gettext_lazy(
        "A running server whose CPU p95 and network traffic stayed near zero for the last days does no work: "
        "stop it or delete it, and all of its cost is saved.")
    kinds = (ResourceKind.COMPUTE,)
    params = (
        Param("days", gettext_lazy("Shortest metric window"), Decimal(7), Decimal(1), Decimal(90),
              unit=gettext_lazy("days"), integer=True),
        Param("cpu_percent", gettext_lazy("CPU p95 below"), Decimal(5), Decimal(0), Decimal(50), unit="%"),
        Param("network_mbps", gettext_lazy("Average network traffic below"), Decimal(1), Decimal(0),
              Decimal(1000), unit=gettext_lazy("Mbit/s")),
    )

    def evaluate(self, context, params):
        for resource in self.resources(context):
            reading = idle_reading(context, resource, params) if resource.status == ResourceStatus.RUNNING else None
            if reading is None:
                continue
            cpu, network, network_summaries = reading
            cost, words, confidence, reason = monthly_cost_words(context, resource)
            if cost is None:
                continue
            window = number(covered_days(cpu).quantize(Decimal(1), ROUND_HALF_UP))
            values = {"cpu": percent_text(cpu.p95), "cpu_limit": percent_text(params["cpu_percent"]),
                      "days": window, "words": words, "total": money(cost, context.currency)}
            if network is not None:
                formula = _("CPU p95 %(cpu)s < %(cpu_limit)s and average network %(net)s Mbit/s < %(net_limit)s "
                            "Mbit/s over %(days)s days: all of its cost is saved, %(words)s = %(total)s") % {
                    **values, "net": short_number(network), "net_limit": short_number(params["network_mbps"])}
            else:
                formula = _("CPU p95 %(cpu)s < %(cpu_limit)s over %(days)s days (the network is not measured): "
                            "all of its cost is saved, %(words)s = %(total)s") % values
                confidence = lowest_confidence(confidence, Confidence.MEDIUM)
                reason = " ".join(filter(None, [
                    _("Only the CPU is measured: check that the server serves no traffic."), reason]))
            yield FindingDraft(
                resource=resource, action=Action.STOP,
                title=_("Idle server «%(name)s»") % {"name": resource.label},
                action_text=_("Stop the server if it may be needed again, or delete it."),
                formula=formula, savings=cost, confidence=confidence, confidence_reason=reason,
                evidence={"metrics": [metric_evidence(s) for s in (cpu, *network_summaries)],
                          "cpu_p95": cpu.p95, "network_mbps": network, "network_measured": network is not None,
                          "monthly_cost": cost})
