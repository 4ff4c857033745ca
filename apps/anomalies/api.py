"""Anomalies API: the list (newest first, paginated) and the user's verdict on one (confirm, or dismiss as expected).

Reading needs ``costs.view`` (every role); a verdict ``costs.manage``. Amounts are decimal strings in the
organization's currency.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.serializers import ErrorResponseSerializer

from . import selectors, services
from .filters import AnomalyFilter
from .models import Anomaly
from .serializers import AnomalyOutputSerializer

VIEW = "costs.view"
MANAGE = "costs.manage"
NOT_FOUND = OpenApiResponse(ErrorResponseSerializer, description="No such anomaly.")


class AnomalyPagination(PageNumberPagination):
    """``page`` and ``page_size`` (50 by default, 500 at most)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class AnomalyListApi(ListAPIView):
    """Anomalies, the newest last day first, the largest impact first within a day. ``status``, ``kind`` and
    ``scope_type`` may be repeated."""

    required_permissions = {"GET": VIEW}
    serializer_class = AnomalyOutputSerializer
    filterset_class = AnomalyFilter
    pagination_class = AnomalyPagination

    def get_queryset(self):
        return selectors.anomaly_list()

    @extend_schema(operation_id="anomalies_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class _VerdictApi(APIView):
    required_permissions = {"POST": MANAGE}

    def post(self, request, pk: int):
        try:
            anomaly = selectors.anomaly_get(pk=pk)
        except Anomaly.DoesNotExist as exc:
            raise Http404 from exc
        return Response(AnomalyOutputSerializer(self.act(anomaly=anomaly, actor=request.user)).data)

    def act(self, *, anomaly, actor):
        raise NotImplementedError


class AnomalyConfirmApi(_VerdictApi):
    @extend_schema(operation_id="anomalies_confirm", request=None,
                   description="Confirm the anomaly: a real, unexpected change.",
                   responses={200: AnomalyOutputSerializer, 404: NOT_FOUND})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, anomaly, actor):
        return services.anomaly_confirm(anomaly=anomaly, actor=actor)


class AnomalyDismissApi(_VerdictApi):
    @extend_schema(operation_id="anomalies_dismiss", request=None,
                   description="Dismiss the anomaly as expected: later detection takes its level as expected.",
                   responses={200: AnomalyOutputSerializer, 404: NOT_FOUND})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, *, anomaly, actor):
        return services.anomaly_dismiss(anomaly=anomaly, actor=actor)
