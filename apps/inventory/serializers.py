from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.serializers import OutputModelSerializer

from .models import Resource, ResourceMetricSummary


class TagSerializer(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.CharField()


class ResourceOutputSerializer(OutputModelSerializer):
    """Money as decimal strings; ``tags`` as a list of ``{key, value}``."""

    tags = TagSerializer(many=True, read_only=True)
    connection_name = serializers.CharField(source="connection.name", read_only=True)

    class Meta:
        model = Resource
        fields = (
            "id", "connection", "connection_name", "provider", "resource_id", "resource_name", "resource_type", "kind",
            "service_name", "status", "provider_status", "region", "account_id", "project_id", "daily_cost",
            "monthly_cost", "currency", "original_price", "original_period", "cost_frequency", "pricing_model",
            "specs", "tags", "owner", "team", "business_unit", "project", "feature_tag", "environment", "cost_center",
            "purpose", "created_at_provider", "first_seen_at", "last_seen_at", "is_deleted", "deleted_at",
        )


class MetricSummarySerializer(OutputModelSerializer):
    class Meta:
        model = ResourceMetricSummary
        fields = ("metric", "period_start", "period_end", "points", "avg", "min", "max", "p95", "tier")


class ResourceStateSerializer(serializers.Serializer):
    """What one sync saw of the resource (a row of the sync engine's ``ResourceState``)."""

    id = serializers.IntegerField()
    sync_run = serializers.IntegerField(source="sync_run_id")
    sync_run_status = serializers.CharField(source="sync_run.status")
    synced_at = serializers.DateTimeField(source="sync_run.created_at")
    state = serializers.CharField()
    status = serializers.CharField(allow_blank=True)
    cost_changed = serializers.BooleanField()
    status_changed = serializers.BooleanField()
    config_changed = serializers.BooleanField()
    previous_daily_cost = serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True)
    current_daily_cost = serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True)
    previous_monthly_cost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    current_monthly_cost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    changes = serializers.JSONField()
    previous_state = serializers.JSONField(allow_null=True)
    current_state = serializers.JSONField(allow_null=True)


class ResourceDetailSerializer(ResourceOutputSerializer):
    """One resource with its provider configuration, metric summaries and change history (newest first, as
    handed in ``context["history"]``)."""

    metric_summaries = MetricSummarySerializer(many=True, read_only=True)
    history = serializers.SerializerMethodField()

    class Meta(ResourceOutputSerializer.Meta):
        fields = (*ResourceOutputSerializer.Meta.fields, "provider_config", "metric_summaries", "history")

    @extend_schema_field(ResourceStateSerializer(many=True))
    def get_history(self, obj) -> list[dict]:
        return ResourceStateSerializer(self.context.get("history", []), many=True).data


class ResourceSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    active = serializers.IntegerField()
    stopped = serializers.IntegerField()
    daily_cost = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="run-rate: what the matching resources cost per day at their "
        "current prices (not spend over a period: see costs/summary)")
    monthly_cost = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="run-rate per month (30 days) of the matching resources")
    currency = serializers.CharField()  # one currency code, or "mixed"


@extend_schema_field({
    "type": "array", "minItems": 2, "maxItems": 2,
    "items": {"type": "string"},
    "description": "[ISO 8601 timestamp, decimal string]",
})
class MetricPointField(serializers.Field):
    """One stored sample as ``[timestamp, "value"]``: compact for series of thousands of points."""

    def to_representation(self, value) -> list[str]:
        ts, amount = value
        return [ts.isoformat(), str(amount)]


class MetricSeriesSummarySerializer(OutputModelSerializer):
    class Meta:
        model = ResourceMetricSummary
        fields = ("avg", "min", "max", "p95", "tier", "points")


class MetricSeriesSerializer(serializers.Serializer):
    metric = serializers.CharField()
    points = serializers.ListField(child=MetricPointField())
    summary = MetricSeriesSummarySerializer(allow_null=True)


class ResourceMetricsOutputSerializer(serializers.Serializer):
    """Stored metric series of one resource, oldest point first, each with the summary of its whole window."""

    resource = serializers.IntegerField(source="resource.pk")
    metrics = MetricSeriesSerializer(many=True)
