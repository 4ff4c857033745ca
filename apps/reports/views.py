"""The «Отчёты» pages: saved reports, the builder (explorer dimensions, metrics and filters, chart type) with a
preview, runs to CSV/XLSX/PDF/PNG in the background and the archive of generated files (who, when, status, size,
download; unfinished rows poll their progress). Thin: reads from the selectors, writes through the services."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError

from . import selectors, services
from .api import file_response
from .forms import ReportForm
from .models import Report, ReportExport
from .vocabulary import ExportStatus, Output

VIEW = "reports.view"
MANAGE = "reports.manage"
PREVIEW_ROWS = 25


def _report(pk: int) -> Report:
    try:
        return selectors.report_get(pk=pk)
    except Report.DoesNotExist as exc:
        raise Http404 from exc


def _dimensions() -> list[dict]:
    from apps.costs.selectors.alloc_options import alloc_dimension_options

    return alloc_dimension_options()


def _files_context(files) -> dict:
    files = list(files[:50])
    names = selectors.user_names(f.created_by_id for f in files)
    for item in files:
        item.author = names.get(item.created_by_id, "")
    return {"files": files,
            "files_running": any(f.status in (ExportStatus.QUEUED, ExportStatus.RUNNING) for f in files)}


def preview(report: Report) -> dict:
    """The table's first rows and the chart (a PNG) of ``report`` now, or the reason it cannot be shown."""
    from .generation import _chart, report_table, report_view, table_cells

    try:
        _params, view = report_view(report=report)
    except ApplicationError as exc:
        return {"error": exc.message}
    header, rows, money, percent = report_table(view=view)
    chart = None
    if report.chart != "table" and view["groups"]:
        from .rendering import png_data_uri

        chart = png_data_uri(_chart(report=report, view=view))
    cells = table_cells([*rows[:-1][:PREVIEW_ROWS], rows[-1]], money=money, percent=percent,
                        currency=view["currency"])
    return {"header": header, "rows": cells[:-1], "total_row": cells[-1],
            "more": max(len(rows) - 1 - PREVIEW_ROWS, 0), "chart": chart, "start": view["start"], "end": view["end"]}


@require_permission(VIEW)
def reports(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/list.html", {
        "reports": selectors.report_list(), "can_manage": request.access.can(MANAGE),
        **_files_context(selectors.export_list())})


def _form_page(request: HttpRequest, report: Report | None) -> HttpResponse:
    dimensions = _dimensions()
    if request.method == "POST":
        form = ReportForm(request.POST, dimensions=dimensions)
        if form.is_valid():
            values = {"name": form.cleaned_data["name"], "description": form.cleaned_data["description"],
                      "chart": form.cleaned_data["chart"], "query": form.query()}
            if request.POST.get("action") == "preview":
                draft = Report(**values)
                return render(request, "reports/form.html", {"form": form, "report": report,
                                                             "preview": preview(draft)})
            try:
                if report is None:
                    report = services.report_create(actor=request.user, **values)
                    messages.success(request, _("Report saved."))
                else:
                    report = services.report_update(report=report, actor=request.user, **values)
                    messages.success(request, _("Report saved."))
                return redirect("report_detail", pk=report.pk)
            except ApplicationError as exc:
                for name, problems in exc.extra.items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
    else:
        initial = ReportForm.initial_for(report) if report else None
        form = ReportForm(initial=initial, dimensions=dimensions)
    return render(request, "reports/form.html", {"form": form, "report": report})


@require_permission(MANAGE)
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@require_permission(MANAGE)
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, _report(pk))


@require_permission(VIEW)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(pk)
    from .forms import report_params

    try:
        parameters = selectors.params_in_words(report_params(report.query))
    except ApplicationError as exc:
        parameters = [(_("Error"), exc.message)]
    return render(request, "reports/detail.html", {
        "report": report, "parameters": parameters, "preview": preview(report), "outputs": Output.choices,
        "can_manage": request.access.can(MANAGE), "files_url_query": f"?report={report.pk}",
        **_files_context(selectors.export_list(report=report))})


@require_permission(MANAGE)
@require_POST
def report_run(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(pk)
    try:
        services.report_run(report=report, actor=request.user, output=request.POST.get("output", ""))
        messages.success(request, _("The file is being generated: it will appear in the archive below."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("report_detail", pk=report.pk)


@require_permission(MANAGE)
@require_POST
def report_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.report_delete(report=_report(pk), actor=request.user)
    messages.success(request, _("Report deleted."))
    return redirect("reports")


@require_permission(VIEW)
def report_files(request: HttpRequest) -> HttpResponse:
    """The archive; with htmx, only its table (it polls itself while a file is being generated)."""
    report_id = request.GET.get("report")
    report = _report(int(report_id)) if report_id and report_id.isdigit() else None
    context = _files_context(selectors.export_list(report=report))
    context["files_url_query"] = f"?report={report.pk}" if report else ""
    if request.htmx:
        return render(request, "reports/_files.html", context)
    return render(request, "reports/files.html", context)


def _export(pk: int, *, with_content: bool = False) -> ReportExport:
    try:
        return selectors.export_get(pk=pk, with_content=with_content)
    except ReportExport.DoesNotExist as exc:
        raise Http404 from exc


@require_permission(VIEW)
def report_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(pk, with_content=True)
    if export.status != ExportStatus.DONE:
        raise Http404
    return file_response(export)


@require_permission(VIEW)
def report_file_status(request: HttpRequest, pk: int) -> JsonResponse:
    export = _export(pk)
    return JsonResponse({"id": export.pk, "status": export.status, "progress": export.progress,
                         "error": export.error, "size": export.size})
