"""Exchange rates API on organization hosts: which rate a date uses, so people and scripts can check a figure."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.serializers import ErrorResponseSerializer

from .selectors import rates_on
from .serializers import RatesOutputSerializer, RatesQuerySerializer


class RatesApi(APIView):
    """The rate each currency uses on ``date``: the newest one on or before it (the Bank publishes none on
    weekends and holidays), a manual rate first on the same date; roubles per one unit. The organization's own
    manual rates count, other organizations' never do."""

    required_permissions = {"GET": "costs.view"}

    @extend_schema(
        operation_id="rates_list",
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=False,
                                     description="YYYY-MM-DD; today (Moscow time) when absent.")],
        responses={200: RatesOutputSerializer, 400: ErrorResponseSerializer},
    )
    def get(self, request):
        query = RatesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        return Response(RatesOutputSerializer({"date": day, "rates": rates_on(day=day)}).data)
