"""Small readings of a resource's provider-neutral data that several rules share."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from apps.inventory.vocabulary import ResourceStatus

from ..context import Context, ResourceView
from ..vocabulary import Confidence
from .base import money


def is_attached(resource: ResourceView) -> bool | None:
    """Whether a volume or an address is attached to something: the plugin's ``attached`` flag, its
    ``attached_to`` list, or an ``inactive`` status (exists, attached to nothing); None when the data does not say."""
    specs = resource.specs
    if isinstance(specs.get("attached"), bool):
        return specs["attached"]
    if isinstance(specs.get("unattached"), bool):
        return not specs["unattached"]
    if "attached_to" in specs:
        return bool(specs["attached_to"])
    if resource.status == ResourceStatus.INACTIVE:
        return False
    return None


def monthly_cost_words(context: Context, resource: ResourceView) -> tuple[Decimal | None, str, str, str]:
    """``(monthly cost, its source in words, confidence, confidence reason)`` of ``resource``: the provider's price
    is certain; the ledger's last 30 days scaled to a month are a measurement of the past, medium confidence."""
    cost, source = context.monthly_cost(resource)
    if cost is None:
        return None, "", Confidence.LOW, ""
    if source == "price":
        return (cost, _("the provider's price %(cost)s a month") % {"cost": money(cost, context.currency)},
                Confidence.HIGH, _("The provider's own price for the resource."))
    return (cost, _("%(cost)s a month by the ledger (last %(days)s days)") % {
        "cost": money(cost, context.currency), "days": context.cost_days},
        Confidence.MEDIUM, _("Measured from the last %(days)s days of the ledger; the next bills may differ.") % {
            "days": context.cost_days})
