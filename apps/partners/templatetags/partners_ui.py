"""Template helpers of the MSP console pages."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def url_or_none(name: str, *args, **kwargs) -> str | None:
    """``reverse(name)``, or None when no such URL exists (a tab of a page not built yet is shown disabled)."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


@register.simple_tag(takes_context=True)
def sort_link(context, key: str) -> str:
    """The query string that sorts the console by ``key``: descending first for numbers, ascending for the name;
    the column already sorted that way flips."""
    request = context["request"]
    current = context.get("sort", "")
    if current == key:
        wanted = f"-{key}"
    elif current == f"-{key}":
        wanted = key
    else:
        wanted = key if key == "name" else f"-{key}"
    query = request.GET.copy()
    query["sort"] = wanted
    return "?" + query.urlencode()


@register.filter
def bar_width(value, maximum) -> int:
    """A bar's width in whole percent of the largest absolute value (0–100), for ``pct_class`` (no style
    attributes: the Content-Security-Policy forbids them)."""
    try:
        if not maximum:
            return 0
        return round(min(100.0, abs(float(value)) * 100 / abs(float(maximum))))
    except (TypeError, ValueError):
        return 0
