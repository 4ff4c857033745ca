"""Files people open: XLSX workbooks (openpyxl), PDF documents (WeasyPrint) and PNG charts (matplotlib), in the
product's look and in Russian number formats. Every report, the CFO brief and the MSP statements render here.

- ``xlsx_book(sheets)``: bold frozen header, column widths from the content, money cells as numbers with the
  currency's format (``# ##0,00 ₽`` in a Russian Excel), percents as percents.
- ``pdf_render(template, context)``: a Django template to PDF; fonts are DejaVu (Cyrillic), embedded by
  WeasyPrint as subsets, so the file reads the same on a machine without them.
- ``chart_png(...)``: a bar, stacked bar, line or pie chart as PNG bytes, in the brand colours, axis in RU
  number format; a PDF embeds it as a ``data:`` URI (``png_data_uri``).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from apps.common.numbers import currency_symbol, format_number

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
PNG_TYPE = "image/png"
CSV_TYPE = "text/csv; charset=utf-8"

# The brand guide's palette (static/css/app.css): primary first, then the series colours.
BRAND = {
    "primary": "#1E40AF",
    "secondary": "#3B82F6",
    "success": "#10B981",
    "warning": "#F59E0B",
    "error": "#EF4444",
    "text": "#0F172A",
    "muted": "#64748B",
    "grid": "#E2E8F0",
}
SERIES_COLOURS = [
    "#1E40AF",
    "#3B82F6",
    "#10B981",
    "#F59E0B",
    "#8B5CF6",
    "#EC4899",
    "#14B8A6",
    "#F97316",
    "#64748B",
    "#EF4444",
    "#84CC16",
    "#0EA5E9",
]


def money_format(currency: str | None = "RUB") -> str:
    """An Excel number format for amounts in ``currency``: ``#,##0.00 "₽"`` (Excel shows its own separators)."""
    symbol = currency_symbol(currency)
    return f'#,##0.00\\ "{symbol}"' if symbol else "#,##0.00"


PERCENT_FORMAT = "0.0%"


@dataclass
class Sheet:
    """One worksheet: ``header`` and ``rows``; columns in ``money`` (0-based) get ``currency``'s money format,
    columns in ``percent`` hold fractions shown as percents; ``bold_last`` for a total row."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    currency: str | None = "RUB"
    money: Sequence[int] = ()
    percent: Sequence[int] = ()
    bold_last: bool = False
    freeze: str = "A2"
    notes: Sequence[str] = field(default_factory=list)  # lines above the header (title, period)


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value  # openpyxl writes Decimal as a number
    return value


def xlsx_book(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    header_fill = PatternFill("solid", fgColor=BRAND["primary"].lstrip("#"))
    for spec in sheets:
        sheet = book.create_sheet(title=_sheet_title(spec.title))
        for note in spec.notes:
            sheet.append([note])
            sheet.cell(row=sheet.max_row, column=1).font = Font(
                bold=sheet.max_row == 1, size=12 if sheet.max_row == 1 else 10
            )
        header_row = sheet.max_row + 1 if spec.notes else 1
        sheet.append(list(spec.header))
        for cell in sheet[header_row]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        money_fmt = money_format(spec.currency)
        for row in spec.rows:
            sheet.append([_cell_value(v) for v in row])
            current = sheet.max_row
            for index in spec.money:
                sheet.cell(row=current, column=index + 1).number_format = money_fmt
            for index in spec.percent:
                sheet.cell(row=current, column=index + 1).number_format = PERCENT_FORMAT
        if spec.bold_last and spec.rows:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        freeze_row = header_row + 1
        column = "".join(ch for ch in spec.freeze if ch.isalpha()) or "A"
        sheet.freeze_panes = f"{column}{freeze_row}"
        for index, _title in enumerate(spec.header, start=1):
            values = [spec.header[index - 1], *(r[index - 1] for r in spec.rows if index - 1 < len(r))]
            width = max((_display_width(v, index - 1 in spec.money) for v in values), default=8)
            sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip() or "Sheet"
    return cleaned[:31]


def _display_width(value: Any, money: bool) -> int:
    if value is None:
        return 0
    if isinstance(value, Decimal | int | float):
        return len(format_number(value, places=2 if money else None)) + (2 if money else 0)
    return len(str(value))


def pdf_render(template_name: str, context: dict[str, Any]) -> bytes:
    """``template_name`` rendered and laid out as PDF (A4 unless the template's ``@page`` says otherwise)."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=None).write_pdf()


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _axis_money(value: float, _position: Any) -> str:
    return format_number(Decimal(str(round(value))), places=0)


def chart_png(
    *,
    kind: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Any]]],
    title: str = "",
    currency: str | None = "RUB",
    width: float = 8.0,
    height: float = 3.6,
    dpi: int = 150,
) -> bytes:
    """A chart as PNG. ``series`` is ``[(name, values per label)]``; ``kind`` one of bar, stacked, line, pie
    (a pie takes the first series). Values may be Decimal or None (drawn as 0)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    plt.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": 8,
            "axes.edgecolor": BRAND["grid"],
            "axes.labelcolor": BRAND["text"],
            "xtick.color": BRAND["muted"],
            "ytick.color": BRAND["muted"],
        }
    )
    figure, axes = plt.subplots(figsize=(width, height), dpi=dpi)
    try:
        # A line skips a missing value (a month shorter than the other); bars and pies draw it as 0.
        missing = float("nan") if kind == "line" else 0.0
        numeric = [(name, [missing if v is None else float(v) for v in values]) for name, values in series]
        if kind == "pie":
            values = numeric[0][1] if numeric else []
            pairs = [(label, value) for label, value in zip(labels, values, strict=False) if value > 0]
            if pairs:
                axes.pie(
                    [v for _, v in pairs],
                    labels=[str(label)[:30] for label, _ in pairs],
                    colors=SERIES_COLOURS[: len(pairs)],
                    autopct="%1.0f%%",
                    textprops={"fontsize": 7},
                )
            axes.axis("equal")
        else:
            positions = list(range(len(labels)))
            bottom = [0.0] * len(labels)
            count = max(len(numeric), 1)
            bar_width = 0.8 / (1 if kind == "stacked" else count)
            for index, (name, values) in enumerate(numeric):
                colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
                if kind == "line":
                    axes.plot(positions, values, label=name, color=colour, linewidth=1.8, marker="o", markersize=2)
                elif kind == "stacked":
                    axes.bar(positions, values, bottom=bottom, label=name, color=colour, width=0.8)
                    bottom = [b + v for b, v in zip(bottom, values, strict=False)]
                else:
                    offset = (index - (count - 1) / 2) * bar_width
                    axes.bar([p + offset for p in positions], values, label=name, color=colour, width=bar_width)
            step = max(1, len(labels) // 12)
            axes.set_xticks(positions[::step])
            axes.set_xticklabels(
                [str(label)[:16] for label in labels][::step],
                rotation=0 if len(labels) <= 6 else 30,
                ha="center" if len(labels) <= 6 else "right",
            )
            axes.yaxis.set_major_formatter(FuncFormatter(_axis_money))
            symbol = currency_symbol(currency)
            if symbol:
                axes.set_ylabel(symbol)
            axes.grid(axis="y", color=BRAND["grid"], linewidth=0.6)
            axes.set_axisbelow(True)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
            if len(numeric) > 1:
                axes.legend(fontsize=7, frameon=False, ncol=min(len(numeric), 4))
        if title:
            axes.set_title(title, fontsize=10, color=BRAND["text"], loc="left")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
