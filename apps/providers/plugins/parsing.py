"""Lenient parsing of provider payload values, shared by every plugin's normalizers.

Providers send the same field as a number in one call and a string in another ("12.5", "12,5",
"1 847"), and sometimes as an empty string or null: all of that parses, anything else is None.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_FRACTION = re.compile(r"\.\d+")


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


def to_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def to_datetime(value: Any) -> datetime | None:
    """ISO 8601 / RFC 3339 ("T" or a space, "Z" or an offset, up to nanoseconds) or a datetime; a naive
    value is taken as UTC. Anything else is None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = to_text(value).replace("Z", "+00:00")
    if not text:
        return None
    text = _FRACTION.sub(lambda m: m.group(0)[:7], text)  # Python reads microseconds: cut nanoseconds
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
