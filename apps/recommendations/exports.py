"""The backlog as a file for people: a CSV that Russian Excel opens with amounts as numbers, or XLSX."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.csv_files import SPREADSHEET_CONTENT_TYPE, spreadsheet_csv

from .models import Finding
from .vocabulary import Action, Category, Confidence, Risk, Status

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_COLUMNS = (7, 8)  # 1-based: estimated and realized savings


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def findings_table(findings: Iterable[Finding]) -> tuple[list[str], list[list[Any]]]:
    """Header and one row per finding (amounts stay Decimals: the file's dialect formats them)."""
    header = [_("ID"), _("Recommendation"), _("Category"), _("Status"), _("Resource"), _("Provider"),
              _("Savings per month"), _("Realized savings per month"), _("Currency"), _("Confidence"),
              _("Confidence reason"), _("Risk"), _("Action"), _("What to do"), _("Formula"), _("Rule"),
              _("Owner"), _("First found"), _("Snoozed until"), _("Applied on"), _("Dismissal reason")]
    rows = []
    for f in findings:
        resource = f.resource
        rows.append([
            f.pk, f.title, _label(Category, f.category), _label(Status, f.status),
            (resource.resource_name or resource.resource_id) if resource is not None else "",
            f.provider, f.estimated_monthly_savings, f.realized_monthly_savings, f.currency,
            _label(Confidence, f.confidence), f.confidence_reason, _label(Risk, f.risk) if f.risk else "",
            _label(Action, f.action), f.action_text, f.formula, f.rule, f.owner,
            timezone.localtime(f.first_seen_at).date() if f.first_seen_at else None,
            f.snoozed_until, f.applied_on, f.dismiss_reason,
        ])
    return header, rows


def findings_csv(findings: Iterable[Finding]) -> bytes:
    header, rows = findings_table(findings)
    return spreadsheet_csv([header, *rows])


def findings_xlsx(findings: Iterable[Finding]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header, rows = findings_table(findings)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Recommendations")[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column in MONEY_COLUMNS:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            if isinstance(cell.value, Decimal | int | float):
                cell.number_format = "#,##0.00"
    sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


EXPORT_FORMATS = {"csv": (findings_csv, SPREADSHEET_CONTENT_TYPE), "xlsx": (findings_xlsx, XLSX_TYPE)}


def findings_export(findings: Iterable[Finding], *, fmt: str) -> tuple[str, str, bytes]:
    """``(file name, content type, content)`` of the findings as ``fmt`` (a key of ``EXPORT_FORMATS``)."""
    render, content_type = EXPORT_FORMATS[fmt]
    name = f"recommendations_{timezone.localdate():%Y%m%d}.{fmt}"
    return name, content_type, render(findings)
