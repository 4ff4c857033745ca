"""CSV files in two dialects: one a person opens in Russian Excel, one a program reads.

- ``spreadsheet_csv`` (page exports): UTF-8 with a BOM (Excel otherwise reads Cyrillic as cp1251), ``;`` between
  cells (the list separator of a Russian Windows), decimal comma, exactly two decimals, no thousands separator and
  an ASCII minus, so that every amount opens as a number Excel can sum.
- ``machine_csv`` (the API): plain UTF-8 without a BOM, ``,`` between cells, dot decimals at full precision.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .numbers import MONEY_PLACES, plain_decimal

BOM = "\ufeff"
SPREADSHEET_CONTENT_TYPE = "text/csv; charset=utf-8"
MACHINE_CONTENT_TYPE = "text/csv; charset=utf-8"


def _spreadsheet_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal | float):
        return plain_decimal(value, places=MONEY_PLACES, decimal_separator=",")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _machine_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def spreadsheet_csv(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows (Decimals stay Decimals until here) as a CSV for Russian Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([_spreadsheet_cell(v) for v in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def machine_csv(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as RFC 4180 CSV for programs: comma, dot decimals, no BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_machine_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")
