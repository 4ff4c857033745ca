from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField

from .models import BillingImport, CostType


class BillingImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    skip_invalid = serializers.BooleanField(default=False)
    cost_type = serializers.ChoiceField(choices=CostType.choices, default=CostType.ACTUAL,
                                        help_text="actual | amortized: what a native export's cost column holds "
                                                  "when its layout does not say (Azure cost details)")
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
    format = serializers.CharField(read_only=True, help_text=(
        "focus_csv | focus_parquet | yandex_csv | aws_cur | aws_cur2 | azure_ea | azure_mca | gcp_billing | oci_cost | "
        "vkcloud_detail"))
    percent = serializers.IntegerField(read_only=True)
    is_finished = serializers.BooleanField(read_only=True)

    class Meta:
        model = BillingImport
        fields = ["id", "file_name", "file_size", "format", "focus_version", "status", "percent", "is_finished",
                  "skip_invalid", "cost_type", "connection", "rows_total", "rows_done", "rows_imported", "rows_skipped",
                  "rows_replaced", "report_total", "error_code", "error", "period_start", "period_end",
                  "created_at", "started_at", "finished_at"]


class ColumnTargetSerializer(serializers.Serializer):
    column = serializers.CharField(help_text="the native export's column")
    target = serializers.CharField(help_text="the FOCUS column(s) it lands in, or the extra key it is kept under")


class DroppedColumnSerializer(serializers.Serializer):
    column = serializers.CharField()


class ColumnMappingSerializer(serializers.Serializer):
    mapped = ColumnTargetSerializer(many=True)
    extras = ColumnTargetSerializer(many=True)
    dropped = DroppedColumnSerializer(many=True, help_text="native columns not imported")


class BillingImportDetailSerializer(BillingImportListSerializer):
    columns = ColumnMappingSerializer(source="column_mapping", read_only=True, help_text=(
        "a native export's columns: which were mapped to FOCUS and which were kept as extras (empty lists for a "
        "FOCUS file)"))

    class Meta(BillingImportListSerializer.Meta):
        fields = BillingImportListSerializer.Meta.fields + ["report", "report_truncated", "normalizations",
                                                            "warnings", "columns"]


@extend_schema_field({"type": "string", "format": "decimal"})
class AmountField(serializers.Field):
    """An exact decimal string with at least two places: ``Decimal('19.6150000000')`` -> ``"19.615"``."""

    places: int | None = None

    def __init__(self, *, places: int | None = None, **kwargs):
        if places is not None:
            self.places = places
        super().__init__(read_only=False, **kwargs)

    def get_attribute(self, instance):
        # An optional amount absent from the view stays absent, even when it may be null where present.
        if not self.required and isinstance(instance, Mapping) and self.source not in instance:
            raise SkipField
        return super().get_attribute(instance)

    def to_representation(self, value: Decimal) -> str:
        if self.places is not None:
            value = round(value, self.places)
        text = format(value.normalize() if value else Decimal(0), "f")
        whole, _dot, frac = text.partition(".")
        return f"{whole}.{frac.ljust(2, '0')}"


class CurrencyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    total = AmountField()


class SummaryGroupSerializer(serializers.Serializer):
    key = serializers.CharField(allow_blank=True)
    label = serializers.CharField(required=False, help_text=(
        "with group_by=alloc:<dimension key>: the value, or «Не распределено» for the unallocated group (key \"\")"))
    currency = serializers.CharField()
    total = AmountField()


class RateWarningSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="exchange_rate_missing")
    currency = serializers.CharField(help_text="the currency without an exchange rate")
    date = serializers.DateField(help_text="the first charge date without a rate")
    dates = serializers.ListField(child=serializers.DateField(), help_text="every charge date without a rate")
    message = serializers.CharField()


class SummaryOutputSerializer(serializers.Serializer):
    currency = serializers.CharField(allow_null=True, help_text="null when several billing currencies are shown")
    total = AmountField(allow_null=True, help_text="in the organization's currency: the sum of the converted "
                                                   "groups only")
    groups = SummaryGroupSerializer(many=True, help_text="a group without an exchange rate stays in its billing "
                                                         "currency (its own entry, with that currency)")
    totals = CurrencyTotalSerializer(many=True, help_text="the total per currency")
    warnings = RateWarningSerializer(many=True, help_text="the currencies and charge dates without an exchange "
                                                          "rate (their amounts are not in total)")


class UtilizationSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="cpu, memory, storage or network")
    label = serializers.CharField()
    unit = serializers.CharField(help_text="the unit of used and total (vCPU, GB, Mbit/s)")
    used = AmountField(allow_null=True, help_text="null when only a share is known")
    total = AmountField(allow_null=True, help_text="null when the resource's specs give no total")
    percent = AmountField(places=2, allow_null=True, help_text="null when no total is known")
    tier = serializers.CharField(allow_blank=True)


class TimeseriesGroupSerializer(serializers.Serializer):
    key = serializers.CharField(allow_blank=True)
    label = serializers.CharField()
    currency = serializers.CharField()
    total = AmountField()
    previous = AmountField(required=False, help_text="with compare")
    comparable = serializers.BooleanField(
        required=False, help_text="with compare: the comparison rule (see previous.comparable) holds for the whole "
                                  "view and for this group's own days with cost data")
    delta = AmountField(required=False, allow_null=True,
                        help_text="with compare; null when the group cannot be compared (comparable)")
    delta_pct = AmountField(places=2, required=False, allow_null=True,
                            help_text="with compare; null when the previous period had no cost or cannot be compared")
    utilization = UtilizationSerializer(many=True, required=False,
                                        help_text="grouped by resource: the inventory's utilization values")


class TimeseriesSeriesSerializer(serializers.Serializer):
    key = serializers.CharField(allow_blank=True, help_text='a group key, or "__other__" for the rest')
    label = serializers.CharField()
    currency = serializers.CharField()
    total = AmountField()
    values = serializers.ListField(child=AmountField(), help_text="one amount per period")


class TimeseriesPreviousSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    total = AmountField(allow_null=True)
    delta = AmountField(allow_null=True, help_text="null when not comparable")
    delta_pct = AmountField(places=2, allow_null=True, help_text="null when not comparable or the previous total is 0")
    comparable = serializers.BooleanField(
        help_text="whether the change is meaningful: the previous period has cost data on at least 90 % of the "
                  "days the current one has (the dashboard applies the same rule)")
    days = serializers.IntegerField(help_text="the length of each period in days")
    days_with_data = serializers.IntegerField(help_text="days of the previous period with cost data")
    current_days_with_data = serializers.IntegerField(help_text="days of the current period with cost data")


class TimeseriesOutputSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    granularity = serializers.CharField()
    group_by = serializers.CharField()
    metric = serializers.CharField()
    currency = serializers.CharField(allow_null=True, help_text="null when several billing currencies are shown")
    total = AmountField(allow_null=True)
    totals = CurrencyTotalSerializer(many=True)
    periods = serializers.ListField(child=serializers.DateField(), help_text="the first day of each bucket")
    series = TimeseriesSeriesSerializer(many=True, help_text="the top groups, then the rest per currency")
    groups = TimeseriesGroupSerializer(many=True)
    previous = TimeseriesPreviousSerializer(required=False, help_text="with compare: the period just before")
    warnings = RateWarningSerializer(many=True, help_text="the currencies and charge dates (of both periods) "
                                                          "without an exchange rate: those groups stay in their "
                                                          "billing currency and are not in total")
