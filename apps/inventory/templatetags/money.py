"""``{{ amount|money:currency }}``: money in the active locale's number format.

In Russian: ``3 668,90 ₽``, ``117 150 ₽`` (non-breaking spaces between thousands, comma decimals, the
currency symbol after the number). Whole amounts drop their zero kopecks; others keep two places.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import formats

register = template.Library()

NBSP = "\u00a0"
CURRENCY_SYMBOLS = {"RUB": "₽", "RUR": "₽", "USD": "$", "EUR": "€", "KZT": "₸", "CNY": "¥"}
CENT = Decimal("0.01")


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None


def currency_symbol(currency: str | None) -> str:
    """₽/$/€ for the usual ones, the ISO code otherwise; nothing for a non-currency ("mixed" totals)."""
    code = (currency or "RUB").upper()
    if code in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[code]
    return code if len(code) == 3 and code.isalpha() else ""


def format_number(amount: Decimal, *, places: int | None = None) -> str:
    """Grouped in the active locale; ``places=None`` shows two places unless the amount is whole."""
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if places is None:
        places = 0 if amount == amount.to_integral_value() else 2
    return formats.number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def money(value: Any, currency: str = "RUB") -> str:
    amount = to_decimal(value)
    if amount is None:
        return "—"
    return f"{format_number(amount)}{NBSP}{currency_symbol(currency)}".rstrip(NBSP)


@register.filter
def money2(value: Any, currency: str = "RUB") -> str:
    """Always two decimal places (prices per day, where kopecks matter)."""
    amount = to_decimal(value)
    if amount is None:
        return "—"
    return f"{format_number(amount, places=2)}{NBSP}{currency_symbol(currency)}".rstrip(NBSP)


@register.filter
def num(value: Any) -> str:
    """A plain number, grouped like money, without a currency."""
    amount = to_decimal(value)
    if amount is None:
        return "—"
    return format_number(amount)


@register.filter
def currency_sign(currency: str) -> str:
    return currency_symbol(currency)
