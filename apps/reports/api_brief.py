"""``GET /api/v1/reports/brief/?month=YYYY-MM&output=pdf|xlsx``: the CFO brief as a file (reading needs
``reports.view``). Every call is recorded in the archive (a ``ReportExport`` of kind brief, who and when)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from apps.common.errors import ApplicationError, ErrorCode
from apps.common.serializers import ErrorResponseSerializer

from .brief import OUTPUTS
from .brief_data import month_label, month_parse
from .generation import export_generate
from .models import ReportExport
from .rendering import PDF_TYPE, XLSX_TYPE
from .vocabulary import ExportKind, ExportStatus

VIEW = "reports.view"

BRIEF_DESCRIPTION = """The one-page CFO brief for a calendar month in Russian (organization time zone; the current
month is month to date): spend vs the monthly budgets and vs the month before, the month-end forecast, the five
services and five business units that changed most, realized and potential savings, allocation coverage, unit
costs and balance runways. Amounts are the billed cost in the organization's currency with kopecks (the explorer's
totals). ``output=pdf`` (default): one A4 page; ``output=xlsx``: the same figures on sheets, numbers as numbers. A
month without costs still gives a brief that says so. The file is also kept in the report archive."""


def brief_export(*, month, output: str, user) -> ReportExport:
    """Generate the brief for ``month`` as ``output`` now and keep it in the archive (``ReportExport``)."""
    from django.utils import translation

    with translation.override("ru"):
        title = str(_("CFO brief for %(month)s") % {"month": month_label(month)})
    export = ReportExport.objects.create(kind=ExportKind.BRIEF, title=title, output=output,
                                         params={"month": f"{month:%Y-%m}"},
                                         created_by_id=getattr(user, "pk", None))
    return export_generate(export.pk)


def brief_output(raw) -> str:
    output = str(raw or "pdf").strip().lower()
    if output not in OUTPUTS:
        message = _("Choose pdf or xlsx.")
        raise ApplicationError(message, ErrorCode.INVALID, extra={"output": [message]})
    return output


def file_response(export: ReportExport) -> HttpResponse:
    response = HttpResponse(bytes(export.content), content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


class BriefApi(APIView):
    """The CFO brief of a month as a PDF or XLSX file."""

    required_permissions = {"GET": VIEW}

    @extend_schema(
        operation_id="reports_brief", description=BRIEF_DESCRIPTION,
        parameters=[OpenApiParameter("month", OpenApiTypes.STR, pattern=r"^\d{4}-\d{2}$",
                                     description="YYYY-MM; the last full month by default."),
                    OpenApiParameter("output", OpenApiTypes.STR, enum=list(OUTPUTS),
                                     description="pdf (default) or xlsx.")],
        responses={(200, PDF_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="One A4 page."),
                   (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The same figures."),
                   400: OpenApiResponse(ErrorResponseSerializer, description="A bad month or output.")})
    def get(self, request):
        output = brief_output(request.query_params.get("output"))
        month = month_parse(request.query_params.get("month"))
        export = brief_export(month=month, output=output, user=request.user)
        if export.status != ExportStatus.DONE:
            raise ApplicationError(export.error or _("The brief could not be generated."), ErrorCode.INVALID)
        return file_response(export)


urlpatterns = [
    path("reports/brief/", BriefApi.as_view(), name="api_report_brief"),
]
