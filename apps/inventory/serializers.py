from __future__ import annotations

from rest_framework import serializers

from .models import Resource, ResourceMetricSummary


class TagSerializer(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.CharField()


class ResourceOutputSerializer(serializers.ModelSerializer):
    """Money as decimal strings; ``tags`` as a list of ``{key, value}``."""

    tags = TagSerializer(many=True, read_only=True)
    connection_name = serializers.CharField(source="connection.name", read_only=True)

    class Meta:
        model = Resource
        fields = (
            "id", "connection", "connection_name", "provider", "resource_id", "resource_name", "resource_type",
            "service_name", "status", "provider_status", "region", "account_id", "project_id", "daily_cost",
            "monthly_cost", "currency", "original_price", "original_period", "cost_frequency", "pricing_model",
            "specs", "tags", "owner", "team", "business_unit", "project", "feature_tag", "environment", "cost_center",
            "purpose", "created_at_provider", "first_seen_at", "last_seen_at", "is_deleted", "deleted_at",
        )
        read_only_fields = fields


class MetricSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ResourceMetricSummary
        fields = ("metric", "period_start", "period_end", "points", "avg", "min", "max", "p95", "tier")
        read_only_fields = fields


class ResourceStateSerializer(serializers.ModelSerializer):
    sync_run_status = serializers.CharField(source="sync_run.status", read_only=True)
    synced_at = serializers.DateTimeField(source="sync_run.created_at", read_only=True)

    class Meta:
        model = Resource.states.rel.related_model  # providers.ResourceState: inventory does not import providers
        fields = (
            "id", "sync_run", "sync_run_status", "synced_at", "state", "status", "cost_changed", "status_changed",
            "config_changed", "previous_daily_cost", "current_daily_cost", "previous_monthly_cost",
            "current_monthly_cost", "changes", "previous_state", "current_state",
        )
        read_only_fields = fields


class ResourceDetailSerializer(ResourceOutputSerializer):
    """One resource with its provider configuration, metric summaries and change history."""

    metric_summaries = MetricSummarySerializer(many=True, read_only=True)
    history = serializers.SerializerMethodField()

    class Meta(ResourceOutputSerializer.Meta):
        fields = (*ResourceOutputSerializer.Meta.fields, "provider_config", "metric_summaries", "history")
        read_only_fields = fields

    def get_history(self, obj) -> list[dict]:
        return ResourceStateSerializer(self.context.get("history", []), many=True).data


class ResourceSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    active = serializers.IntegerField()
    stopped = serializers.IntegerField()
    daily_cost = serializers.DecimalField(max_digits=16, decimal_places=2)
    monthly_cost = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()


class MetricSeriesSerializer(serializers.Serializer):
    metric = serializers.CharField()
    points = serializers.ListField(child=serializers.ListField())
