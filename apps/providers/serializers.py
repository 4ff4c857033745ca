from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.serializers import OutputModelSerializer

from . import registry
from .models import ProviderConnection, SyncInterval, SyncRun


@extend_schema_field({"type": "string", "enum": list(registry.PROVIDER_KEYS)})
class ProviderKeyField(serializers.CharField):
    """A provider's key: documented as the registry's keys (any other is refused with «Unknown provider.»)."""


class ConnectionCreateSerializer(serializers.Serializer):
    provider = ProviderKeyField(max_length=32)
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
    provider = ProviderKeyField(max_length=32)
    credentials = serializers.DictField(write_only=True)
    endpoint = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    validate_provider = ConnectionCreateSerializer.validate_provider


class ServiceLimitSerializer(serializers.Serializer):
    used = serializers.CharField(allow_null=True)
    limit = serializers.CharField(allow_null=True)
    unit = serializers.CharField(allow_blank=True)


class AccountInfoSerializer(serializers.Serializer):
    """What the provider reports about the account (``AccountInfo``); money as decimal strings."""

    account_id = serializers.CharField(allow_blank=True)
    currency = serializers.CharField()
    plan_name = serializers.CharField(allow_blank=True)
    status = serializers.CharField(allow_blank=True)
    balance = serializers.CharField(allow_null=True)
    daily_rate = serializers.CharField(allow_null=True)
    monthly_rate = serializers.CharField(allow_null=True)
    yearly_rate = serializers.CharField(allow_null=True)
    is_yearly_plan = serializers.BooleanField(allow_null=True)
    days_to_block = serializers.IntegerField(allow_null=True)
    limits = serializers.DictField(child=ServiceLimitSerializer())
    server = serializers.DictField()
    software = serializers.DictField(child=serializers.CharField())


class ConnectionTestOutputSerializer(serializers.Serializer):
    """A connection (or credentials) check that succeeded; a failed one answers the error shape."""

    ok = serializers.BooleanField()
    account_info = AccountInfoSerializer()


# A connection's stored account information: what the last check or sync reported, {} before the first one.
STORED_ACCOUNT_INFO_SCHEMA = {
    "oneOf": [
        {"$ref": "#/components/schemas/AccountInfo"},
        {"type": "object", "maxProperties": 0, "description": "Not checked yet."},
    ],
}


class ConnectionOutputSerializer(OutputModelSerializer):
    """Never the credentials: only which of the provider's fields are filled in."""

    provider_label = serializers.CharField(source="get_provider_display", read_only=True)
    account_info = serializers.SerializerMethodField()
    credential_fields_set = serializers.SerializerMethodField()

    class Meta:
        model = ProviderConnection
        fields = (
            "id", "provider", "provider_label", "name", "endpoint", "sync_interval_minutes", "auto_sync", "status",
            "last_tested_at", "last_sync_at", "last_error_code", "last_error", "account_info",
            "credential_fields_set", "created_at", "updated_at",
        )

    @extend_schema_field(STORED_ACCOUNT_INFO_SCHEMA)
    def get_account_info(self, obj: ProviderConnection) -> dict:
        return obj.account_info or {}

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
    credential_groups = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Alternative credentials: at least one whole group (every field of it) must be filled in.")
    credential_requires = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Fields that need others: when a key field is filled in, every field it names must be too.")
    capabilities = serializers.SerializerMethodField()

    def get_capabilities(self, obj) -> list[str]:
        return sorted(obj.capabilities)


class SyncRunErrorSerializer(serializers.Serializer):
    endpoint = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class SyncRunOutputSerializer(OutputModelSerializer):
    """A sync run with its progress, counts, totals (decimal strings) and errors (never secrets)."""

    errors = SyncRunErrorSerializer(many=True, read_only=True)
    total_resources_by_type = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    total_resources_by_status = serializers.DictField(child=serializers.IntegerField(), read_only=True)
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
