"""Allocation coverage API (reading needs ``business.view``): which share of the cost and of the resources has a
value in each dimension, and the largest costs left unallocated. Shares are decimal fractions as strings
(``"0.8333"``), amounts decimal strings in the organization's currency; dates are inclusive, in the
organization's time zone."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.http import HttpRequest
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.allocation.selectors import dimension_keys
from apps.common.errors import ApplicationError, ErrorCode
from apps.common.serializers import ErrorResponseSerializer
from apps.costs.selectors.explorer import PERIOD_PRESETS, period_resolve
from apps.costs.selectors.ledger import organization_currency

from .coverage import Coverage, UnallocatedItem, allocation_coverage_cached, largest_unallocated_cached

VIEW = "business.view"
DEFAULT_TIMEZONE = "Europe/Moscow"
UNALLOCATED_LIMIT = 20
BAD_INPUT = OpenApiResponse(ErrorResponseSerializer, description="Invalid dates, an end before the start or an "
                                                                 "unknown dimension.")


# --- the query: a period (shared with the overview page) ---------------------------------------------------------

class CoveragePeriodForm(forms.Form):
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)
    period = forms.ChoiceField(choices=[(p, p) for p in PERIOD_PRESETS], required=False)


def organization_today(request: HttpRequest) -> date:
    """Today in the organization's time zone (Moscow unless it chose another)."""
    name = getattr(getattr(request, "tenant", None), "timezone", "") or DEFAULT_TIMEZONE
    try:
        zone = ZoneInfo(name)
    except (ValueError, KeyError):
        zone = ZoneInfo(DEFAULT_TIMEZONE)
    return timezone.localdate(timezone=zone)


def coverage_period(request: HttpRequest, query) -> tuple[date, date]:
    """``start``/``end`` (inclusive, ``YYYY-MM-DD``) or ``period`` (``30d``, ``90d``, ``this_month``,
    ``last_month``...); the last 30 days ending today by default. Raises ``ApplicationError`` for bad input."""
    form = CoveragePeriodForm(query)
    if not form.is_valid():
        raise ApplicationError(_("Check the dates."), ErrorCode.INVALID,
                               extra={name: list(messages) for name, messages in form.errors.items()})
    values = form.cleaned_data
    return period_resolve(preset=values["period"] or None, start=values["start"], end=values["end"],
                          today=organization_today(request))


# --- output -------------------------------------------------------------------------------------------------------

class OverallCoverageSerializer(serializers.Serializer):
    cost_share = serializers.DecimalField(max_digits=6, decimal_places=4,
                                          help_text="Share of the cost with every required dimension set (0..1).")
    resource_share = serializers.DecimalField(max_digits=6, decimal_places=4,
                                              help_text="Share of the resources whose whole cost of the period "
                                                        "has every required dimension set (0..1).")


class DimensionCoverageSerializer(serializers.Serializer):
    key = serializers.CharField()
    cost_share = serializers.DecimalField(max_digits=6, decimal_places=4)
    resource_share = serializers.DecimalField(max_digits=6, decimal_places=4)
    unallocated_cost = serializers.DecimalField(max_digits=24, decimal_places=2)


class CoverageOutputSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    currency = serializers.CharField()
    overall = OverallCoverageSerializer()
    dimensions = DimensionCoverageSerializer(many=True)


def coverage_payload(coverage: Coverage) -> dict[str, Any]:
    return {
        "start": coverage.start, "end": coverage.end, "currency": coverage.currency,
        "overall": {"cost_share": coverage.overall_cost_share, "resource_share": coverage.overall_resource_share},
        "dimensions": [{"key": d.key, "cost_share": d.cost_share, "resource_share": d.resource_share,
                        "unallocated_cost": d.unallocated_cost} for d in coverage.dimensions],
    }


class UnallocatedItemSerializer(serializers.Serializer):
    connection = serializers.IntegerField(allow_null=True, help_text="Connection id (null for imported costs).")
    connection_name = serializers.CharField(allow_blank=True)
    provider = serializers.CharField(allow_blank=True)
    service = serializers.CharField(allow_blank=True)
    resource_id = serializers.CharField(allow_blank=True,
                                        help_text="Empty for costs without a resource (grouped by service).")
    name = serializers.CharField(allow_blank=True)
    cost = serializers.DecimalField(max_digits=24, decimal_places=2,
                                    help_text="The unallocated cost of the period, organization currency.")


class UnallocatedOutputSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    currency = serializers.CharField()
    key = serializers.CharField(allow_null=True, help_text="The dimension asked for; null means overall.")
    items = UnallocatedItemSerializer(many=True)


def unallocated_payload(items: list[UnallocatedItem]) -> list[dict[str, Any]]:
    return [{"connection": i.connection_id, "connection_name": i.connection_name, "provider": i.provider,
             "service": i.service, "resource_id": i.resource_id, "name": i.name, "cost": i.cost} for i in items]


PERIOD_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day, inclusive (organization time zone)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, inclusive. Default: the last 30 days "
                                                           "ending today."),
    OpenApiParameter("period", OpenApiTypes.STR, enum=PERIOD_PRESETS,
                     description="A preset instead of start and end."),
]


class CoverageApi(APIView):
    """The share of the billed cost (organization currency) and of the resources allocated overall (every
    required dimension has a value; split shared costs count as allocated) and per dimension, with the
    unallocated cost of each dimension."""

    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="allocation_coverage", parameters=PERIOD_PARAMETERS,
                   responses={200: CoverageOutputSerializer, 400: BAD_INPUT})
    def get(self, request):
        start, end = coverage_period(request, request.query_params)
        coverage = allocation_coverage_cached(start=start, end=end)
        return Response(CoverageOutputSerializer(coverage_payload(coverage)).data)


class UnallocatedApi(APIView):
    """The largest unallocated costs of the period: resources (costs without a resource grouped by connection
    and service) whose cost is unallocated overall, or in dimension ``key``, most expensive first."""

    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="allocation_unallocated",
                   parameters=[*PERIOD_PARAMETERS,
                               OpenApiParameter("key", OpenApiTypes.STR,
                                                description="A dimension key; overall coverage by default.")],
                   responses={200: UnallocatedOutputSerializer, 400: BAD_INPUT})
    def get(self, request):
        start, end = coverage_period(request, request.query_params)
        key = (request.query_params.get("key") or "").strip() or None
        if key is not None and key not in dimension_keys():
            message = _("Unknown allocation dimension.")
            raise ApplicationError(message, ErrorCode.INVALID, extra={"key": [message]})
        items = largest_unallocated_cached(start=start, end=end, key=key, limit=UNALLOCATED_LIMIT)
        return Response(UnallocatedOutputSerializer({
            "start": start, "end": end, "currency": organization_currency(), "key": key,
            "items": unallocated_payload(items)}).data)


urlpatterns = [
    path("allocation/coverage/", CoverageApi.as_view(), name="api_allocation_coverage"),
    path("allocation/unallocated/", UnallocatedApi.as_view(), name="api_allocation_unallocated"),
]
