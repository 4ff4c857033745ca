"""Cleanup: what is paid for and used by nothing."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.inventory.vocabulary import ResourceKind

from ..vocabulary import Action, Category
from .base import FindingDraft, Param, Rule, money
from .common import is_attached, monthly_cost_words


class UnattachedVolumeRule(Rule):
    key = "unattached_volume"
    version = 1
    category = Category.CLEANUP
    title = gettext_lazy("Unattached volumes")
    description = gettext_lazy("A disk attached to no server is paid for in full and used by nothing: snapshot it "
                               "if the data may be needed, then delete it.")
    kinds = (ResourceKind.VOLUME,)
    params = (Param("min_monthly_cost", gettext_lazy("Smallest monthly cost to report"), Decimal(0), Decimal(0),
                    Decimal(1_000_000), unit="₽"),)

    def evaluate(self, context, params):
        for resource in self.resources(context):
            if is_attached(resource) is not False:
                continue
            cost, words, confidence, reason = monthly_cost_words(context, resource)
            if cost is None or cost < params["min_monthly_cost"]:
                continue
            size = resource.spec("disk_gb") or resource.spec("size_gb")
            yield FindingDraft(
                resource=resource, action=Action.DELETE,
                title=_("Unattached volume «%(name)s»") % {"name": resource.label},
                action_text=_("Make a snapshot if the data may be needed, then delete the volume."),
                formula=_("The volume is attached to nothing: all of its cost is saved, %(words)s = %(total)s") % {
                    "words": words, "total": money(cost, context.currency)},
                savings=cost, confidence=confidence, confidence_reason=reason,
                evidence={"size_gb": size, "monthly_cost": cost, "attached": False})
