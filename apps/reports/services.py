"""Writes of reports: create, change, delete (the query validated through ``forms.report_params``) and runs: a
``ReportExport`` row queued for the background worker, which fills in progress and the file."""

from __future__ import annotations

from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_event_record
from apps.common.errors import ApplicationError, ErrorCode
from apps.common.tasks import enqueue_in_tenant

from .forms import report_params
from .models import Report, ReportExport
from .vocabulary import ChartType, ExportKind, Output


def _clean(*, name: Any = None, chart: Any = None, query: Any = None, partial: bool = False) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    if not partial or name is not None:
        if not str(name or "").strip():
            errors["name"] = [_("Enter the report's name.")]
    if chart is not None and chart not in ChartType.values:
        errors["chart"] = [_("Unknown chart type.")]
    if errors:
        raise ApplicationError(_("Check the report."), ErrorCode.INVALID, extra=errors)
    if not partial or query is not None:
        report_params(query)  # anything but an object (null too) is a 400 on ``query``
    return {}


def _audit(action: str, report: Report, actor) -> None:
    audit_event_record(schema_name=db_connection.schema_name, action=action, actor=actor,
                       target=f"{report.name} (#{report.pk})"[:254], data={"query": report.query})


@transaction.atomic
def report_create(*, actor, name: str, query: dict, chart: str = ChartType.BAR, description: str = "") -> Report:
    _clean(name=name, chart=chart, query=query)
    report = Report.objects.create(name=name.strip(), description=description or "", query=query, chart=chart,
                                   created_by_id=getattr(actor, "pk", None))
    _audit("report.create", report, actor)
    return report


@transaction.atomic
def report_update(*, report: Report, actor, **changes: Any) -> Report:
    _clean(name=changes.get("name"), chart=changes.get("chart"), query=changes.get("query"), partial=True)
    for field in ("name", "description", "query", "chart"):
        if field in changes and changes[field] is not None:
            value = changes[field]
            setattr(report, field, value.strip() if field == "name" else value)
    report.save()
    _audit("report.update", report, actor)
    return report


@transaction.atomic
def report_delete(*, report: Report, actor) -> None:
    _audit("report.delete", report, actor)
    report.delete()


@transaction.atomic
def report_run(*, report: Report, actor, output: str, params: dict | None = None) -> ReportExport:
    """Queue a run of ``report`` as ``output``: the row now (status queued), the file from the worker. The query is
    checked first so that a report that cannot be read is a 400, not a failed file."""
    if output not in Output.values:
        raise ApplicationError(_("Choose csv, xlsx, pdf or png."), ErrorCode.INVALID,
                               extra={"output": [_("Choose csv, xlsx, pdf or png.")]})
    report_params({**(report.query or {}), **(params or {})})
    export = ReportExport.objects.create(kind=ExportKind.REPORT, report=report, title=report.name, output=output,
                                         params=params or {}, created_by_id=getattr(actor, "pk", None))
    enqueue_in_tenant(db_connection.schema_name, "apps.reports.tasks.export_generate_task", export.pk,
                      task_name=f"report-export-{db_connection.schema_name}-{export.pk}")
    return export
