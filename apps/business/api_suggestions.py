"""``/api/v1/allocation/suggestions/``: allocation rules inferred from the estate of the last 30 days, each with
its coverage gain (roubles of the window unallocated today in its dimension that the rule would allocate), and
their acceptance as rules (reading needs ``business.view``, accepting ``business.manage``)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.serializers import ErrorResponseSerializer

from .services_suggestions import suggestion_accept
from .suggestions import allocation_suggestions

VIEW = "business.view"
MANAGE = "business.manage"

SUGGESTION = inline_serializer("AllocationSuggestion", {
    "id": serializers.CharField(), "title": serializers.CharField(), "dimension": serializers.CharField(),
    "value": serializers.CharField(), "rule": serializers.DictField(), "resources": serializers.IntegerField(),
    "coverage_gain": serializers.DecimalField(max_digits=24, decimal_places=2),
    "examples": serializers.ListField(child=serializers.CharField())})
SUGGESTIONS = inline_serializer("AllocationSuggestions", {
    "start": serializers.DateField(), "end": serializers.DateField(), "currency": serializers.CharField(),
    "items": serializers.ListField(child=SUGGESTION)})
RULE = inline_serializer("AllocationSuggestionRule", {
    "id": serializers.IntegerField(), "name": serializers.CharField(), "order": serializers.IntegerField(),
    "conditions": serializers.ListField(child=serializers.DictField()), "actions": serializers.DictField()})


def suggestions_payload(result) -> dict:
    return {
        "start": result.start.isoformat(), "end": result.end.isoformat(), "currency": result.currency,
        "items": [{"id": s.id, "title": s.title, "dimension": s.dimension, "value": s.value, "rule": s.rule,
                   "resources": s.resources, "coverage_gain": str(s.coverage_gain), "examples": s.examples}
                  for s in result.items],
    }


class SuggestionListApi(APIView):
    """Suggestions sorted by coverage gain; money as decimal strings in the organization's currency."""

    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="allocation_suggestions", responses={200: SUGGESTIONS})
    def get(self, request):
        return Response(suggestions_payload(allocation_suggestions()))


class SuggestionAcceptApi(APIView):
    """Create the suggestion's rule after the existing ones; the history is recalculated in the background."""

    required_permissions = {"POST": MANAGE}

    @extend_schema(operation_id="allocation_suggestion_accept", request=None, responses={
        201: RULE, 404: OpenApiResponse(ErrorResponseSerializer, description="Unknown or outdated suggestion.")})
    def post(self, request, suggestion_id: str):
        rule = suggestion_accept(suggestion_id=suggestion_id, actor=request.user)
        return Response({"id": rule.pk, "name": rule.name, "order": rule.order, "conditions": rule.conditions,
                         "actions": rule.actions}, status=status.HTTP_201_CREATED)

urlpatterns: list = [
    path("allocation/suggestions/", SuggestionListApi.as_view(), name="api_allocation_suggestions"),
    path("allocation/suggestions/<str:suggestion_id>/accept/", SuggestionAcceptApi.as_view(),
         name="api_allocation_suggestion_accept"),
]
