"""Commitments: steady 24/7 servers and databases bought on demand where a commitment costs less."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus

from ..data.commitments import COMMITMENT_DISCOUNTS, COMMITTED_MODELS
from ..vocabulary import Action, Category, Confidence
from .base import FindingDraft, Rule, money, number

STEADY_DAYS = 28  # charged on at least this many of the ledger window's 30 days
MAX_PEAK_RATIO = Decimal(3)  # CPU p95 / avg below this: no big daily swings
HUNDRED = Decimal(100)


class CommitmentSteadyRule(Rule):
    key = "commitment_steady"
    version = 1
    category = Category.COMMITMENT
    title = gettext_lazy("Commitments for steady 24/7 usage")
    description = gettext_lazy("A server or database that runs around the clock every day costs less under the "
                               "provider's commitment (Yandex Cloud CVoS, Selectel fixed price, AWS Savings Plans) "
                               "than on demand.")
    kinds = (ResourceKind.COMPUTE, ResourceKind.DATABASE)

    def evaluate(self, context, params):
        for resource in self.resources(context):
            offer = COMMITMENT_DISCOUNTS.get(resource.provider)
            if offer is None or resource.status != ResourceStatus.RUNNING:
                continue
            if resource.pricing_model.lower().replace("-", "_") in COMMITTED_MODELS:
                continue
            lines = context.usage.get(resource.pk, ())
            charged_days = max((line.days for line in lines if line.cost > 0), default=0)
            if charged_days < STEADY_DAYS:
                continue
            cpu = context.summary(resource, MetricName.CPU_PERCENT)
            ratio = None
            if cpu is not None:
                if cpu.avg <= 0:
                    continue
                ratio = cpu.p95 / cpu.avg
                if ratio >= MAX_PEAK_RATIO:
                    continue
            cost, _source = context.monthly_cost(resource)
            if cost is None:
                continue
            discount = offer["discount"]
            savings = cost * discount
            percent = number(discount * HUNDRED)
            formula = _("%(cost)s a month × %(percent)s %% (%(offer)s) = %(total)s; the commitment pays off while "
                        "the resource runs at least %(share)s %% of the term") % {
                "cost": money(cost, context.currency), "percent": percent, "offer": offer["name"],
                "total": money(savings, context.currency), "share": number((1 - discount) * HUNDRED)}
            steady = (_("charged on %(days)s of %(window)s days") % {"days": charged_days,
                                                                     "window": context.cost_days})
            if ratio is not None:
                steady += _(", CPU p95 / average = %(ratio)s") % {"ratio": number(ratio)}
            yield FindingDraft(
                resource=resource, action=Action.COMMIT,
                title=_("Commit to «%(name)s»: it runs around the clock") % {"name": resource.label},
                action_text=_("Buy %(offer)s for this resource's vCPU and RAM.") % {"offer": offer["name"]},
                formula=formula, savings=savings,
                confidence=Confidence.MEDIUM if offer.get("confirmed") else Confidence.LOW,
                confidence_reason=_("Steady usage (%(steady)s); the discount %(percent)s %% is the price list's "
                                    "figure, check it for your volume.") % {"steady": steady, "percent": percent},
                evidence={"charged_days": charged_days, "cost_days": context.cost_days,
                          "cpu_p95": cpu.p95 if cpu else None, "cpu_avg": cpu.avg if cpu else None,
                          "peak_ratio": ratio, "monthly_cost": cost, "discount": discount,
                          "term_months": offer["term_months"], "break_even_share": 1 - discount,
                          "offer": offer["name"], "source": offer["source"]})
