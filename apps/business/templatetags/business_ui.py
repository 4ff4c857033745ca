"""The business context pages' tab bar: a tab links only when its page exists (the pages are built in parts)."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()

TABS = (
    ("overview", "business_overview", _("Overview")),
    ("rules", "business_rules", _("Rules")),
    ("dimensions", "business_dimensions", _("Dimensions")),
    ("overrides", "business_overrides", _("Manual allocation")),
    ("suggestions", "business_suggestions", _("Suggestions")),
    ("splits", "business_splits", _("Shared costs")),
    ("metrics", "business_metrics", _("Metrics")),
    ("unit_costs", "business_unit_costs", _("Unit economics")),
)


@register.simple_tag
def business_tabs() -> list[dict]:
    """``[{"key", "label", "url"}]`` for the tabs whose URL name resolves."""
    tabs = []
    for key, name, label in TABS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        tabs.append({"key": key, "label": label, "url": url})
    return tabs
