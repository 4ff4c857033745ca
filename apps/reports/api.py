"""Reports API on organization hosts: saved reports (CRUD; reading needs ``reports.view``, writing and running
``reports.manage``), runs that queue a file for the background worker, and the archive (status, progress,
download). ``/api/v1/reports/brief/`` is the CFO brief's (another module): the ids here are integers."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.errors import ApplicationError, ErrorCode
from apps.common.serializers import ErrorResponseSerializer

from . import selectors, services
from .models import Report, ReportExport
from .serializers import (
    ExportOutputSerializer,
    ReportInputSerializer,
    ReportOutputSerializer,
    ReportUpdateSerializer,
    RunInputSerializer,
    RunOutputSerializer,
)
from .vocabulary import ExportStatus

VIEW = "reports.view"
MANAGE = "reports.manage"
BAD_INPUT = OpenApiResponse(ErrorResponseSerializer, description="Invalid input: the problems by parameter.")
NOT_FOUND = OpenApiResponse(ErrorResponseSerializer, description="No such report or file.")


def _report(pk) -> Report:
    try:
        return selectors.report_get(pk=pk)
    except Report.DoesNotExist as exc:
        raise Http404 from exc


def _export(pk, *, with_content: bool = False) -> ReportExport:
    try:
        return selectors.export_get(pk=pk, with_content=with_content)
    except ReportExport.DoesNotExist as exc:
        raise Http404 from exc


class ReportListApi(APIView):
    """Saved reports: an explorer query (``query``) with a chart type. ``POST`` saves one."""

    required_permissions = {"GET": VIEW, "POST": MANAGE}

    @extend_schema(operation_id="reports_list", responses={200: ReportOutputSerializer(many=True)})
    def get(self, request):
        return Response(ReportOutputSerializer(selectors.report_list(), many=True).data)

    @extend_schema(operation_id="reports_create", request=ReportInputSerializer,
                   responses={201: ReportOutputSerializer, 400: BAD_INPUT})
    def post(self, request):
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_create(actor=request.user, **data.validated_data)
        return Response(ReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportDetailApi(APIView):
    required_permissions = {"GET": VIEW, "PUT": MANAGE, "PATCH": MANAGE, "DELETE": MANAGE}

    @extend_schema(operation_id="reports_retrieve", responses={200: ReportOutputSerializer, 404: NOT_FOUND})
    def get(self, request, pk: int):
        return Response(ReportOutputSerializer(_report(pk)).data)

    @extend_schema(operation_id="reports_update", request=ReportInputSerializer,
                   responses={200: ReportOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def put(self, request, pk: int):
        report = _report(pk)
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(ReportOutputSerializer(
            services.report_update(report=report, actor=request.user, **data.validated_data)).data)

    @extend_schema(operation_id="reports_partial_update", request=ReportUpdateSerializer,
                   responses={200: ReportOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def patch(self, request, pk: int):
        report = _report(pk)
        data = ReportUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(ReportOutputSerializer(
            services.report_update(report=report, actor=request.user, **data.validated_data)).data)

    @extend_schema(operation_id="reports_destroy", responses={204: None, 404: NOT_FOUND})
    def delete(self, request, pk: int):
        services.report_delete(report=_report(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReportRunApi(APIView):
    """Generate the report as a file in the background: 202 with the archive row (``status`` queued, then
    running with ``progress`` in percent, then done or failed with ``error``); poll
    ``/api/v1/reports/exports/{id}/``. A table larger than the size limit fails with a message saying how to
    make it smaller."""

    required_permissions = {"POST": MANAGE}

    @extend_schema(operation_id="reports_run", request=RunInputSerializer,
                   responses={202: RunOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def post(self, request, pk: int):
        report = _report(pk)
        data = RunInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        export = services.report_run(report=report, actor=request.user, output=data.validated_data["output"])
        return Response({"export": ExportOutputSerializer(export).data}, status=status.HTTP_202_ACCEPTED)


class ReportExportsApi(APIView):
    """The report's generated files, newest first."""

    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="reports_exports", responses={200: ExportOutputSerializer(many=True),
                                                              404: NOT_FOUND})
    def get(self, request, pk: int):
        report = _report(pk)
        return Response(ExportOutputSerializer(selectors.export_list(report=report), many=True).data)


class ExportDetailApi(APIView):
    """One generated file: status and progress."""

    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="reports_export_retrieve", responses={200: ExportOutputSerializer, 404: NOT_FOUND})
    def get(self, request, pk: int):
        return Response(ExportOutputSerializer(_export(pk)).data)


class ExportDownloadApi(APIView):
    """The file itself, in its format (CSV, XLSX, PDF or PNG); 409 while it is being generated or when its
    generation failed."""

    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="reports_export_download",
                   responses={(200, "text/csv"): OpenApiTypes.BINARY,
                              (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                                  OpenApiTypes.BINARY,
                              (200, "application/pdf"): OpenApiTypes.BINARY,
                              (200, "image/png"): OpenApiTypes.BINARY, 404: NOT_FOUND,
                              409: OpenApiResponse(ErrorResponseSerializer, description="The file is not ready.")})
    def get(self, request, pk: int):
        export = _export(pk, with_content=True)
        return file_response(export)


def file_response(export: ReportExport) -> HttpResponse:
    """The archive file as a download; ``ApplicationError`` (409) when there is none."""
    from django.utils.translation import gettext as _

    if export.status != ExportStatus.DONE or export.content is None:
        raise ApplicationError(_("The file is not ready."), ErrorCode.CONFLICT, http_status=409)
    response = HttpResponse(bytes(export.content), content_type=export.content_type or "application/octet-stream")
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, export.filename or f"report-{export.pk}")
    return response
