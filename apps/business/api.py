"""Allocation API: dimensions, ordered rules (+ preview and apply), the apply state, manual overrides.
Reading needs ``business.view``; every change ``business.manage``, and is audited and recalculates the history
in the background (``services.allocation_changed``)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.allocation.models import Dimension, ResourceOverride, Rule
from apps.allocation.selectors import allocation_state, dimensions_list
from apps.common.serializers import ErrorResponseSerializer

from . import rules_preview, services_rules
from .serializers_rules import (
    DimensionInputSerializer,
    DimensionOutputSerializer,
    DimensionUpdateSerializer,
    OverrideInputSerializer,
    OverrideOutputSerializer,
    OverrideUpdateSerializer,
    PreviewOutputSerializer,
    RuleInputSerializer,
    RuleListOutputSerializer,
    RuleOutputSerializer,
    RulePreviewInputSerializer,
    RuleUpdateSerializer,
    StateOutputSerializer,
    dimension_payload,
    override_payload,
    state_payload,
)

VIEW = "business.view"
MANAGE = "business.manage"
BAD_INPUT = OpenApiResponse(ErrorResponseSerializer, description="Invalid input: the problems by field.")
NOT_FOUND = OpenApiResponse(ErrorResponseSerializer, description="Not found.")
BUILTIN = OpenApiResponse(ErrorResponseSerializer, description="A built-in dimension cannot be deleted.")


def _dimension(key: str) -> Dimension:
    found = Dimension.objects.prefetch_related("values").filter(key=key).first()
    if found is None:
        raise Http404
    return found


def _rule(pk: int) -> Rule:
    found = Rule.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _override(pk: int) -> ResourceOverride:
    found = ResourceOverride.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


class JsonApi(APIView):
    """The allocation API takes JSON bodies only (rules and values are nested objects and lists)."""

    parser_classes = [JSONParser]


# --- dimensions ---------------------------------------------------------------------------------------------------

class DimensionListApi(JsonApi):
    """The organization's dimensions (six built in, and its own) with their values. ``POST`` adds a custom one."""

    required_permissions = {"GET": VIEW, "POST": MANAGE}

    @extend_schema(operation_id="allocation_dimensions_list", responses={200: DimensionOutputSerializer(many=True)})
    def get(self, request):
        return Response([dimension_payload(d) for d in dimensions_list()])

    @extend_schema(operation_id="allocation_dimensions_create", request=DimensionInputSerializer,
                   responses={201: DimensionOutputSerializer, 400: BAD_INPUT})
    def post(self, request):
        data = DimensionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dimension = services_rules.dimension_create(actor=request.user, **data.validated_data)
        return Response(dimension_payload(_dimension(dimension.key)), status=status.HTTP_201_CREATED)


class DimensionDetailApi(JsonApi):
    """One dimension. ``PATCH`` renames a custom one, replaces the values, sets ``required``; built-in keys can be
    neither changed nor deleted."""

    required_permissions = {"GET": VIEW, "PATCH": MANAGE, "DELETE": MANAGE}

    @extend_schema(operation_id="allocation_dimensions_retrieve",
                   responses={200: DimensionOutputSerializer, 404: NOT_FOUND})
    def get(self, request, key: str):
        return Response(dimension_payload(_dimension(key)))

    @extend_schema(operation_id="allocation_dimensions_partial_update", request=DimensionUpdateSerializer,
                   responses={200: DimensionOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def patch(self, request, key: str):
        dimension = _dimension(key)
        data = DimensionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services_rules.dimension_update(actor=request.user, dimension=dimension, **data.validated_data)
        return Response(dimension_payload(_dimension(key)))

    @extend_schema(operation_id="allocation_dimensions_destroy", responses={204: None, 404: NOT_FOUND, 409: BUILTIN})
    def delete(self, request, key: str):
        services_rules.dimension_delete(actor=request.user, dimension=_dimension(key))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- rules --------------------------------------------------------------------------------------------------------

class RuleListApi(JsonApi):
    """The rules in order (the first matching rule sets each dimension) and the pairs that conflict over the last
    30 days (``conflicts``: the first by order wins). ``POST`` adds a rule (at the end unless ``order`` is given)."""

    required_permissions = {"GET": VIEW, "POST": MANAGE}

    @extend_schema(operation_id="allocation_rules_list", responses={200: RuleListOutputSerializer})
    def get(self, request):
        rules = Rule.objects.order_by("order", "id")
        return Response({"results": RuleOutputSerializer(rules, many=True).data,
                         "conflicts": _conflicts(rules_preview.rules_conflicts())})

    @extend_schema(operation_id="allocation_rules_create", request=RuleInputSerializer,
                   responses={201: RuleOutputSerializer, 400: BAD_INPUT})
    def post(self, request):
        data = RuleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services_rules.rule_create(actor=request.user, **data.validated_data)
        return Response(RuleOutputSerializer(rule).data, status=status.HTTP_201_CREATED)


def _conflicts(items: list[dict]) -> list[dict]:
    return [{**c, "cost": str(c["cost"].quantize(rules_preview.CENT))} for c in items]


class RuleDetailApi(JsonApi):
    required_permissions = {"GET": VIEW, "PUT": MANAGE, "PATCH": MANAGE, "DELETE": MANAGE}

    @extend_schema(operation_id="allocation_rules_retrieve", responses={200: RuleOutputSerializer, 404: NOT_FOUND})
    def get(self, request, pk: int):
        return Response(RuleOutputSerializer(_rule(pk)).data)

    @extend_schema(operation_id="allocation_rules_update", request=RuleInputSerializer,
                   responses={200: RuleOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def put(self, request, pk: int):
        rule = _rule(pk)
        data = RuleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {"conditions": [], **data.validated_data}
        return Response(RuleOutputSerializer(services_rules.rule_update(actor=request.user, rule=rule,
                                                                        **values)).data)

    @extend_schema(operation_id="allocation_rules_partial_update", request=RuleUpdateSerializer,
                   responses={200: RuleOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def patch(self, request, pk: int):
        rule = _rule(pk)
        data = RuleUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(RuleOutputSerializer(services_rules.rule_update(actor=request.user, rule=rule,
                                                                        **data.validated_data)).data)

    @extend_schema(operation_id="allocation_rules_destroy", responses={204: None, 404: NOT_FOUND})
    def delete(self, request, pk: int):
        services_rules.rule_delete(actor=request.user, rule=_rule(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def preview_payload(preview: rules_preview.Preview) -> dict:
    cent = rules_preview.CENT
    return {
        "start": preview.start, "end": preview.end, "currency": preview.currency,
        "resources": [{**r, "cost": str(r["cost"].quantize(cent))} for r in preview.resources],
        "moved_cost": str(preview.moved_cost.quantize(cent)), "moved_resources": preview.moved_resources,
        "by_dimension": [{**d, "cost": str(d["cost"].quantize(cent))} for d in preview.by_dimension],
        "conflicts": _conflicts(preview.conflicts),
    }


class RulePreviewApi(JsonApi):
    """What saving this rule (or replacing rule ``id`` with it, or deleting rule ``id``: ``"delete": true``) would
    change over the last 30 days: the resources whose values change with their billed cost in the organization's
    currency, the roubles that move per dimension, and the conflicts of the resulting rules. Nothing is saved."""

    required_permissions = {"POST": MANAGE}

    @extend_schema(operation_id="allocation_rules_preview", request=RulePreviewInputSerializer,
                   responses={200: PreviewOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def post(self, request):
        data = RulePreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(preview_payload(rules_preview.rule_preview_for(data.validated_data)))


class RuleApplyApi(JsonApi):
    """Recalculate the ledger's history with the current definitions in the background (month by month)."""

    required_permissions = {"POST": MANAGE}

    @extend_schema(operation_id="allocation_rules_apply", request=None, responses={202: StateOutputSerializer})
    def post(self, request):
        services_rules.allocation_apply(actor=request.user)
        return Response(state_payload(allocation_state()), status=status.HTTP_202_ACCEPTED)


class StateApi(JsonApi):
    """The progress of applying the definitions to the history (``days_done`` of ``days_total``)."""

    required_permissions = {"GET": VIEW}

    @extend_schema(operation_id="allocation_state", responses={200: StateOutputSerializer})
    def get(self, request):
        return Response(state_payload(allocation_state()))


# --- overrides ----------------------------------------------------------------------------------------------------

class OverrideListApi(JsonApi):
    """Dimension values set by hand per resource (they win over every rule), with a note."""

    required_permissions = {"GET": VIEW, "POST": MANAGE}

    @extend_schema(operation_id="allocation_overrides_list", responses={200: OverrideOutputSerializer(many=True)})
    def get(self, request):
        return Response([override_payload(o) for o in ResourceOverride.objects.order_by("resource_id", "id")])

    @extend_schema(operation_id="allocation_overrides_create", request=OverrideInputSerializer,
                   responses={201: OverrideOutputSerializer, 400: BAD_INPUT})
    def post(self, request):
        data = OverrideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        override = services_rules.override_set(actor=request.user, connection_id=values["connection"],
                                               resource_id=values["resource_id"], values=values["values"],
                                               note=values["note"])
        return Response(override_payload(override), status=status.HTTP_201_CREATED)


class OverrideDetailApi(JsonApi):
    required_permissions = {"GET": VIEW, "PATCH": MANAGE, "DELETE": MANAGE}

    @extend_schema(operation_id="allocation_overrides_retrieve",
                   responses={200: OverrideOutputSerializer, 404: NOT_FOUND})
    def get(self, request, pk: int):
        return Response(override_payload(_override(pk)))

    @extend_schema(operation_id="allocation_overrides_partial_update", request=OverrideUpdateSerializer,
                   responses={200: OverrideOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def patch(self, request, pk: int):
        override = _override(pk)
        data = OverrideUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        saved = services_rules.override_set(
            actor=request.user, connection_id=override.connection_id, resource_id=override.resource_id,
            values=values.get("values", override.values), note=values.get("note", override.note), override=override)
        return Response(override_payload(saved))

    @extend_schema(operation_id="allocation_overrides_destroy", responses={204: None, 404: NOT_FOUND})
    def delete(self, request, pk: int):
        services_rules.override_delete(actor=request.user, override=_override(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("allocation/dimensions/", DimensionListApi.as_view(), name="api_allocation_dimensions"),
    path("allocation/dimensions/<str:key>/", DimensionDetailApi.as_view(), name="api_allocation_dimension"),
    path("allocation/rules/", RuleListApi.as_view(), name="api_allocation_rules"),
    path("allocation/rules/preview/", RulePreviewApi.as_view(), name="api_allocation_rules_preview"),
    path("allocation/rules/apply/", RuleApplyApi.as_view(), name="api_allocation_rules_apply"),
    path("allocation/rules/<int:pk>/", RuleDetailApi.as_view(), name="api_allocation_rule"),
    path("allocation/state/", StateApi.as_view(), name="api_allocation_state"),
    path("allocation/overrides/", OverrideListApi.as_view(), name="api_allocation_overrides"),
    path("allocation/overrides/<int:pk>/", OverrideDetailApi.as_view(), name="api_allocation_override"),
]
