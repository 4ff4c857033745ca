"""Markup helpers shared by every app's templates."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def pct_class(value) -> str:
    """``37.4`` -> ``"pct-37"``: a bar's width as a class (``static/css/app.css``), since the Content-Security-Policy
    allows no inline ``style`` attributes. Clamped to 0..100; ``None`` and non-numbers are 0."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return "pct-0"
    if not number.is_finite():
        return "pct-0"
    return f"pct-{min(100, max(0, int(number.to_integral_value())))}"
