"""Budgets, forecasts and balance runway API (reading needs ``costs.view``, changing budgets ``costs.manage``).
Amounts are decimal strings in the organization's currency (a runway's balance in the account's own currency)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.serializers import ErrorResponseSerializer

from . import selectors, services
from .models import Budget
from .serializers import (
    BudgetInputSerializer,
    BudgetOutputSerializer,
    BudgetUpdateSerializer,
    BudgetWriteOutputSerializer,
    ForecastOutputSerializer,
    ForecastQuerySerializer,
    RunwayOutputSerializer,
    forecast_payload,
)

VIEW = "costs.view"
MANAGE = "costs.manage"
BAD_INPUT = OpenApiResponse(ErrorResponseSerializer, description="Invalid input: the problems by field.")
NOT_FOUND = OpenApiResponse(ErrorResponseSerializer, description="No such budget.")

FORECAST_PARAMETERS = [
    OpenApiParameter("period", OpenApiTypes.STR, enum=selectors.PERIODS,
                     description="The calendar month (default) or quarter holding today (Moscow time)."),
    OpenApiParameter("months", OpenApiTypes.INT, description="How many months after this one to forecast (1-12, "
                     "default 3)."),
    OpenApiParameter("provider", OpenApiTypes.STR, description="Provider name, as the explorer's filter."),
    OpenApiParameter("connection", OpenApiTypes.INT, description="Connection id."),
    OpenApiParameter("service", OpenApiTypes.STR),
    OpenApiParameter("region", OpenApiTypes.STR),
    OpenApiParameter("tag", OpenApiTypes.STR, description="key:value, or key for any value. An allocation "
                     "dimension value is alloc:<dimension key>=<value> (e.g. alloc:business_unit=shop; an empty "
                     "value = the unallocated cost); an unknown dimension is a 400."),
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


# --- budgets ------------------------------------------------------------------------------------------------------

def _budget(pk) -> Budget:
    try:
        return selectors.budget_get(pk=pk)
    except Budget.DoesNotExist as exc:
        raise Http404 from exc


def _written(budget: Budget) -> dict:
    """A created or changed budget with its live figures and the warnings (overlapping budgets)."""
    current = selectors.budget_status(budget=selectors.budget_get(pk=budget.pk))
    data = dict(BudgetOutputSerializer(current).data)
    data["warnings"] = selectors.budget_warnings(budget=budget)
    return data


class BudgetListApi(APIView):
    """Budgets with their current period's spend (``actual``, ``percent_used``) and period-end forecast with its
    80 % band, live at read time. ``POST`` creates one; a budget whose scope overlaps another of the same period
    is created with a warning in ``warnings``."""

    required_permissions = {"GET": VIEW, "POST": MANAGE}

    @extend_schema(operation_id="budgets_list", responses={200: BudgetOutputSerializer(many=True)})
    def get(self, request):
        return Response(BudgetOutputSerializer(selectors.budget_status_list(), many=True).data)

    @extend_schema(operation_id="budgets_create", request=BudgetInputSerializer,
                   responses={201: BudgetWriteOutputSerializer, 400: BAD_INPUT})
    def post(self, request):
        data = BudgetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        budget = services.budget_create(actor=request.user, **data.validated_data)
        return Response(_written(budget), status=status.HTTP_201_CREATED)


class BudgetDetailApi(APIView):
    required_permissions = {"GET": VIEW, "PUT": MANAGE, "PATCH": MANAGE, "DELETE": MANAGE}

    @extend_schema(operation_id="budgets_retrieve", responses={200: BudgetOutputSerializer, 404: NOT_FOUND})
    def get(self, request, pk: int):
        return Response(BudgetOutputSerializer(selectors.budget_status(budget=_budget(pk))).data)

    @extend_schema(operation_id="budgets_update", request=BudgetInputSerializer,
                   responses={200: BudgetWriteOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def put(self, request, pk: int):
        budget = _budget(pk)
        data = BudgetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {"scope": {}, "channels": [], **data.validated_data}
        return Response(_written(services.budget_update(budget=budget, actor=request.user, **values)))

    @extend_schema(operation_id="budgets_partial_update", request=BudgetUpdateSerializer,
                   responses={200: BudgetWriteOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def patch(self, request, pk: int):
        budget = _budget(pk)
        data = BudgetUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_written(services.budget_update(budget=budget, actor=request.user, **data.validated_data)))

    @extend_schema(operation_id="budgets_destroy", responses={204: None, 404: NOT_FOUND})
    def delete(self, request, pk: int):
        services.budget_delete(budget=_budget(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
