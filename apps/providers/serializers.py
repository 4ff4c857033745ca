from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import registry
from .models import ProviderConnection, SyncInterval, SyncRun


class ConnectionCreateSerializer(serializers.Serializer):
    provider = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=120)
    credentials = serializers.DictField(write_only=True)
    endpoint = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    sync_interval_minutes = serializers.ChoiceField(choices=SyncInterval.choices, required=False)
    auto_sync = serializers.BooleanField(required=False, default=True)

    def validate_provider(self, value: str) -> str:
        if value not in registry.PROVIDERS:
            raise serializers.ValidationError(_("Unknown provider."))
        return value


class ConnectionUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    credentials = serializers.DictField(write_only=True, required=False)
    endpoint = serializers.CharField(max_length=300, required=False, allow_blank=True)
    sync_interval_minutes = serializers.ChoiceField(choices=SyncInterval.choices, required=False)
    auto_sync = serializers.BooleanField(required=False)


class CredentialsTestSerializer(serializers.Serializer):
    provider = serializers.CharField(max_length=32)
    credentials = serializers.DictField(write_only=True)
    endpoint = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    validate_provider = ConnectionCreateSerializer.validate_provider


class ConnectionOutputSerializer(serializers.ModelSerializer):
    """Never the credentials: only which of the provider's fields are filled in."""

    provider_label = serializers.CharField(source="get_provider_display", read_only=True)
    credential_fields_set = serializers.SerializerMethodField()

    class Meta:
        model = ProviderConnection
        fields = (
            "id", "provider", "provider_label", "name", "endpoint", "sync_interval_minutes", "auto_sync", "status",
            "last_tested_at", "last_sync_at", "last_error_code", "last_error", "account_info",
            "credential_fields_set", "created_at", "updated_at",
        )

    def get_credential_fields_set(self, obj: ProviderConnection) -> list[str]:
        return sorted(k for k, v in (obj.credentials or {}).items() if v)


class CredentialFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    secret = serializers.BooleanField()
    required = serializers.BooleanField()
    help_text = serializers.CharField()
    widget = serializers.CharField()


class ProviderSpecSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    icon = serializers.CharField()
    credential_fields = CredentialFieldSerializer(many=True)
    capabilities = serializers.SerializerMethodField()

    def get_capabilities(self, obj) -> list[str]:
        return sorted(obj.capabilities)


class AccountInfoSerializer(serializers.Serializer):
    """``AccountInfo.as_json()`` as returned by a connection test."""

    account_id = serializers.CharField()
    currency = serializers.CharField()
    plan_name = serializers.CharField()
    balance = serializers.CharField(allow_null=True)
    daily_rate = serializers.CharField(allow_null=True)
    monthly_rate = serializers.CharField(allow_null=True)
    days_to_block = serializers.IntegerField(allow_null=True)


class SyncRunErrorSerializer(serializers.Serializer):
    endpoint = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class SyncRunOutputSerializer(serializers.ModelSerializer):
    """A sync run with its progress, counts, totals (decimal strings) and errors (never secrets)."""

    errors = SyncRunErrorSerializer(many=True, read_only=True)
    connection_name = serializers.CharField(source="connection.name", read_only=True)
    provider = serializers.CharField(source="connection.provider", read_only=True)
    total_daily_cost = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    total_monthly_cost = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = SyncRun
        fields = (
            "id", "connection", "connection_name", "provider", "trigger", "status", "phase", "current_endpoint",
            "created_at", "started_at", "finished_at", "duration_seconds", "endpoints_total", "endpoints_ok",
            "endpoints_failed", "resources_found", "resources_created", "resources_updated", "resources_deleted",
            "resources_unchanged", "metric_points", "cost_records", "total_daily_cost", "total_monthly_cost",
            "currency", "total_resources_by_type", "total_resources_by_status", "error_message", "errors",
        )
        read_only_fields = fields
