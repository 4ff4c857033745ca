"""Forecasts and balance runway API (reading needs ``costs.view``). Amounts are decimal strings in the
organization's currency (a runway's balance in the account's own currency)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.serializers import ErrorResponseSerializer

from . import selectors
from .serializers import ForecastOutputSerializer, ForecastQuerySerializer, RunwayOutputSerializer, forecast_payload

VIEW = "costs.view"
BAD_INPUT = OpenApiResponse(ErrorResponseSerializer, description="Invalid input: the problems by field.")

FORECAST_PARAMETERS = [
    OpenApiParameter("period", OpenApiTypes.STR, enum=selectors.PERIODS,
                     description="The calendar month (default) or quarter holding today (Moscow time)."),
    OpenApiParameter("months", OpenApiTypes.INT, description="How many months after this one to forecast (1-12, "
                     "default 3)."),
    OpenApiParameter("provider", OpenApiTypes.STR, description="Provider name, as the explorer's filter."),
    OpenApiParameter("connection", OpenApiTypes.INT, description="Connection id."),
    OpenApiParameter("service", OpenApiTypes.STR),
    OpenApiParameter("region", OpenApiTypes.STR),
    OpenApiParameter("tag", OpenApiTypes.STR, description="key:value, or key for any value."),
]


class ForecastApi(APIView):
    """The period's spend so far, its month-end (or quarter-end) forecast and the next months', each with an 80 %
    band, and the daily series (actual days, then forecast days with their band). ``method`` is ``ets`` (an ETS
    model with damped trend and weekly seasonality, at least 28 days of history), ``run_rate`` (shorter history:
    the last 7 days' mean, a ±50 % band) or ``none`` (no costs in the scope: every amount null); ``message`` says
    which and why."""

    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="forecasts", parameters=FORECAST_PARAMETERS,
                   responses={200: ForecastOutputSerializer, 400: BAD_INPUT})
    def get(self, request):
        query = ForecastQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        currency, forecast = selectors.scope_forecast(scope=query.scope(), period=query.validated_data["period"],
                                                      months=query.validated_data["months"])
        return Response(ForecastOutputSerializer(forecast_payload(currency=currency, forecast=forecast)).data)


class RunwayApi(APIView):
    """Per connection whose provider reports a prepaid balance: the balance, the forecast daily spend, the days
    it lasts and the day it runs out (Moscow time)."""

    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="runway", responses={200: RunwayOutputSerializer(many=True)})
    def get(self, request):
        return Response(RunwayOutputSerializer(selectors.runway_list(), many=True).data)
