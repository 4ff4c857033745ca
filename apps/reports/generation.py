"""Generating a file of the archive: a saved report or the CFO brief, with status and progress on its
``ReportExport`` row. Runs in the background (``apps.reports.tasks``) or inline (a schedule's delivery).

A report's ``query`` holds the explorer's query parameters (``apps.costs.forms.explorer_params`` reads them,
relative periods such as ``last_30_days`` resolved on the day of the run)."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import ApplicationError, ErrorCode
from apps.common.numbers import format_money, format_number

from .forms import query_dict, report_params  # noqa: F401 - query_dict kept importable from here
from .models import ReportExport
from .rendering import PDF_TYPE, PNG_TYPE, XLSX_TYPE, Sheet, chart_png, pdf_render, png_data_uri, xlsx_book
from .selectors import params_in_words, period_label, period_words
from .vocabulary import ChartType, ExportKind, ExportStatus, Output

logger = logging.getLogger(__name__)


def _progress(export_id: int | None, value: int) -> None:
    if export_id is not None:
        ReportExport.objects.filter(pk=export_id).update(progress=value)


def size_check(*, params: dict[str, Any]) -> None:
    """Refuse a table larger than ``settings.REPORT_MAX_CELLS`` (groups × periods) before computing it: the
    periods are counted from the dates, the groups with one grouped total query (the monthly rollup answers most
    of a long range)."""
    from apps.costs.selectors.explorer import cost_summary, period_buckets

    limit = settings.REPORT_MAX_CELLS
    periods = len(period_buckets(start=params["start"], end=params["end"], granularity=params["granularity"]))
    groups = 1
    if periods <= limit:
        summary = cost_summary(start=params["start"], end=params["end"], group_by=params["group_by"],
                               metric=params["metric"], currency=params["currency"], filters=params["filters"],
                               tags=params["tags"])
        groups = max(len(summary["groups"]), 1)
    cells = groups * periods
    if cells > limit:
        coarser = {"day": _("by week or by month"), "week": _("by month")}.get(params["granularity"])
        advice = (_("Choose a coarser granularity (%(coarser)s), a shorter period or fewer groups.")
                  % {"coarser": coarser}) if coarser else _("Choose a shorter period or fewer groups.")
        raise ApplicationError(
            _("The report is too large: %(groups)s groups × %(periods)s periods = %(cells)s cells, at most "
              "%(limit)s.") % {"groups": format_number(groups), "periods": format_number(periods),
                               "cells": format_number(cells), "limit": format_number(limit)} + " " + advice,
            ErrorCode.INVALID, extra={"granularity": [advice]})


def report_view(*, report, params: dict[str, Any] | None = None, export_id: int | None = None) -> tuple[dict, dict]:
    """``(explorer parameters, explorer view)`` of ``report`` (its query with ``params`` over it), size-checked."""
    from apps.costs.selectors.explorer import cost_explorer_view

    explorer = report_params({**(report.query or {}), **(params or {})})
    _progress(export_id, 15)
    size_check(params=explorer)
    _progress(export_id, 30)
    view = cost_explorer_view(params=explorer, with_utilization=False)
    _progress(export_id, 60)
    return explorer, view


def report_file(*, report, output: str, params: dict[str, Any], export_id: int | None = None
                ) -> tuple[str, str, bytes]:
    """``(file name, content type, content)`` of ``report`` as ``output``."""
    explorer, view = report_view(report=report, params=params, export_id=export_id)
    if output == Output.CSV:
        from apps.costs.selectors.exports import explorer_export

        _name, content_type, content = explorer_export(view=view, fmt="csv", for_people=True)
    elif output == Output.XLSX:
        content_type, content = XLSX_TYPE, report_xlsx(report=report, params=explorer, view=view)
    elif output == Output.PDF:
        content_type, content = PDF_TYPE, report_pdf(report=report, params=explorer, view=view)
    elif output == Output.PNG:
        content_type, content = PNG_TYPE, report_png(report=report, view=view)
    else:
        raise ApplicationError(_("Choose csv, xlsx, pdf or png."), ErrorCode.INVALID,
                               extra={"output": [_("Choose csv, xlsx, pdf or png.")]})
    _progress(export_id, 90)
    return f"{_slug(report.name)}_{view['start']:%Y%m%d}-{view['end']:%Y%m%d}.{output}", content_type, content


def _slug(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name, allow_unicode=True) or "report"


def report_table(*, view: dict[str, Any]) -> tuple[list[str], list[list[Any]], list[int], list[int]]:
    """The explorer's table with Russian period headers, without the key column: ``(header, rows, money columns,
    percent columns)``; percents as fractions (Excel's percent format)."""
    from apps.costs.selectors.exports import explorer_table

    header, rows = explorer_table(view=view)
    periods = len(view["periods"])
    header = [header[0], header[2], *[period_label(p, view["granularity"]) for p in view["periods"]],
              *header[3 + periods:]]
    rows = [[row[0], row[2], *row[3:]] for row in rows]
    money = list(range(2, 2 + periods + 1))
    percent: list[int] = []
    if "previous" in view:
        money += [3 + periods, 4 + periods]
        percent = [5 + periods]
        for row in rows:
            value = row[5 + periods]
            row[5 + periods] = (Decimal(str(value)) / 100) if value not in (None, "") else None
    return header, rows, money, percent


def report_xlsx(*, report, params: dict[str, Any], view: dict[str, Any]) -> bytes:
    header, rows, money, percent = report_table(view=view)
    rows = [[None if v == "" else v for v in row] for row in rows]
    about = [(_("Report"), report.name)]
    if report.description:
        about.append((_("Description"), report.description))
    about += params_in_words(params)
    about.append((_("Generated"), timezone.localtime().strftime("%d.%m.%Y %H:%M")))
    return xlsx_book([
        Sheet(title=_("Costs"), header=header, rows=rows, currency=view["currency"], money=money, percent=percent,
              bold_last=True, freeze="C2"),
        Sheet(title=_("Parameters"), header=[_("Parameter"), _("Value")], rows=about, currency=None),
    ])


def _chart(*, report, view: dict[str, Any], width: float = 8.0, height: float = 3.6) -> bytes:
    kind = report.chart if report.chart != ChartType.TABLE else ChartType.BAR
    if kind == ChartType.PIE:
        groups = view["groups"][:10]
        return chart_png(kind="pie", labels=[str(g["label"]) for g in groups],
                         series=[(_("Total"), [g["total"] for g in groups])], currency=view["currency"],
                         width=width, height=height)
    labels = [period_label(p, view["granularity"]) for p in view["periods"]]
    series = [(str(s["label"]), s["values"]) for s in view["series"]]
    return chart_png(kind=str(kind), labels=labels, series=series, currency=view["currency"], width=width,
                     height=height)


def report_png(*, report, view: dict[str, Any]) -> bytes:
    return _chart(report=report, view=view)


PDF_MAX_PERIOD_COLUMNS = 12


def table_cells(rows, *, money, percent, currency: str | None) -> list[list[dict[str, Any]]]:
    """Rows as ``[{"text", "number"}]`` for people: money as ``117 150,00 ₽``, percents as ``12,5 %``."""
    table = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            if value in (None, ""):
                cells.append({"text": "", "number": index >= 2})
            elif index in money:
                cells.append({"text": format_money(value, currency) if currency else format_number(value, places=2),
                              "number": True})
            elif index in percent:
                cells.append({"text": format_number(value * 100, places=1) + " %", "number": True})
            else:
                cells.append({"text": str(value), "number": False})
        table.append(cells)
    return table


def report_pdf(*, report, params: dict[str, Any], view: dict[str, Any]) -> bytes:
    """Title, period, the parameters in words, the chart (an embedded PNG) and the table: per period when there
    are at most ``PDF_MAX_PERIOD_COLUMNS`` periods, else the totals per group; A4 landscape for wide tables."""
    header, rows, money, percent = report_table(view=view)
    periods = len(view["periods"])
    per_period = periods <= PDF_MAX_PERIOD_COLUMNS
    if not per_period:
        keep = [0, 1, *range(2 + periods, len(header))]
        header = [header[i] for i in keep]
        rows = [[row[i] for i in keep] for row in rows]
        money = [keep.index(i) for i in money if i in keep]
        percent = [keep.index(i) for i in percent if i in keep]
    table = table_cells(rows, money=money, percent=percent, currency=view["currency"])
    show_chart = report.chart != ChartType.TABLE and bool(view["groups"])
    context = {
        "title": report.name, "description": report.description,
        "period": period_words(view["start"], view["end"]), "parameters": params_in_words(params),
        "chart": png_data_uri(_chart(report=report, view=view, width=10, height=3.6)) if show_chart else None,
        "header": header, "table": table, "per_period": per_period,
        "landscape": len(header) > 6,
        "total": (format_money(view["total"], view["currency"])
                  if view["total"] is not None and view["currency"] else None),
        "generated": timezone.localtime().strftime("%d.%m.%Y %H:%M"),
    }
    return pdf_render("reports/report_pdf.html", context)


def export_generate(export_id: int) -> ReportExport:
    """Generate the file of ``ReportExport`` ``export_id`` and store it; a failure is recorded on the row
    (translated message for an ``ApplicationError``) and re-raised for anything unexpected."""
    export = ReportExport.objects.select_related("report").get(pk=export_id)
    ReportExport.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING, progress=5, error="")
    try:
        if export.kind == ExportKind.BRIEF:
            from .brief import brief_file

            month = date.fromisoformat(export.params["month"] + "-01")
            filename, content_type, content = brief_file(month=month, output=export.output)
        else:
            if export.report is None:
                raise ApplicationError(_("The report was deleted."), ErrorCode.NOT_FOUND)
            filename, content_type, content = report_file(report=export.report, output=export.output,
                                                          params=export.params, export_id=export.pk)
    except ApplicationError as exc:
        ReportExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED, error=str(exc.message),
                                                         finished_at=timezone.now())
        export.refresh_from_db()
        return export
    except Exception:
        logger.exception("report export %s failed", export.pk)
        ReportExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED,
                                                         error=_("The file could not be generated: an internal error."),
                                                         finished_at=timezone.now())
        raise
    ReportExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.DONE, progress=100, filename=filename, content_type=content_type, content=content,
        size=len(content), finished_at=timezone.now())
    export.refresh_from_db()
    return export
