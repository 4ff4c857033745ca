"""Template filters over the one number formatter (``apps.common.numbers``), for every app's templates.

``{{ amount|money:currency }}`` -> ``117 150,00 ₽`` · ``{{ delta|money_signed:currency }}`` -> ``+1 200,00 ₽`` /
``−300,00 ₽`` · ``{{ share|percent }}`` -> ``9 322,7 %`` (``percent:0`` -> ``37 %``) · ``{{ change|percent_signed }}``
-> ``+12,5 %`` · ``{{ count|num }}`` -> ``1 116``.
"""

from __future__ import annotations

from typing import Any

from django import template

from apps.common.numbers import currency_symbol, format_money, format_number, format_percent

register = template.Library()


@register.filter
def money(value: Any, currency: str = "RUB") -> str:
    return format_money(value, currency)


# Older templates asked for "two places" explicitly; money always shows them now. Same filter, kept by name.
register.filter("money2", money)


@register.filter
def money_signed(value: Any, currency: str = "RUB") -> str:
    """A change of money: ``+`` before a rise, ``−`` before a fall."""
    return format_money(value, currency, signed=True)


@register.filter
def percent(value: Any, places: int = 1) -> str:
    return format_percent(value, places=int(places))


@register.filter
def percent_signed(value: Any, places: int = 1) -> str:
    return format_percent(value, places=int(places), signed=True)


@register.filter
def num(value: Any) -> str:
    """A plain number, grouped like money, without a currency (whole numbers without decimals)."""
    return format_number(value)


@register.filter
def currency_sign(currency: str) -> str:
    return currency_symbol(currency)
