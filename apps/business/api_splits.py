"""Shared-cost splitting API: ``/api/v1/allocation/shared-costs/`` (CRUD, reading needs ``business.view``,
changing ``business.manage``) and ``POST .../preview/`` (what a definition matches over the last 30 days and how
it would be split). Amounts are decimal strings in the organization's currency; shares are decimal fractions."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.allocation.models import SharedCost
from apps.allocation.vocabulary import ConditionOp, SplitMethod
from apps.common.serializers import ErrorResponseSerializer

from . import splits

VIEW = "business.view"
MANAGE = "business.manage"
BAD_INPUT = OpenApiResponse(ErrorResponseSerializer, description="Invalid input: the problem and its field.")
NOT_FOUND = OpenApiResponse(ErrorResponseSerializer, description="No such shared cost.")
MONEY = {"max_digits": 20, "decimal_places": 2}


class ConditionSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="name, provider, connection, hierarchy, region, kind, type, service, "
                                            "sku or tag:<key>.")
    op = serializers.ChoiceField(choices=ConditionOp.values)
    value = serializers.JSONField(required=False, help_text="A text; a list of texts for «in»; absent for «exists».")


class TargetSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="A value of the split's dimension (added to its values when new).")
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, required=False,
                                       help_text="The fixed method's share in percent; null for other methods.")


class SharedCostOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    order = serializers.IntegerField()
    enabled = serializers.BooleanField()
    conditions = ConditionSerializer(many=True)
    dimension = serializers.CharField(source="dimension.key", help_text="The dimension's key.")
    method = serializers.ChoiceField(choices=SplitMethod.values)
    targets = serializers.SerializerMethodField()
    metric = serializers.SerializerMethodField(help_text="The business metric's key (metric method), else null.")

    @extend_schema_field(TargetSerializer(many=True))
    def get_targets(self, split: SharedCost) -> list[dict]:
        fixed = split.method == SplitMethod.FIXED
        return [{"value": t.get("value"), "percent": str(t["percent"]) if fixed and t.get("percent") else None}
                for t in split.targets if isinstance(t, dict)]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_metric(self, split: SharedCost) -> str | None:
        return split.metric.key if split.metric_id and split.method == SplitMethod.METRIC else None


class SharedCostInputSerializer(serializers.Serializer):
    """The shape only; the rules (dimension exists, ≥ 2 distinct values, fixed shares sum to 100, the metric has
    the dimension) are the service's, with their Russian messages."""

    name = serializers.CharField(max_length=200, allow_blank=True)
    order = serializers.IntegerField(required=False, default=0)
    enabled = serializers.BooleanField(required=False, default=True)
    conditions = serializers.JSONField(required=False, default=list,
                                       help_text='[{"field", "op", "value"}], all must hold; [] matches all costs.')
    dimension = serializers.CharField(help_text="The key of the dimension to split across.")
    method = serializers.ChoiceField(choices=SplitMethod.values,
                                     help_text="even, proportional (to the values' own cost), metric (to a business "
                                               "metric's figures per value) or fixed (percentages summing to 100).")
    targets = serializers.JSONField(help_text='[{"value", "percent"}]: at least two values; percent for fixed only.')
    metric = serializers.CharField(required=False, allow_null=True, allow_blank=True,
                                   help_text="The business metric's key (or id), for the metric method.")


class SharedCostUpdateSerializer(SharedCostInputSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in self.fields.values():
            item.required = False
        self.fields["order"].default = serializers.empty
        self.fields["enabled"].default = serializers.empty
        self.fields["conditions"].default = serializers.empty


class PreviewLineSerializer(serializers.Serializer):
    resource_id = serializers.CharField()
    name = serializers.CharField()
    service = serializers.CharField()
    cost = serializers.DecimalField(**MONEY)


class PreviewSplitSerializer(serializers.Serializer):
    value = serializers.CharField()
    share = serializers.DecimalField(max_digits=7, decimal_places=4, help_text="A decimal fraction of the cost.")
    cost = serializers.DecimalField(**MONEY)


class SharedCostPreviewOutputSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    currency = serializers.CharField()
    matched_cost = serializers.DecimalField(**MONEY, help_text="Billed cost the conditions match over the period.")
    lines = PreviewLineSerializer(many=True)
    split = PreviewSplitSerializer(many=True)


def _split(pk) -> SharedCost:
    try:
        return splits.shared_cost_get(pk=pk)
    except SharedCost.DoesNotExist as exc:
        raise Http404 from exc


def _out(split: SharedCost) -> dict:
    return SharedCostOutputSerializer(splits.shared_cost_get(pk=split.pk)).data


class SharedCostListApi(APIView):
    """Shared costs in order (the first whose conditions match a cost line takes it). ``POST`` creates one; the
    history is recalculated in the background."""

    required_permissions = {"GET": VIEW, "POST": MANAGE}

    @extend_schema(operation_id="allocation_shared_costs_list", responses={200: SharedCostOutputSerializer(many=True)})
    def get(self, request):
        return Response(SharedCostOutputSerializer(splits.shared_cost_list(), many=True).data)

    @extend_schema(operation_id="allocation_shared_costs_create", request=SharedCostInputSerializer,
                   responses={201: SharedCostOutputSerializer, 400: BAD_INPUT})
    def post(self, request):
        data = SharedCostInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        split = splits.shared_cost_create(actor=request.user, **data.validated_data)
        return Response(_out(split), status=status.HTTP_201_CREATED)


class SharedCostDetailApi(APIView):
    required_permissions = {"GET": VIEW, "PUT": MANAGE, "PATCH": MANAGE, "DELETE": MANAGE}

    @extend_schema(operation_id="allocation_shared_costs_retrieve",
                   responses={200: SharedCostOutputSerializer, 404: NOT_FOUND})
    def get(self, request, pk: int):
        return Response(SharedCostOutputSerializer(_split(pk)).data)

    @extend_schema(operation_id="allocation_shared_costs_update", request=SharedCostInputSerializer,
                   responses={200: SharedCostOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def put(self, request, pk: int):
        split = _split(pk)
        data = SharedCostInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_out(splits.shared_cost_update(split=split, actor=request.user, **data.validated_data)))

    @extend_schema(operation_id="allocation_shared_costs_partial_update", request=SharedCostUpdateSerializer,
                   responses={200: SharedCostOutputSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    def patch(self, request, pk: int):
        split = _split(pk)
        data = SharedCostUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if set(data.validated_data) == {"enabled"}:  # switching on or off: a split gone invalid can be switched off
            return Response(_out(splits.shared_cost_enable(split=split, actor=request.user,
                                                           enabled=data.validated_data["enabled"])))
        return Response(_out(splits.shared_cost_update(split=split, actor=request.user, **data.validated_data)))

    @extend_schema(operation_id="allocation_shared_costs_destroy", responses={204: None, 404: NOT_FOUND})
    def delete(self, request, pk: int):
        splits.shared_cost_delete(split=_split(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SharedCostPreviewApi(APIView):
    """What a shared cost (as in the body, saved or not) matches over the last 30 days, by resource and service,
    and how it would be split per value with the shares the recalculation uses. Nothing is saved."""

    required_permissions = {"POST": VIEW}

    @extend_schema(operation_id="allocation_shared_costs_preview", request=SharedCostInputSerializer,
                   responses={200: SharedCostPreviewOutputSerializer, 400: BAD_INPUT})
    def post(self, request):
        data = SharedCostInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k not in ("order", "enabled")}
        preview = splits.shared_cost_preview(**values)
        return Response(SharedCostPreviewOutputSerializer(preview).data)


urlpatterns = [
    path("allocation/shared-costs/", SharedCostListApi.as_view(), name="api_shared_costs"),
    path("allocation/shared-costs/preview/", SharedCostPreviewApi.as_view(), name="api_shared_cost_preview"),
    path("allocation/shared-costs/<int:pk>/", SharedCostDetailApi.as_view(), name="api_shared_cost_detail"),
]
