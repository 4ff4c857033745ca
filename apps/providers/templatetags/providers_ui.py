"""How providers are shown, read from each plugin's ``ProviderSpec``: a new provider needs no edit here.

Its tile (badge or logo, brand colours as CSS custom properties), its label, its colour in charts (a
``json_script`` the page's JS reads), the labels of its account limits and of the spec keys only it
reports. Other apps' templates ``{% load providers_ui %}``; a template tag library is not a Python import,
so the inventory stays below the providers.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, json_script
from django.utils.translation import gettext as _

from apps.providers import registry
from apps.providers.plugins.base import Brand, ProviderSpec

register = template.Library()


def _spec(key: str) -> ProviderSpec | None:
    try:
        return registry.get_spec(key or "")
    except registry.UnknownProvider:
        return None


def brand_of(key: str) -> Brand:
    """The provider's brand; a key without a plugin gets its first letters on the app's colours."""
    spec = _spec(key)
    return spec.display_brand if spec is not None else Brand(badge=(key or "?")[:3].upper())


@register.filter
def provider_label(key: str) -> str:
    spec = _spec(key)
    return str(spec.label) if spec is not None else (key or "")


@register.filter
def provider_badge(key: str) -> str:
    """The short mark on a provider's tile (YC, SEL...), as in the product description."""
    return brand_of(key).badge


@register.simple_tag
def provider_logo(key: str, css_class: str = "conn-logo") -> str:
    """A provider's tile: ``<span class="{css_class}">`` in its brand colours with its badge (or logo)."""
    brand = brand_of(key)
    inner = format_html('<img src="{}" alt="">', static(brand.logo)) if brand.logo else brand.badge
    # The brand colours come from the providers/brands.css stylesheet, keyed by data-provider-logo (CSP: no style=).
    return format_html('<span class="{} provider-logo" data-provider-logo="{}" aria-hidden="true">{}</span>',
                       css_class, key or "", inner)


def chart_colors() -> dict[str, str]:
    """{name: brand colour} for every registered provider, by its label and the aliases billing data uses."""
    colors: dict[str, str] = {}
    for key in registry.provider_keys():
        spec = registry.get_spec(key)
        if spec.display_brand.color:
            for name in (str(spec.label), *spec.aliases):
                colors[name] = spec.display_brand.color
    return colors


@register.simple_tag
def provider_colors_json(element_id: str) -> str:
    """``<script type="application/json" id=...>`` with ``chart_colors()``, for the page's charts."""
    return json_script(chart_colors(), element_id)


@register.simple_tag
def provider_limit_label(key: str, name: str) -> str:
    """The label of an account limit (``AccountInfo.limits`` name) of the provider ``key``."""
    spec = _spec(key)
    return spec.limit_label(name) if spec is not None else name.replace("_", " ").capitalize()


@register.simple_tag
def provider_spec_label(key: str, spec_key: str, label: Any) -> str:
    """The label of a resource spec key: the provider's own when it has one, else ``label`` (the inventory's)."""
    spec = _spec(key)
    own = spec.spec_labels.get(spec_key) if spec is not None else None
    return str(own[0]) if own else str(label)


@register.simple_tag
def provider_spec_value(key: str, spec_key: str, value: Any) -> str:
    """A spec value (formatted by the inventory) with the unit the provider gives its own key (e.g. ``%``)."""
    spec = _spec(key)
    own = spec.spec_labels.get(spec_key) if spec is not None else None
    unit = own[1] if own else ""
    return f"{value}\u00a0{unit}" if unit else str(value)  # a no-break space, as the number formatter puts


@register.filter
def duration(seconds: Any) -> str:
    """``65`` -> «1 min 5 s» in the active language; ``None`` (a run not finished) -> «—»."""
    if seconds in (None, ""):
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": secs}
    return _("%(seconds)s s") % {"seconds": secs}


@register.simple_tag
def provider_lineup(*entries: str) -> list[dict[str, Any]]:
    """Providers a page advertises, each ``"key:Label"``: connectable when the registry has a plugin for
    ``key`` (its label then comes from the plugin), else shown as coming soon.
    ``{% provider_lineup "yandex:Yandex Cloud" "vk:VK Cloud" as lineup %}``"""
    lineup = []
    for entry in entries:
        key, _sep, label = entry.partition(":")
        spec = _spec(key)
        lineup.append({"key": key, "label": str(spec.label) if spec is not None else (label or key),
                       "connectable": spec is not None})
    return lineup
