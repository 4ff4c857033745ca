"""Display labels of FOCUS values: the ledger keeps the specification's canonical strings ("Compute",
"Usage", "Standard"); pages show these words instead, through ``focus_value_label``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.inventory.vocabulary import resource_type_label, service_name_label

# FOCUS 1.0-1.2 ServiceCategory.
SERVICE_CATEGORY_LABELS: dict[str, str] = {
    "AI and Machine Learning": pgettext_lazy("service category", "AI and Machine Learning"),
    "Analytics": pgettext_lazy("service category", "Analytics"),
    "Business Applications": pgettext_lazy("service category", "Business Applications"),
    "Compute": pgettext_lazy("service category", "Compute"),
    "Databases": pgettext_lazy("service category", "Databases"),
    "Developer Tools": pgettext_lazy("service category", "Developer Tools"),
    "Multicloud": pgettext_lazy("service category", "Multicloud"),
    "Identity": pgettext_lazy("service category", "Identity"),
    "Integration": pgettext_lazy("service category", "Integration"),
    "Internet of Things": pgettext_lazy("service category", "Internet of Things"),
    "Management and Governance": pgettext_lazy("service category", "Management and Governance"),
    "Media": pgettext_lazy("service category", "Media"),
    "Migration": pgettext_lazy("service category", "Migration"),
    "Mobile": pgettext_lazy("service category", "Mobile"),
    "Networking": pgettext_lazy("service category", "Networking"),
    "Security": pgettext_lazy("service category", "Security"),
    "Storage": pgettext_lazy("service category", "Storage"),
    "Web": pgettext_lazy("service category", "Web"),
    "Other": pgettext_lazy("service category", "Other"),
}

# ChargeCategory, ChargeClass, ChargeFrequency, PricingCategory, CommitmentDiscountStatus.
CHARGE_CATEGORY_LABELS: dict[str, str] = {
    "Usage": _("Usage"),
    "Purchase": _("Purchase"),
    "Tax": _("Tax"),
    "Credit": _("Credit"),
    "Adjustment": _("Adjustment"),
}
CHARGE_CLASS_LABELS: dict[str, str] = {"Correction": _("Correction")}
CHARGE_FREQUENCY_LABELS: dict[str, str] = {
    "One-Time": _("One-time"),
    "Recurring": _("Recurring"),
    "Usage-Based": _("Usage-based"),
}
PRICING_CATEGORY_LABELS: dict[str, str] = {
    "Standard": _("Standard price"),
    "On-Demand": _("Standard price"),
    "Dynamic": _("Dynamic price"),
    "Committed": _("Committed use"),
    "Other": _("Other"),
}
COMMITMENT_STATUS_LABELS: dict[str, str] = {"Used": _("Used"), "Unused": _("Unused")}

# Explorer dimension -> its value labels.
DIMENSION_VALUE_LABELS: dict[str, dict[str, str]] = {
    "service_category": SERVICE_CATEGORY_LABELS,
    "charge_category": CHARGE_CATEGORY_LABELS,
    "charge_class": CHARGE_CLASS_LABELS,
    "charge_frequency": CHARGE_FREQUENCY_LABELS,
    "pricing_category": PRICING_CATEGORY_LABELS,
    "commitment_discount_status": COMMITMENT_STATUS_LABELS,
}


def focus_value_label(dimension: str, value: str) -> str:
    """The display label of a ledger value of ``dimension``; values without one are shown as they are."""
    if not value:
        return ""
    if dimension == "resource_type":
        return resource_type_label(value)
    if dimension == "service":  # generic words plugins file costs under ("Compute"); product names stay
        return service_name_label(value)
    found = DIMENSION_VALUE_LABELS.get(dimension, {}).get(value)
    return str(found) if found is not None else value
