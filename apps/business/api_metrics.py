"""Business metrics and unit costs API: ``/api/v1/business-metrics/`` (CRUD, CSV upload, values) and
``/api/v1/unit-costs/``. Reading needs ``business.view``, changing ``business.manage``. Amounts and figures are
decimal strings; money in the organization's currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.allocation.models import BusinessMetric
from apps.allocation.selectors import business_metrics_list
from apps.allocation.vocabulary import MetricGranularity
from apps.common.errors import ApplicationError, ErrorCode, error_body
from apps.common.serializers import ErrorDetailSerializer, ErrorResponseSerializer
from apps.costs.selectors.explorer import ALLOC_PREFIX, DIMENSIONS, GRANULARITIES
from apps.costs.serializers import RateWarningSerializer

from . import metrics
from .unit_costs import unit_costs

VIEW = "business.view"
MANAGE = "business.manage"
BAD_INPUT = OpenApiResponse(ErrorResponseSerializer, description="Invalid input: the problems by field.")
NOT_FOUND = OpenApiResponse(ErrorResponseSerializer, description="No such metric.")
FIGURE = {"max_digits": 30, "decimal_places": 6, "coerce_to_string": True}
MONEY = {"max_digits": 30, "decimal_places": 2, "coerce_to_string": True}
UNIT_MONEY = {"max_digits": 30, "decimal_places": 6, "coerce_to_string": True}


# --- serializers ------------------------------------------------------------------------------------------------

class MetricInputSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    unit = serializers.CharField(max_length=40)
    granularity = serializers.ChoiceField(choices=MetricGranularity.choices, default=MetricGranularity.DAY)
    dimension = serializers.CharField(max_length=40, required=False, allow_null=True, allow_blank=True,
                                      help_text="An allocation dimension key (e.g. product) the values may be "
                                                "broken down by; null for totals only.")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class MetricUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    unit = serializers.CharField(max_length=40, required=False)
    granularity = serializers.ChoiceField(choices=MetricGranularity.choices, required=False)
    dimension = serializers.CharField(max_length=40, required=False, allow_null=True, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)


class MetricOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    granularity = serializers.ChoiceField(choices=MetricGranularity.choices)
    dimension = serializers.CharField(allow_null=True, source="dimension.key")
    description = serializers.CharField(allow_blank=True)


class MetricValueSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.DecimalField(**FIGURE)
    dimension_value = serializers.CharField(allow_blank=True, required=False, default="")


class MetricValueInputSerializer(serializers.Serializer):
    date = serializers.CharField(help_text="YYYY-MM-DD or DD.MM.YYYY.")
    value = serializers.CharField(help_text="A non-negative number, `.` or `,` as the decimal mark.")
    dimension_value = serializers.CharField(allow_blank=True, required=False, default="")


class UploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV: header date,value[,dimension_value]; `;` or `,` between cells.")


class UploadOutputSerializer(serializers.Serializer):
    imported = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())


class RowProblemSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    message = serializers.CharField()


class UploadErrorSerializer(serializers.Serializer):
    """The API's error shape plus ``rows``: every bad row or item, by its line or position.

    ``rows`` is absent only when the request was refused before the view read it (a NUL character anywhere in
    it answers the API's plain error, with the offending input named in ``error.details``)."""

    error = ErrorDetailSerializer()
    rows = RowProblemSerializer(many=True, required=False)


class UnitCostPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    cost = serializers.DecimalField(**MONEY)
    metric = serializers.DecimalField(allow_null=True, **FIGURE)
    unit_cost = serializers.DecimalField(allow_null=True, **UNIT_MONEY)


class UnitCostTrendSerializer(serializers.Serializer):
    first = serializers.DecimalField(allow_null=True, **UNIT_MONEY)
    last = serializers.DecimalField(allow_null=True, **UNIT_MONEY)
    change_pct = serializers.DecimalField(allow_null=True, max_digits=30, decimal_places=2, coerce_to_string=True)
    previous_unit_cost = serializers.DecimalField(allow_null=True, **UNIT_MONEY)
    previous_pct = serializers.DecimalField(allow_null=True, max_digits=30, decimal_places=2,
                                            coerce_to_string=True)


class UnitCostSeriesSerializer(serializers.Serializer):
    key = serializers.CharField(allow_blank=True)
    label = serializers.CharField()
    cost = serializers.DecimalField(**MONEY)
    metric_total = serializers.DecimalField(allow_null=True, **FIGURE)
    unit_cost = serializers.DecimalField(allow_null=True, **UNIT_MONEY)
    points = UnitCostPointSerializer(many=True)
    trend = UnitCostTrendSerializer()


class UnitCostMetricSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    granularity = serializers.ChoiceField(choices=MetricGranularity.choices)
    dimension = serializers.CharField(allow_null=True)


class UnitCostOutputSerializer(serializers.Serializer):
    metric = UnitCostMetricSerializer()
    currency = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    granularity = serializers.ChoiceField(choices=GRANULARITIES)
    group_by = serializers.CharField(allow_null=True)
    series = UnitCostSeriesSerializer(many=True)
    warnings = RateWarningSerializer(many=True, help_text="costs without an exchange rate (left out)")


class UnitCostQuerySerializer(serializers.Serializer):
    metric = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    granularity = serializers.ChoiceField(choices=GRANULARITIES, default="day")
    group_by = serializers.CharField(required=False, allow_blank=True, default="")


class ValuesQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


def _round(value: Decimal | None, places: str) -> Decimal | None:
    return None if value is None else value.quantize(Decimal(places))


# --- views ------------------------------------------------------------------------------------------------------

def _metric(key: str) -> BusinessMetric:
    metric = metrics.business_metric_get(key=key)
    if metric is None:
        raise Http404
    return metric


def _dimension_arg(data: dict) -> dict:
    if "dimension" in data:
        data["dimension"] = data["dimension"] or None
    return data


class MetricListApi(APIView):
    """Business metrics (orders, active users...) whose values give unit costs. ``POST`` creates one."""

    required_permissions = {"GET": VIEW, "POST": MANAGE}

    @extend_schema(operation_id="business_metrics_list", responses={200: MetricOutputSerializer(many=True)})
    def get(self, request):
        return Response(MetricOutputSerializer(business_metrics_list(), many=True).data)

    @extend_schema(operation_id="business_metrics_create", request=MetricInputSerializer,
                   responses={201: MetricOutputSerializer, 400: BAD_INPUT})
    def post(self, request):
        data = MetricInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        metric = metrics.business_metric_create(actor=request.user, **_dimension_arg(dict(data.validated_data)))
        return Response(MetricOutputSerializer(metric).data, status=status.HTTP_201_CREATED)


class MetricDetailApi(APIView):
    """One metric; the key cannot change, the granularity only while the metric has no values."""

    required_permissions = {"GET": VIEW, "PATCH": MANAGE, "PUT": MANAGE, "DELETE": MANAGE}

    @extend_schema(operation_id="business_metrics_retrieve", responses={200: MetricOutputSerializer, 404: NOT_FOUND})
    def get(self, request, key: str):
        return Response(MetricOutputSerializer(_metric(key)).data)

    def _update(self, request, key: str, partial: bool):
        metric = _metric(key)
        if "key" in request.data and request.data["key"] != metric.key:
            message = _("The key of a metric cannot change.")
            raise ApplicationError(message, ErrorCode.INVALID, extra={"key": [message]})
        data = MetricUpdateSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if not partial:
            values.setdefault("dimension", None)
            values.setdefault("description", "")
        metric = metrics.business_metric_update(metric=metric, actor=request.user, **_dimension_arg(values))
        return Response(MetricOutputSerializer(metric).data)

    @extend_schema(operation_id="business_metrics_update", request=MetricUpdateSerializer,
                   responses={200: MetricOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def put(self, request, key: str):
        return self._update(request, key, partial=False)

    @extend_schema(operation_id="business_metrics_partial_update", request=MetricUpdateSerializer,
                   responses={200: MetricOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def patch(self, request, key: str):
        return self._update(request, key, partial=True)

    @extend_schema(operation_id="business_metrics_destroy", responses={204: None, 404: NOT_FOUND})
    def delete(self, request, key: str):
        metrics.business_metric_delete(metric=_metric(key), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _flat(errors: Any) -> str:
    if isinstance(errors, dict):
        return "; ".join(f"{key}: {_flat(value)}" if key != "non_field_errors" else _flat(value)
                         for key, value in errors.items())
    if isinstance(errors, list):
        return " ".join(_flat(item) for item in errors)
    return str(errors)


def _input_error(data: serializers.Serializer) -> Response:
    """A request the serializer refuses, in the same shape as bad rows (``rows``: each bad item by its position
    from 1, or none when the body as a whole is wrong), so the 400 is always what the schema says."""
    errors = data.errors
    rows = []
    if isinstance(errors, list):
        rows = [metrics.RowProblem(line=index, message=_flat(item)) for index, item in enumerate(errors, start=1)
                if item]
    elif isinstance(errors, dict) and errors and all(isinstance(key, int) for key in errors):
        rows = [metrics.RowProblem(line=index + 1, message=_flat(item)) for index, item in sorted(errors.items())]
    message = _("The request is invalid: nothing saved.") if rows else _flat(errors)
    return _rows_error(metrics.MetricRowsError(message, rows, code=ErrorCode.INVALID))


def _rows_error(exc: metrics.MetricRowsError) -> Response:
    rows = [r.as_dict() for r in exc.rows]
    body = error_body(exc.code.value, exc.message, {"rows": rows})
    body["rows"] = rows
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


class MetricUploadApi(APIView):
    """Import a CSV of values: all rows or none. On any bad row the answer is a 400 listing every bad row with
    its line and the reason; missing days between the first and the last date are imported and listed in
    ``warnings``."""

    required_permissions = {"POST": MANAGE}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="business_metrics_upload", request={"multipart/form-data": UploadInputSerializer},
                   responses={200: UploadOutputSerializer,
                              400: OpenApiResponse(UploadErrorSerializer, description="Bad rows: nothing imported."),
                              404: NOT_FOUND})
    def post(self, request, key: str):
        metric = _metric(key)
        data = UploadInputSerializer(data=request.data)
        if not data.is_valid():
            return _input_error(data)
        upload = data.validated_data["file"]
        if upload.size > metrics.MAX_FILE_BYTES:
            return _rows_error(metrics.MetricRowsError(_("The file is larger than 5 MB."), []))
        try:
            result = metrics.business_metric_csv_import(metric=metric, actor=request.user, content=upload.read(),
                                                        filename=upload.name or "")
        except metrics.MetricRowsError as exc:
            return _rows_error(exc)
        return Response({"imported": result.imported, "warnings": result.warnings})


class MetricValuesApi(APIView):
    """The metric's values (``?start=&end=`` inclusive); ``POST`` inserts or replaces a list of values (all or
    none: a 400 lists every bad item with its position from 1 as ``line``)."""

    required_permissions = {"GET": VIEW, "POST": MANAGE}

    @extend_schema(operation_id="business_metrics_values",
                   parameters=[OpenApiParameter("start", OpenApiTypes.DATE),
                               OpenApiParameter("end", OpenApiTypes.DATE)],
                   responses={200: MetricValueSerializer(many=True), 400: BAD_INPUT, 404: NOT_FOUND})
    def get(self, request, key: str):
        metric = _metric(key)
        query = ValuesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = metrics.business_metric_values(metric=metric, **query.validated_data)
        return Response(MetricValueSerializer(values, many=True).data)

    @extend_schema(operation_id="business_metrics_values_save", request=MetricValueInputSerializer(many=True),
                   responses={200: UploadOutputSerializer,
                              400: OpenApiResponse(UploadErrorSerializer, description="Bad items: nothing saved."),
                              404: NOT_FOUND})
    def post(self, request, key: str):
        metric = _metric(key)
        data = MetricValueInputSerializer(data=request.data, many=True)
        if not data.is_valid():
            return _input_error(data)
        try:
            result = metrics.business_metric_values_upsert(metric=metric, actor=request.user,
                                                           values=list(data.validated_data))
        except metrics.MetricRowsError as exc:
            return _rows_error(exc)
        return Response({"imported": result.imported, "warnings": result.warnings})


def _filters(request) -> dict[str, list[str]]:
    return {name: request.query_params.getlist(name) for name in request.query_params
            if name in DIMENSIONS or name.startswith(ALLOC_PREFIX)}


class UnitCostsApi(APIView):
    """Cost per unit of a business metric by day, week or month: the explorer's billed cost in the organization's
    currency divided by the metric's values of each bucket (a monthly metric: month buckets only). Grouped by
    ``alloc:<key>`` of the metric's dimension, each group divides by its own values; any other grouping divides by
    the total. ``unit_cost`` is null where the metric is 0 or missing. ``trend``: the last bucket's unit cost vs
    the first (``change_pct``) and the period's vs the previous period's of the same length (``previous_pct``).
    Filters as the explorer's (``provider``, ``service``, ``alloc:<key>``...)."""

    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="unit_costs", parameters=[
        OpenApiParameter("metric", OpenApiTypes.STR, required=True, description="The metric's key."),
        OpenApiParameter("start", OpenApiTypes.DATE, required=True),
        OpenApiParameter("end", OpenApiTypes.DATE, required=True),
        OpenApiParameter("granularity", OpenApiTypes.STR, enum=list(GRANULARITIES)),
        OpenApiParameter("group_by", OpenApiTypes.STR, description="alloc:<dimension key> or an explorer "
                         "grouping (service, provider...); none = one series of all costs."),
    ], responses={200: UnitCostOutputSerializer, 400: BAD_INPUT})
    def get(self, request):
        query = UnitCostQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        result = unit_costs(metric_key=q["metric"], start=q["start"], end=q["end"], granularity=q["granularity"],
                            group_by=q["group_by"] or None, filters=_filters(request))
        for series in result["series"]:
            series["cost"] = _round(series["cost"], "0.01")
            for point in series["points"]:
                point["cost"] = _round(point["cost"], "0.01")
                point["unit_cost"] = _round(point["unit_cost"], "0.000001")
            series["unit_cost"] = _round(series["unit_cost"], "0.000001")
            trend = series["trend"]
            for name in ("first", "last", "previous_unit_cost"):
                trend[name] = _round(trend[name], "0.000001")
            for name in ("change_pct", "previous_pct"):
                trend[name] = _round(trend[name], "0.01")
        return Response(UnitCostOutputSerializer(result).data)


urlpatterns = [
    path("business-metrics/", MetricListApi.as_view(), name="api_business_metrics"),
    path("business-metrics/<str:key>/", MetricDetailApi.as_view(), name="api_business_metric_detail"),
    path("business-metrics/<str:key>/upload/", MetricUploadApi.as_view(), name="api_business_metric_upload"),
    path("business-metrics/<str:key>/values/", MetricValuesApi.as_view(), name="api_business_metric_values"),
    path("unit-costs/", UnitCostsApi.as_view(), name="api_unit_costs"),
]
