"""Cost explorer API: ``/api/v1/costs/summary/``, ``/timeseries/`` and ``/export/<csv|xlsx>/``.

Query parameters shared by all three: ``start``/``end`` (YYYY-MM-DD, inclusive) or ``period``
(7d, 30d, 90d, 365d, this_month, last_month), ``group_by`` (provider, connection, billing_account,
sub_account, service, service_category, region, resource_type, resource, charge_category,
allocation_method, allocated_resource (FOCUS 1.3 split cost allocation) or ``tag:<key>``),
``metric`` (billed | effective), ``currency`` (org | billing), one filter per dimension
(comma-separated values, e.g. ``service=Compute Cloud,Object Storage``) and ``tag=key:value`` or
``tag=key`` (repeatable). Amounts are decimal strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import exports
from .explorer import (
    CURRENCY_MODES,
    DIMENSIONS,
    GRANULARITIES,
    METRICS,
    PERIOD_PRESETS,
    cost_query,
    cost_summary,
    cost_timeseries,
    period_resolve,
)


def amount_str(value: Decimal | None) -> str | None:
    """Exact decimal string with at least two places: ``Decimal('19.6150000000')`` -> ``"19.615"``."""
    if value is None:
        return None
    text = format(value.normalize() if value else Decimal(0), "f")
    whole, _dot, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


class ExplorerInputSerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    period = serializers.ChoiceField(choices=PERIOD_PRESETS, required=False)
    group_by = serializers.CharField(required=False, default="service")
    metric = serializers.ChoiceField(choices=METRICS, required=False, default="billed")
    currency = serializers.ChoiceField(choices=CURRENCY_MODES, required=False, default="org")
    granularity = serializers.ChoiceField(choices=GRANULARITIES, required=False, default="day")
    compare = serializers.BooleanField(required=False, default=True)

    def validate_group_by(self, value: str) -> str:
        if value not in DIMENSIONS and not (value.startswith("tag:") and len(value) > 4):
            raise serializers.ValidationError(_("Unknown grouping."))
        return value


def explorer_params(query) -> dict[str, Any]:
    """Parse a query string (QueryDict) into the selector's arguments (raises DRF ValidationError)."""
    data = ExplorerInputSerializer(data=query)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    start, end = period_resolve(preset=values.get("period"), start=values.get("start"), end=values.get("end"))
    filters = {}
    for name in DIMENSIONS:
        raw = [part.strip() for item in query.getlist(name) for part in item.split(",")]
        raw = [part for part in raw if part]
        if raw:
            filters[name] = raw
    tags = []
    for item in query.getlist("tag"):
        key, sep, value = item.partition(":")
        if key.strip():
            tags.append((key.strip(), value if sep else None))
    return {"start": start, "end": end, "group_by": values["group_by"], "metric": values["metric"],
            "currency": values["currency"], "filters": filters, "tags": tags,
            "granularity": values["granularity"], "compare": values["compare"]}


COMMON_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First charge date (inclusive)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last charge date (inclusive)."),
    OpenApiParameter("period", OpenApiTypes.STR, enum=PERIOD_PRESETS, description="Preset instead of start/end."),
    OpenApiParameter("group_by", OpenApiTypes.STR, description="A dimension or tag:<key>."),
    OpenApiParameter("metric", OpenApiTypes.STR, enum=METRICS),
    OpenApiParameter("currency", OpenApiTypes.STR, enum=CURRENCY_MODES),
    OpenApiParameter("tag", OpenApiTypes.STR, many=True, description="key:value or key."),
    *[OpenApiParameter(name, OpenApiTypes.STR, description="Comma-separated values.") for name in DIMENSIONS],
]


class SummaryGroupSerializer(serializers.Serializer):
    key = serializers.CharField()
    currency = serializers.CharField()
    total = serializers.CharField()


class SummaryOutputSerializer(serializers.Serializer):
    currency = serializers.CharField(allow_null=True)
    total = serializers.CharField(allow_null=True)
    groups = SummaryGroupSerializer(many=True)


def summary_json(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "currency": summary["currency"],
        "total": amount_str(summary["total"]),
        "groups": [{"key": g["key"], "currency": g["currency"], "total": amount_str(g["total"])}
                   for g in summary["groups"]],
        "totals": [{"currency": t["currency"], "total": amount_str(t["total"])} for t in summary["totals"]],
    }


def timeseries_json(view: dict[str, Any]) -> dict[str, Any]:
    def group(g: dict[str, Any]) -> dict[str, Any]:
        out = {"key": g["key"], "label": str(g["label"]), "currency": g["currency"], "total": amount_str(g["total"])}
        if "previous" in g:
            out.update(previous=amount_str(g["previous"]), delta=amount_str(g["delta"]),
                       delta_pct=amount_str(round(g["delta_pct"], 2)) if g["delta_pct"] is not None else None)
        if "utilization" in g:
            out["utilization"] = [{"metric": u["metric"], "avg": amount_str(u["avg"]), "p95": amount_str(u["p95"]),
                                   "tier": u["tier"]} for u in g["utilization"]]
        return out

    out = {
        "start": view["start"].isoformat(), "end": view["end"].isoformat(), "granularity": view["granularity"],
        "group_by": view["group_by"], "metric": view["metric"], "currency": view["currency"],
        "total": amount_str(view["total"]),
        "totals": [{"currency": t["currency"], "total": amount_str(t["total"])} for t in view["totals"]],
        "periods": [p.isoformat() for p in view["periods"]],
        "series": [{"key": s["key"], "label": str(s["label"]), "currency": s["currency"],
                    "total": amount_str(s["total"]), "values": [amount_str(v) for v in s["values"]]}
                   for s in view["series"]],
        "groups": [group(g) for g in view["groups"]],
    }
    if "previous" in view:
        prev = view["previous"]
        out["previous"] = {"start": prev["start"].isoformat(), "end": prev["end"].isoformat(),
                           "total": amount_str(prev["total"]), "delta": amount_str(prev["delta"]),
                           "delta_pct": amount_str(round(prev["delta_pct"], 2))
                           if prev["delta_pct"] is not None else None}
    return out


def explorer_view(params: dict[str, Any], *, with_utilization: bool = True) -> dict[str, Any]:
    """The time series view for parsed parameters (shared by the API, the export and the page)."""
    from .explorer import resource_utilization

    q = cost_query(start=params["start"], end=params["end"], group_by=params["group_by"],
                   metric=params["metric"], currency=params["currency"], filters=params["filters"],
                   tags=params["tags"])
    view = cost_timeseries(q=q, granularity=params["granularity"], compare=params["compare"])
    if with_utilization and q.group_by == "resource":
        utilization = resource_utilization(keys=[g["key"] for g in view["groups"][:500]])
        for g in view["groups"]:
            if g["key"] in utilization:
                g["utilization"] = utilization[g["key"]]
    return view


class CostSummaryApi(APIView):
    """Totals per group: the organization's currency, or ``currency=billing`` per billing currency."""

    required_permissions = {"GET": "costs.view"}

    @extend_schema(operation_id="costs_summary", parameters=COMMON_PARAMETERS,
                   responses={200: SummaryOutputSerializer})
    def get(self, request):
        params = explorer_params(request.query_params)
        summary = cost_summary(start=params["start"], end=params["end"], group_by=params["group_by"],
                               metric=params["metric"], currency=params["currency"], filters=params["filters"],
                               tags=params["tags"])
        return Response(summary_json(summary))


class CostTimeseriesApi(APIView):
    """Buckets by day/week/month, one series per group, table rows and the previous-period comparison."""

    required_permissions = {"GET": "costs.view"}

    @extend_schema(operation_id="costs_timeseries", parameters=[
        *COMMON_PARAMETERS,
        OpenApiParameter("granularity", OpenApiTypes.STR, enum=GRANULARITIES),
        OpenApiParameter("compare", OpenApiTypes.BOOL),
    ], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(timeseries_json(explorer_view(explorer_params(request.query_params))))


class CostExportApi(APIView):
    """The current view as a file: one row per group with the per-period columns, totals and comparison."""

    required_permissions = {"GET": "costs.view"}

    @extend_schema(operation_id="costs_export", parameters=COMMON_PARAMETERS,
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, fmt: str):
        params = explorer_params(request.query_params)
        view = explorer_view(params, with_utilization=False)
        return exports.explorer_export_response(view=view, fmt=fmt)
