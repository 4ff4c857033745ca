"""The CFO brief: one A4 page in Russian for a month (PDF) and the same figures as a workbook (XLSX).

The figures come from ``brief_data`` (``apps.reports.brief_data``); the files are always in Russian whatever the
requester's language (the brief is a Russian document for the finance director)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from apps.common.errors import ApplicationError, ErrorCode

from .brief_data import brief_data
from .rendering import BRAND, PDF_TYPE, XLSX_TYPE, Sheet, chart_png, pdf_render, png_data_uri, xlsx_book

OUTPUTS = ("pdf", "xlsx")
BRIEF_LANGUAGE = "ru"


def brief_filename(month: date, output: str) -> str:
    return f"cfo_brief_{month:%Y-%m}.{output}"


def brief_chart(data: dict[str, Any]) -> bytes:
    """Daily spend of the month against the same days of the month before (PNG)."""
    days = data["daily"]["days"]
    current = list(data["daily"]["current"]) + [None] * (len(days) - len(data["daily"]["current"]))
    previous = list(data["daily"]["previous"]) + [None] * (len(days) - len(data["daily"]["previous"]))
    return chart_png(kind="line", labels=[str(d) for d in days],
                     series=[(data["month_label"], current), (data["previous_label"], previous)],
                     currency=data["currency"], width=7.4, height=2.1, dpi=110)


def brief_context(data: dict[str, Any], *, with_chart: bool = True) -> dict[str, Any]:
    context = {"b": data, "brand": BRAND}
    if with_chart and data["has_data"]:
        context["chart"] = png_data_uri(brief_chart(data))
    return context


def brief_pdf(data: dict[str, Any]) -> bytes:
    return pdf_render("reports/brief_pdf.html", brief_context(data))


def _fraction(percent: Decimal | None) -> Decimal | None:
    return None if percent is None else percent / 100


def brief_xlsx(data: dict[str, Any]) -> bytes:
    currency = data["currency"]
    title = _("CFO brief")
    period = _("Spending for %(month)s") % {"month": data["month_label"]}
    budget, forecast, prev = data["budget"], data["forecast"], data["previous"]
    summary_rows: list[list[Any]] = [
        [_("Spending"), data["spend"]],
        [_("Previous month") if not prev["same_days"] else _("Same days of the previous month"), prev["total"]],
        [_("Change"), prev["delta"]],
        [_("Budget"), budget["amount"]],
        [_("Budget remaining"), budget["remaining"]],
        [_("Month-end forecast") if forecast["kind"] != "actual" else _("Month total (actual)"), forecast["amount"]],
        [_("Realized savings per month"), data["savings"]["realized"]],
        [_("Potential savings per month"), data["savings"]["potential"]],
        [_("Allocated cost"), data["coverage"]["allocated"]],
    ]
    ratios = [
        [_("Change vs previous month"), _fraction(prev["delta_pct"])],
        [_("Budget used"), _fraction(budget["percent"])],
        [_("Allocation coverage"), data["coverage"]["share"]],
    ]
    sheets = [
        Sheet(title=_("Summary"), header=[_("Figure"), _("Value")], rows=summary_rows, currency=currency,
              money=(1,), notes=[title, period, *data["notes"]]),
        Sheet(title=_("Shares"), header=[_("Figure"), _("Value")], rows=ratios, percent=(1,)),
    ]
    movers_header = [_("Name"), _("This month"), _("Previous month"), _("Change"), _("Change, %")]

    def mover_rows(rows):
        return [[r["label"], r["current"], r["previous"], r["delta"], _fraction(r["delta_pct"])] for r in rows]

    sheets.append(Sheet(title=_("Top movers: services"), header=movers_header, rows=mover_rows(data["services"]),
                        currency=currency, money=(1, 2, 3), percent=(4,)))
    sheets.append(Sheet(title=_("Top movers: business units"), header=movers_header,
                        rows=mover_rows(data["business_units"]),
                        currency=currency, money=(1, 2, 3), percent=(4,)))
    sheets.append(Sheet(title=_("Unit economics"),
                        header=[_("Metric"), _("Unit"), _("Cost per unit"), _("Previous month"), _("Change, %")],
                        rows=[[u["name"], u["unit"], u["current"], u["previous"], _fraction(u["delta_pct"])]
                              for u in data["unit_costs"]], currency=currency, money=(2, 3), percent=(4,)))
    sheets.append(Sheet(title=_("Balance runway"),
                        header=[_("Connection"), _("Balance"), _("Days left"), _("Runs out")],
                        rows=[[r["name"], r["balance"], r["days_left"], r["date"]] for r in data["runways"]],
                        currency=currency, money=(1,)))
    days = data["daily"]["days"]
    sheets.append(Sheet(title=_("Daily spend"), header=[_("Day"), data["month_label"], data["previous_label"]],
                        rows=[[day, _at(data["daily"]["current"], i), _at(data["daily"]["previous"], i)]
                              for i, day in enumerate(days)], currency=currency, money=(1, 2)))
    return xlsx_book(sheets)


def _at(values, index):
    return values[index] if index < len(values) else None


def brief_file(*, month: date, output: str, today: date | None = None) -> tuple[str, str, bytes]:
    """``(file name, content type, content)`` of the brief for ``month`` as ``output`` (pdf or xlsx)."""
    if output not in OUTPUTS:
        message = _("Choose pdf or xlsx.")
        raise ApplicationError(message, ErrorCode.INVALID, extra={"output": [message]})
    with translation.override(BRIEF_LANGUAGE):
        data = brief_data(month, today=today)
        if output == "pdf":
            return brief_filename(data["month"], output), PDF_TYPE, brief_pdf(data)
        return brief_filename(data["month"], output), XLSX_TYPE, brief_xlsx(data)
