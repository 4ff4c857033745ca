from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .filters import ResourceFilter
from .models import Resource
from .serializers import (
    ResourceDetailSerializer,
    ResourceMetricsOutputSerializer,
    ResourceOutputSerializer,
    ResourceSummarySerializer,
)

HISTORY_LIMIT = 100


def _resource(pk) -> Resource:
    try:
        return selectors.resource_get(resource_pk=pk)
    except Resource.DoesNotExist as exc:
        raise Http404 from exc


class ResourceListApi(ListAPIView):
    """The inventory, paginated, with the resources page's filters."""

    required_permissions = {"GET": "resources.view"}
    serializer_class = ResourceOutputSerializer
    filterset_class = ResourceFilter

    def get_queryset(self):
        return selectors.resource_queryset()


class ResourceSummaryApi(GenericAPIView):
    """The summary card of the (filtered) inventory: counts and daily / monthly totals."""

    required_permissions = {"GET": "resources.view"}
    serializer_class = ResourceSummarySerializer
    filterset_class = ResourceFilter

    def get_queryset(self):
        return selectors.resource_queryset()

    def get(self, request):
        summary = selectors.resource_summary(queryset=self.filter_queryset(self.get_queryset()))
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
                   responses={200: ResourceMetricsOutputSerializer})
    def get(self, request, pk: int):
        resource = _resource(pk)
        try:
            days = max(1, min(int(request.query_params.get("days") or 30), 365))
        except ValueError:
            days = 30
        wanted = request.query_params.get("metric")
        series = selectors.resource_metrics(resource=resource, metrics=[wanted] if wanted else None, days=days)
        return Response(ResourceMetricsOutputSerializer({"resource": resource, "metrics": series}).data)
