"""CSV (csv module) and XLSX (openpyxl) files of the explorer's current view."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from apps.common.csv_files import machine_csv, spreadsheet_csv

from .explorer import alloc_key

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def group_title(group_by: str) -> str:
    """The first column's header: «Группа», or the dimension's name when grouped by an allocation dimension (its
    labels are the values and «Не распределено»)."""
    key = alloc_key(group_by)
    if key is not None:
        from apps.allocation.selectors import dimension_get, dimension_label

        dimension = dimension_get(key)
        if dimension is not None:
            return dimension_label(dimension)
    return _("Group")


def explorer_table(*, view: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: group, currency, each period, total, previous, delta, delta % and a total row."""
    periods = view["periods"]
    has_previous = "previous" in view
    header = [group_title(view["group_by"]), _("Key"), _("Currency"), *[p.isoformat() for p in periods], _("Total")]
    if has_previous:
        header += [_("Previous period"), _("Change"), _("Change, %")]
    rows = []
    for group in view["groups"]:
        row = [str(group["label"]), group["key"], group["currency"], *group["values"], group["total"]]
        if has_previous:
            pct = group.get("delta_pct")
            row += [group.get("previous"), group.get("delta"), round(pct, 2) if pct is not None else None]
        rows.append(row)
    total_row = [_("Total"), "", view["currency"] or "", *[""] * len(periods), view["total"]]
    if has_previous:
        prev = view["previous"]
        pct = prev["delta_pct"]
        total_row += [prev["total"], prev["delta"], round(pct, 2) if pct is not None else None]
    rows.append(total_row)
    return header, rows


def explorer_csv(*, view: dict[str, Any]) -> bytes:
    """The API's CSV, for programs: comma-separated, dot decimals at full precision, no BOM."""
    header, rows = explorer_table(view=view)
    return machine_csv([header, *rows])


def explorer_spreadsheet_csv(*, view: dict[str, Any]) -> bytes:
    """The page's CSV, for Russian Excel: BOM, ``;``, decimal comma, two decimals."""
    header, rows = explorer_table(view=view)
    return spreadsheet_csv([header, *rows])


def explorer_xlsx(*, view: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header, rows = explorer_table(view=view)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Costs")[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column in sheet.iter_cols(min_col=4, max_col=sheet.max_column, min_row=2):
        for cell in column:
            if isinstance(cell.value, Decimal | int | float):
                cell.number_format = "#,##0.00"
    sheet.freeze_panes = "D2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


EXPORT_FORMATS = {"csv": (explorer_csv, CSV_TYPE), "xlsx": (explorer_xlsx, XLSX_TYPE)}
# What the explorer page's buttons download: the same table, its CSV made for a person's spreadsheet.
PAGE_EXPORT_FORMATS = {"csv": (explorer_spreadsheet_csv, CSV_TYPE), "xlsx": (explorer_xlsx, XLSX_TYPE)}


def explorer_export(*, view: dict[str, Any], fmt: str, for_people: bool = False) -> tuple[str, str, bytes]:
    """``(file name, content type, content)`` of ``view`` as ``fmt`` (a key of ``EXPORT_FORMATS``); ``for_people``
    gives the page's dialect (``PAGE_EXPORT_FORMATS``)."""
    render, content_type = (PAGE_EXPORT_FORMATS if for_people else EXPORT_FORMATS)[fmt]
    name = f"costs_{view['group_by'].replace(':', '-')}_{view['start']:%Y%m%d}-{view['end']:%Y%m%d}.{fmt}"
    return name, content_type, render(view=view)
