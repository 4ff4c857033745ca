from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .models import Resource
from .serializers import (
    MetricSeriesSerializer,
    ResourceDetailSerializer,
    ResourceOutputSerializer,
    ResourceSummarySerializer,
)

FILTER_KEYS = ("q", "provider", "connection", "resource_type", "status", "region", "tag", "deleted")
FILTER_PARAMETERS = [OpenApiParameter(key, OpenApiTypes.STR, required=False) for key in FILTER_KEYS]
HISTORY_LIMIT = 100


def _filters(request) -> dict[str, str]:
    return {key: request.query_params.get(key, "") for key in FILTER_KEYS}


def _resource(pk) -> Resource:
    try:
        return selectors.resource_get(resource_pk=pk)
    except Resource.DoesNotExist as exc:
        raise Http404 from exc


@extend_schema(parameters=FILTER_PARAMETERS)
class ResourceListApi(ListAPIView):
    """The inventory, paginated, with the resources page's filters."""

    required_permissions = {"GET": "resources.view"}
    serializer_class = ResourceOutputSerializer

    def get_queryset(self):
        return selectors.resource_list(filters=_filters(self.request))


class ResourceSummaryApi(APIView):
    """The summary card of the (filtered) inventory: counts and daily / monthly totals."""

    required_permissions = {"GET": "resources.view"}

    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: ResourceSummarySerializer})
    def get(self, request):
        summary = selectors.resource_summary(queryset=selectors.resource_list(filters=_filters(request)))
        return Response(ResourceSummarySerializer(summary).data)


class ResourceDetailApi(APIView):
    required_permissions = {"GET": "resources.view"}

    @extend_schema(responses={200: ResourceDetailSerializer})
    def get(self, request, pk: int):
        resource = _resource(pk)
        history = list(selectors.resource_history(resource=resource)[:HISTORY_LIMIT])
        return Response(ResourceDetailSerializer(resource, context={"history": history}).data)


class ResourceMetricsApi(APIView):
    """Stored metric series of a resource: ``[[timestamp, "value"], ...]`` per metric (last ``days`` of data)."""

    required_permissions = {"GET": "resources.view"}

    @extend_schema(parameters=[OpenApiParameter("metric", OpenApiTypes.STR, required=False),
                               OpenApiParameter("days", OpenApiTypes.INT, required=False)],
                   responses={200: MetricSeriesSerializer(many=True)})
    def get(self, request, pk: int):
        resource = _resource(pk)
        try:
            days = max(1, min(int(request.query_params.get("days") or 30), 365))
        except ValueError:
            days = 30
        wanted = request.query_params.get("metric")
        metrics = [wanted] if wanted else selectors.resource_metric_names(resource=resource)
        series = [
            {"metric": metric, "points": [[ts.isoformat(), str(value)] for ts, value in
                                          selectors.resource_metric_series(resource=resource, metric=metric,
                                                                           days=days)]}
            for metric in metrics
        ]
        summaries = {s.metric: s for s in resource.metric_summaries.all()}
        for item in series:
            summary = summaries.get(item["metric"])
            item["summary"] = None if summary is None else {
                "avg": str(summary.avg), "min": str(summary.min), "max": str(summary.max), "p95": str(summary.p95),
                "tier": summary.tier, "points": summary.points}
        return Response({"resource": resource.pk, "metrics": series})
