"""Generating a file of the archive: a saved report or the CFO brief, with status and progress on its
``ReportExport`` row. Runs in the background (``apps.reports.tasks``) or inline (a schedule's delivery).

A report's ``query`` holds the explorer's query parameters (``apps.costs.forms.explorer_params`` reads them,
relative periods such as ``last_30_days`` resolved on the day of the run)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.http import QueryDict
from django.utils import timezone

from apps.common.errors import ApplicationError

from .models import ReportExport
from .vocabulary import ExportKind, ExportStatus

logger = logging.getLogger(__name__)


def query_dict(query: dict[str, Any]) -> QueryDict:
    """A report's stored query as the explorer's query string (lists become repeated parameters)."""
    data = QueryDict(mutable=True)
    for key, value in (query or {}).items():
        if isinstance(value, list | tuple):
            data.setlist(key, [str(v) for v in value])
        elif value is not None and value != "":
            data[key] = str(value)
    return data


def report_file(*, report, output: str, params: dict[str, Any]) -> tuple[str, str, bytes]:
    """``(file name, content type, content)`` of ``report`` as ``output``."""
    from apps.costs.forms import explorer_params
    from apps.costs.selectors.explorer import cost_explorer_view
    from apps.costs.selectors.exports import explorer_export

    view = cost_explorer_view(params=explorer_params(query_dict({**report.query, **params})), with_utilization=False)
    _name, content_type, content = explorer_export(view=view, fmt=output, for_people=True)
    return f"{_slug(report.name)}_{view['start']:%Y%m%d}-{view['end']:%Y%m%d}.{output}", content_type, content


def _slug(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name, allow_unicode=True) or "report"


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
            filename, content_type, content = report_file(report=export.report, output=export.output,
                                                          params=export.params)
    except ApplicationError as exc:
        ReportExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED, error=str(exc.message),
                                                         finished_at=timezone.now())
        export.refresh_from_db()
        return export
    except Exception:
        logger.exception("report export %s failed", export.pk)
        ReportExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED, error="internal error",
                                                         finished_at=timezone.now())
        raise
    ReportExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.DONE, progress=100, filename=filename, content_type=content_type, content=content,
        size=len(content), finished_at=timezone.now())
    export.refresh_from_db()
    return export
