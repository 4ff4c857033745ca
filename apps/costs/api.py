"""Costs API: billing imports (upload, list, detail with progress and the row-level report) and the cost explorer
(``costs/summary/``, ``costs/timeseries/``, ``costs/export/<csv|xlsx>/``).

Query parameters shared by the three explorer endpoints: ``start``/``end`` (YYYY-MM-DD, inclusive) or ``period``
(7d, 30d, 90d, 365d, this_month, last_month), ``group_by`` (provider, connection, billing_account,
sub_account, service, service_category, region, resource_type, resource, charge_category,
allocation_method, allocated_resource (FOCUS 1.3 split cost allocation), ``tag:<key>`` or an allocation dimension
``alloc:<dimension key>``), ``metric`` (billed | effective), ``currency`` (org | billing), one filter per dimension
(comma-separated values, e.g. ``service=Compute Cloud,Object Storage``), ``tag=key:value`` or
``tag=key`` (repeatable) and ``alloc:<dimension key>=<value>`` (repeatable, each value whole; an empty value is the
unallocated cost). Amounts are decimal strings.
"""

from __future__ import annotations

from django.db import connection as db_connection
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from .downloads import focus_export_response
from .filters import BillingImportFilter
from .forms import explorer_params, focus_export_params
from .models import BillingImport
from .selectors.explorer import (
    CURRENCY_MODES,
    DIMENSIONS,
    GRANULARITIES,
    METRICS,
    PERIOD_PRESETS,
    alloc_key,
    cost_explorer_view,
    cost_summary_cached,
    group_labels,
)
from .selectors.exports import EXPORT_FORMATS, XLSX_TYPE, explorer_export
from .selectors.focus_export import MAX_EXPORT_DAYS, NAMES, OUTPUTS, PARQUET_CONTENT_TYPE
from .selectors.imports import billing_import_get, billing_import_list
from .serializers import (
    BillingImportCreateSerializer,
    BillingImportDetailSerializer,
    BillingImportListSerializer,
    SummaryOutputSerializer,
    TimeseriesOutputSerializer,
)
from .services.imports import billing_import_create
from .services.rates import rates_backfill_request


class BillingImportListApi(ListAPIView):
    """``GET`` the imports, newest first (filters: ``status``, ``file_format``, ``connection``, ``created_after``,
    ``created_before``); ``POST`` a file (``file``, ``skip_invalid``, ``connection``, ``cost_type``): 202 with the
    queued import."""

    required_permissions = {"GET": "costs.view", "POST": "costs.manage"}
    serializer_class = BillingImportListSerializer
    filterset_class = BillingImportFilter
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return billing_import_list()

    @extend_schema(request={"multipart/form-data": BillingImportCreateSerializer},
                   responses={202: BillingImportDetailSerializer})
    def post(self, request):
        data = BillingImportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        billing_import = billing_import_create(
            uploaded_file=data.validated_data["file"], user=request.user,
            connection=data.validated_data.get("connection"), skip_invalid=data.validated_data["skip_invalid"],
            cost_type=data.validated_data["cost_type"])
        return Response(BillingImportDetailSerializer(billing_import).data, status=status.HTTP_202_ACCEPTED)


class BillingImportDetailApi(APIView):
    required_permissions = {"GET": "costs.view"}

    @extend_schema(responses={200: BillingImportDetailSerializer})
    def get(self, request, pk: int):
        try:
            billing_import = billing_import_get(import_id=pk)
        except BillingImport.DoesNotExist as exc:
            raise Http404 from exc
        return Response(BillingImportDetailSerializer(billing_import).data)


EXPLORER_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First charge date (inclusive)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last charge date (inclusive)."),
    OpenApiParameter("period", OpenApiTypes.STR, enum=PERIOD_PRESETS, description="Preset instead of start/end."),
    OpenApiParameter("group_by", OpenApiTypes.STR, description=(
        "A dimension (provider, connection, billing_account, sub_account, service, service_category, region, "
        "resource_type, resource, charge_category, allocation_method, allocated_resource), tag:<key>, or an "
        "allocation dimension alloc:<dimension key> (e.g. alloc:business_unit; the unallocated cost is the group "
        "with key \"\", labelled «Не распределено»). Filter by an allocation dimension with "
        "alloc:<dimension key>=<value> (repeatable; an empty value = unallocated), e.g. alloc:environment=prod. "
        "An unknown dimension is a 400.")),
    OpenApiParameter("metric", OpenApiTypes.STR, enum=METRICS),
    OpenApiParameter("currency", OpenApiTypes.STR, enum=CURRENCY_MODES),
    OpenApiParameter("tag", OpenApiTypes.STR, many=True, description="key:value or key."),
    *[OpenApiParameter(name, OpenApiTypes.STR, description="Comma-separated values.") for name in DIMENSIONS],
]
VIEW_PARAMETERS = [
    *EXPLORER_PARAMETERS,
    OpenApiParameter("granularity", OpenApiTypes.STR, enum=GRANULARITIES),
    OpenApiParameter("compare", OpenApiTypes.BOOL, description="Compare with the previous period (default true)."),
]


class RatesBackfillMixin:
    """An answer that shows amounts without an exchange rate (its ``warnings``) asks the Central Bank for those
    days again in the background (``rates_backfill_request``: throttled, off with CURRENCY_FETCH_MISSING)."""

    def finalize_response(self, request, response, *args, **kwargs):
        data = getattr(response, "data", None)
        if response.status_code == 200 and isinstance(data, dict) and data.get("warnings"):
            rates_backfill_request(warnings=data["warnings"])
        return super().finalize_response(request, response, *args, **kwargs)


class CostSummaryApi(RatesBackfillMixin, APIView):
    """Totals per group: the organization's currency, or ``currency=billing`` per billing currency.

    An amount without an exchange rate on its charge date (none on or before it) is never guessed: its group
    stays in the billing currency, ``total`` sums the converted groups only, ``warnings`` names each currency
    and its days, and the Central Bank is asked for those days again in the background."""

    required_permissions = {"GET": "costs.view"}

    @extend_schema(operation_id="costs_summary", parameters=EXPLORER_PARAMETERS,
                   responses={200: SummaryOutputSerializer})
    def get(self, request):
        params = explorer_params(request.query_params)
        summary = cost_summary_cached(start=params["start"], end=params["end"], group_by=params["group_by"],
                                      metric=params["metric"], currency=params["currency"],
                                      filters=params["filters"], tags=params["tags"])
        if alloc_key(params["group_by"]) is not None:
            # An allocation value is its own label; the unallocated group («Не распределено») needs one.
            labels = group_labels(group_by=params["group_by"], keys=[g["key"] for g in summary["groups"]])
            summary = {**summary, "groups": [{**g, "label": labels.get(g["key"]) or g["key"]}
                                             for g in summary["groups"]]}
        return Response(SummaryOutputSerializer(summary).data)


class CostTimeseriesApi(RatesBackfillMixin, APIView):
    """Buckets by day/week/month, one series per group, table rows and the previous-period comparison."""

    required_permissions = {"GET": "costs.view"}

    @extend_schema(operation_id="costs_timeseries", parameters=VIEW_PARAMETERS,
                   responses={200: TimeseriesOutputSerializer})
    def get(self, request):
        view = cost_explorer_view(params=explorer_params(request.query_params))
        return Response(TimeseriesOutputSerializer(view).data)


EXPORT_DESCRIPTION = """The current view as a file (``fmt`` = ``csv`` or ``xlsx``), with the timeseries' parameters.

CSV, made for programs: UTF-8 without a byte order mark, RFC 4180 (comma-separated, ``"``-quoted where needed,
CRLF line ends), amounts with a dot decimal separator at full precision and no thousands separator, empty cells
for missing values. Columns: group label (headed by the dimension's name when grouped by ``alloc:<key>``; the
unallocated group reads «Не распределено»), group key, currency, one column per period (the first day of each
bucket, ``YYYY-MM-DD``), total and, with ``compare``, previous period, change and change in percent (empty when
the periods cannot be compared). One row per group, then a total row. Header labels follow the request's
language. The explorer page's own CSV download is a different file, for Russian Excel (``;``, decimal comma,
BOM); scripts should use this one."""


class CostExportApi(APIView):
    """The current view as a file: one row per group with the per-period columns, totals and comparison."""

    required_permissions = {"GET": "costs.view"}

    @extend_schema(operation_id="costs_export", description=EXPORT_DESCRIPTION,
                   parameters=[OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH,
                                                enum=sorted(EXPORT_FORMATS)), *VIEW_PARAMETERS],
                   responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description=(
                       "Comma-separated, dot decimals, UTF-8 without BOM, e.g. ``Группа,Ключ,Валюта,2026-05-01,"
                       "Итого\r\nCompute Cloud,Compute Cloud,RUB,100.0050000000,100.0050000000``")),
                              (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="An XLSX workbook "
                                                                "of the same table, amounts as numbers.")})
    def get(self, request, fmt: str):
        if fmt not in EXPORT_FORMATS:
            raise Http404
        view = cost_explorer_view(params=explorer_params(request.query_params), with_utilization=False)
        name, content_type, content = explorer_export(view=view, fmt=fmt)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


FOCUS_EXPORT_DESCRIPTION = f"""The organization's cost ledger (every provider, native syncs and imported files) for the
charge dates ``start``..``end`` (inclusive, at most {MAX_EXPORT_DAYS} days) as a FOCUS 1.2 Cost and Usage dataset, for
other FinOps tools. ``output=csv`` (default): UTF-8 without BOM, RFC 4180, dot decimals, ``YYYY-MM-DDTHH:MM:SSZ``
times, empty cells for nulls. ``output=parquet``: decimals as DECIMAL(38,10), times as UTC timestamps. Every FOCUS 1.2
column in the spec's order (null where the ledger has nothing), ``Tags`` and ``SkuPriceDetails`` as JSON objects,
then the ledger's custom columns (``x_``). The file is streamed; its name is
``focus-<organization>-<start>-<end>.<csv|parquet>``. Derived values are described in docs/providers/focus.md."""


class CostFocusExportApi(APIView):
    """The ledger of a date range as a FOCUS 1.2 file (CSV or Parquet), streamed."""

    required_permissions = {"GET": "costs.view"}

    @extend_schema(operation_id="costs_focus_export", description=FOCUS_EXPORT_DESCRIPTION,
                   parameters=[OpenApiParameter("start", OpenApiTypes.DATE, required=True,
                                                description="First charge date (inclusive)."),
                               OpenApiParameter("end", OpenApiTypes.DATE, required=True,
                                                description="Last charge date (inclusive)."),
                               OpenApiParameter("output", OpenApiTypes.STR, enum=list(OUTPUTS),
                                                description="File format (default csv)."),
                               OpenApiParameter("names", OpenApiTypes.STR, enum=list(NAMES), description=(
                                   "latin (default): names in other alphabets (Russian service, account and "
                                   "region names) transliterated to ASCII in the FOCUS columns, the originals kept "
                                   "in x_OriginalNames; original: the provider's text unchanged."))],
                   responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description=(
                       "FOCUS 1.2 CSV, e.g. ``AvailabilityZone,BilledCost,...\\r\\n,105.08,...``")),
                              (200, PARQUET_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY,
                                                                           description="FOCUS 1.2 Parquet.")})
    def get(self, request):
        params = focus_export_params(request.query_params)
        return focus_export_response(params=params, organization=db_connection.tenant.slug)

