from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import BillingImport


class BillingImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    skip_invalid = serializers.BooleanField(default=False)
    connection = serializers.IntegerField(required=False, allow_null=True)

    def validate_connection(self, value):
        if value is None:
            return None
        from apps.providers.selectors import connection_get

        try:
            return connection_get(connection_id=value)
        except Exception:  # noqa: BLE001 - any lookup failure is "no such connection" to the caller
            raise serializers.ValidationError(_("No such connection.")) from None


class BillingImportListSerializer(serializers.ModelSerializer):
    # Plain strings in the schema: "status" enums of other apps would collide in the OpenAPI names.
    status = serializers.CharField(read_only=True, help_text="queued | validating | importing | success | error")
    format = serializers.CharField(read_only=True, help_text="focus_csv | focus_parquet | yandex_csv")
    percent = serializers.IntegerField(read_only=True)
    is_finished = serializers.BooleanField(read_only=True)

    class Meta:
        model = BillingImport
        fields = ["id", "file_name", "file_size", "format", "focus_version", "status", "percent", "is_finished",
                  "skip_invalid", "connection", "rows_total", "rows_done", "rows_imported", "rows_skipped",
                  "rows_replaced", "report_total", "error_code", "error", "period_start", "period_end",
                  "created_at", "started_at", "finished_at"]


class BillingImportDetailSerializer(BillingImportListSerializer):
    class Meta(BillingImportListSerializer.Meta):
        fields = BillingImportListSerializer.Meta.fields + ["report", "report_truncated", "normalizations"]
