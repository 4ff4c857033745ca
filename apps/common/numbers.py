"""The one number formatter of the UI: money, plain numbers and percentages in the active locale.

Russian output: ``117 150,00 ₽``, ``−1 234,50 ₽``, ``9 322,7 %``, ``1 116``. The rules, the same on every page
and in the charts (``static/js/format.js`` follows them too):

- thousands are grouped with a no-break space (U+00A0, Django's Russian ``THOUSAND_SEPARATOR``);
- money always shows two decimal places (kopecks), in tables, totals and cards alike;
- negatives carry the minus sign ``−`` (U+2212), never a hyphen; an amount that rounds to zero has no sign;
- percentages are grouped like money and end with a no-break space and ``%``;
- ``signed=True`` adds ``+`` to positive values (changes, deltas).

Django's l10n does the grouping and the decimal separator (``formats.number_format``); this module only fixes
the places, the sign and the currency symbol. Files for machines (API CSV, JSON) never go through it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import formats

NBSP = "\u00a0"
MINUS = "\u2212"
CURRENCY_SYMBOLS = {"RUB": "₽", "RUR": "₽", "USD": "$", "EUR": "€", "KZT": "₸", "CNY": "¥"}
MONEY_PLACES = 2
PERCENT_PLACES = 1


def to_decimal(value: Any) -> Decimal | None:
    """A Decimal from a Decimal, int, float or numeric string (``"1,5"`` too); None for empty or non-numbers."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def currency_symbol(currency: str | None) -> str:
    """₽/$/€ for the usual ones, the ISO code otherwise; nothing for a non-currency ("mixed" totals)."""
    code = (currency or "RUB").upper()
    if code in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[code]
    return code if len(code) == 3 and code.isalpha() else ""


def format_number(value: Any, *, places: int | None = None, signed: bool = False) -> str:
    """``value`` grouped in the active locale with ``places`` decimals; ``places=None`` keeps up to two and drops
    them for whole numbers (counts, sizes). ``—`` when ``value`` is not a number."""
    amount = to_decimal(value)
    if amount is None:
        return "—"
    if places is None:
        amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        places = 0 if amount == amount.to_integral_value() else 2
    amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if amount.is_zero():
        amount = abs(amount)  # "-0,00" is zero
    text = formats.number_format(abs(amount), decimal_pos=places, use_l10n=True, force_grouping=True)
    if amount < 0:
        return MINUS + text
    if signed and amount > 0:
        return "+" + text
    return text


def format_money(value: Any, currency: str | None = "RUB", *, signed: bool = False) -> str:
    """``117 150,00 ₽``: two decimal places always, the currency's symbol after a no-break space."""
    if to_decimal(value) is None:
        return "—"
    text = format_number(value, places=MONEY_PLACES, signed=signed)
    symbol = currency_symbol(currency)
    return f"{text}{NBSP}{symbol}" if symbol else text


def format_percent(value: Any, *, places: int = PERCENT_PLACES, signed: bool = False) -> str:
    """``9 322,7 %``: grouped like money, ``places`` decimals."""
    if to_decimal(value) is None:
        return "—"
    return f"{format_number(value, places=places, signed=signed)}{NBSP}%"


def plain_decimal(value: Any, *, places: int = MONEY_PLACES, decimal_separator: str = ".") -> str:
    """A number for a file a program or a spreadsheet reads: no grouping, ASCII minus, ``places`` decimals,
    ``decimal_separator`` between the parts; empty for a missing value."""
    amount = to_decimal(value)
    if amount is None:
        return ""
    amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if amount.is_zero():
        amount = abs(amount)
    return format(amount, "f").replace(".", decimal_separator)
