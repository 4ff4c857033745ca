"""Lenient parsing of provider payload values, shared by every plugin's normalizers.

Providers send the same field as a number in one call and a string in another ("12.5", "12,5",
"1 847"), and sometimes as an empty string or null: all of that parses, anything else is None.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any


def to_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def to_int(value: Any) -> int | None:
    number = to_decimal(value)
    return None if number is None else int(number)


def to_bool(value: Any) -> bool | None:
    """None for absent values; numbers are true when non-zero; strings like "1"/"true"/"yes"/"on"."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value != 0
    return str(value).strip().lower() in {"1", "true", "yes", "on"}
