"""Platform and pricing options: an older Yandex platform, preemptible instances, a cheaper region."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.inventory.vocabulary import ResourceKind, ResourceStatus

from ..context import MONTH_HOURS
from ..data.compute_prices import (
    PREEMPTIBLE_DISCOUNTS,
    REGION_PRICES,
    YANDEX_PLATFORM_PRICES,
    YANDEX_TARGET_PLATFORM,
)
from ..vocabulary import Action, Category, Confidence
from .base import FindingDraft, Rule, money, number

HUNDRED = Decimal(100)
LOCALITY_TAGS = ("locality", "pinned")


class PlatformGenerationRule(Rule):
    key = "platform_generation"
    version = 1
    category = Category.PRICING
    title = gettext_lazy("Newer, cheaper platform")
    description = gettext_lazy("A Yandex Cloud VM on an older platform (standard-v1, standard-v2) pays more per "
                               "vCPU and GB of RAM than on standard-v3 for the same size.")
    kinds = (ResourceKind.COMPUTE,)
    providers = ("yandex",)

    def evaluate(self, context, params):
        target = YANDEX_PLATFORM_PRICES[YANDEX_TARGET_PLATFORM]
        for resource in self.resources(context):
            if resource.status != ResourceStatus.RUNNING:
                continue
            platform = str(resource.specs.get("platform") or "")
            old = YANDEX_PLATFORM_PRICES.get(platform)
            if old is None or platform == YANDEX_TARGET_PLATFORM:
                continue
            fraction = resource.spec("core_fraction")
            if fraction is not None and fraction != HUNDRED:
                continue  # the table prices 100 % vCPU only
            vcpu = resource.spec("cpu_cores")
            ram = resource.spec("memory_gb") or Decimal(0)
            if not vcpu:
                continue
            vcpu_gap, ram_gap = old["vcpu_hour"] - target["vcpu_hour"], old["ram_gb_hour"] - target["ram_gb_hour"]
            savings = (vcpu * vcpu_gap + ram * ram_gap) * MONTH_HOURS
            if savings <= 0:
                continue
            cur = context.currency
            formula = _("(%(vcpu)s vCPU × (%(old_cpu)s − %(new_cpu)s) + %(ram)s GB × (%(old_ram)s − %(new_ram)s)) "
                        "per hour × 720 h = %(total)s") % {
                "vcpu": number(vcpu), "old_cpu": money(old["vcpu_hour"], cur),
                "new_cpu": money(target["vcpu_hour"], cur),
                "ram": number(ram), "old_ram": money(old["ram_gb_hour"], cur),
                "new_ram": money(target["ram_gb_hour"], cur), "total": money(savings, cur)}
            yield FindingDraft(
                resource=resource, action=Action.CHANGE_PLATFORM,
                title=_("Move «%(name)s» from %(old)s to %(new)s") % {
                    "name": resource.label, "old": platform, "new": YANDEX_TARGET_PLATFORM},
                action_text=_("Stop the VM, change its platform to %(new)s (%(new_name)s) and start it again.") % {
                    "new": YANDEX_TARGET_PLATFORM, "new_name": target["name"]},
                formula=formula, savings=savings, confidence=Confidence.MEDIUM,
                confidence_reason=_("List prices of the platforms; the VM's own discounts are not known."),
                evidence={"platform": platform, "target_platform": YANDEX_TARGET_PLATFORM, "cpu_cores": vcpu,
                          "memory_gb": ram, "old_vcpu_hour": old["vcpu_hour"], "new_vcpu_hour": target["vcpu_hour"],
                          "old_ram_gb_hour": old["ram_gb_hour"], "new_ram_gb_hour": target["ram_gb_hour"],
                          "source": old["source"]})


class PreemptibleCandidateRule(Rule):
    key = "preemptible_candidate"
    version = 1
    category = Category.PRICING
    title = gettext_lazy("Preemptible instances for non-production")
    description = gettext_lazy("A non-production VM that may be stopped at any moment costs much less as a "
                               "preemptible (Yandex Cloud) or spot (AWS) instance.")
    kinds = (ResourceKind.COMPUTE,)
    providers = tuple(PREEMPTIBLE_DISCOUNTS)

    def evaluate(self, context, params):
        for resource in self.resources(context):
            if resource.status != ResourceStatus.RUNNING or not resource.is_non_production:
                continue
            if resource.specs.get("preemptible") is True or resource.pricing_model in ("preemptible", "spot"):
                continue
            offer = PREEMPTIBLE_DISCOUNTS[resource.provider]
            cost, _source = context.monthly_cost(resource)
            if cost is None:
                continue
            savings = cost * offer["discount"]
            yield FindingDraft(
                resource=resource, action=Action.PREEMPTIBLE,
                title=_("Run «%(name)s» as a preemptible instance") % {"name": resource.label},
                action_text=_("Recreate the VM as %(offer)s; make sure the work survives a stop at any moment.") % {
                    "offer": offer["name"]},
                formula=_("%(cost)s a month × %(percent)s %% (%(offer)s) = %(total)s") % {
                    "cost": money(cost, context.currency), "percent": number(offer["discount"] * HUNDRED),
                    "offer": offer["name"], "total": money(savings, context.currency)},
                savings=savings, confidence=Confidence.LOW,
                confidence_reason=_("The provider can stop a preemptible instance at any time (Yandex Cloud stops "
                                    "it at least every 24 hours); the discount is the price list's typical figure."),
                evidence={"environment": resource.env, "monthly_cost": cost, "discount": offer["discount"],
                          "source": offer["source"]})


class CheaperRegionRule(Rule):
    key = "cheaper_region"
    version = 1
    category = Category.PRICING
    title = gettext_lazy("Cheaper region")
    description = gettext_lazy("The same resource type costs less in another region of the same provider, and the "
                               "resource has no locality requirement.")
    # The table of same-type prices by region (``data/compute_prices.REGION_PRICES``).
    region_prices: ClassVar[dict] = REGION_PRICES

    def evaluate(self, context, params):
        for resource in self.resources(context):
            table = self.region_prices.get(resource.provider, {})
            kind_key = str(resource.specs.get("instance_type") or resource.specs.get("flavor") or "")
            by_region = table.get(kind_key)
            if not by_region or resource.region not in by_region:
                continue
            if any(tag.lower() in LOCALITY_TAGS for tag in resource.tags):
                continue
            here = by_region[resource.region]
            region, there = min(((r, p) for r, p in by_region.items() if r != resource.region),
                                key=lambda item: item[1], default=(None, None))
            if region is None or there >= here:
                continue
            savings = here - there
            yield FindingDraft(
                resource=resource, action=Action.MOVE_REGION,
                title=_("Move «%(name)s» to %(region)s") % {"name": resource.label, "region": region},
                action_text=_("Recreate the resource in %(region)s if nothing needs it to stay in %(here)s.") % {
                    "region": region, "here": resource.region},
                formula=_("%(type)s: %(here)s a month in %(from)s − %(there)s in %(to)s = %(total)s") % {
                    "type": kind_key, "here": money(here, context.currency), "from": resource.region,
                    "there": money(there, context.currency), "to": region,
                    "total": money(savings, context.currency)},
                savings=savings, confidence=Confidence.MEDIUM,
                confidence_reason=_("List prices by region; moving has its own cost and latency."),
                evidence={"type": kind_key, "region": resource.region, "target_region": region,
                          "price_here": here, "price_there": there})
