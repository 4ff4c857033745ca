from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import registry
from .models import ProviderConnection, SyncInterval


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
