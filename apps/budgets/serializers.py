"""Forecast and runway API shapes: money as decimal strings in the organization's currency."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from .forecasting import METHOD_ETS, METHOD_NONE, METHOD_RUN_RATE
from .selectors import PERIODS
from .vocabulary import alloc_dimension_key

MONEY = {"max_digits": 20, "decimal_places": 2, "allow_null": True}
MAX_MONTHS = 12


class ForecastQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PERIODS, default="month")
    months = serializers.IntegerField(min_value=1, max_value=MAX_MONTHS, default=3)
    provider = serializers.CharField(required=False, max_length=255)
    connection = serializers.IntegerField(required=False, min_value=1)
    service = serializers.CharField(required=False, max_length=255)
    region = serializers.CharField(required=False, max_length=100)
    tag = serializers.CharField(required=False, max_length=1000)

    def validate_tag(self, value: str) -> dict[str, str | None]:
        key, sep, tag_value = value.partition(":")
        if not key.strip():
            raise serializers.ValidationError(_("A tag is key:value or key."))
        return {"key": key.strip(), "value": tag_value.strip() if sep else None}

    def validate(self, attrs):
        # ``alloc:<dimension key>=<value>`` (a value of an allocation dimension; empty = the unallocated cost): names
        # no field can declare.
        found = {name: str(self.initial_data.get(name) or "").strip() for name in self.initial_data
                 if alloc_dimension_key(str(name)) is not None}
        if found:
            from apps.allocation.selectors import dimension_keys

            known = set(dimension_keys())
            unknown = {name: [_("Unknown allocation dimension.")] for name in found
                       if alloc_dimension_key(name) not in known}
            if unknown:
                raise serializers.ValidationError(unknown)
        attrs["alloc"] = found
        return attrs

    def scope(self) -> dict:
        data = self.validated_data
        scope = {key: data[key] for key in ("provider", "connection", "service", "region", "tag") if key in data}
        scope.update(data.get("alloc") or {})
        return scope


class ForecastDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    actual = serializers.DecimalField(**MONEY, help_text="Spend of a past day (null for a forecast day).")
    forecast = serializers.DecimalField(**MONEY, help_text="Forecast spend of a coming day (null for a past day).")
    lower = serializers.DecimalField(**MONEY)
    upper = serializers.DecimalField(**MONEY)


class ForecastMonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the month.")
    forecast = serializers.DecimalField(**MONEY)
    lower = serializers.DecimalField(**MONEY)
    upper = serializers.DecimalField(**MONEY)


class ForecastOutputSerializer(serializers.Serializer):
    currency = serializers.CharField()
    actual_to_date = serializers.DecimalField(**MONEY, help_text="Spend of the period up to the last complete day.")
    forecast = serializers.DecimalField(**MONEY, help_text="The period's expected total (actual + forecast).")
    lower = serializers.DecimalField(**MONEY, help_text="The 80 % band's lower edge of the period's total.")
    upper = serializers.DecimalField(**MONEY, help_text="The 80 % band's upper edge of the period's total.")
    method = serializers.ChoiceField(choices=(METHOD_ETS, METHOD_RUN_RATE, METHOD_NONE),
                                     help_text="ets, run_rate (short history) or none (no costs in the scope).")
    message = serializers.CharField(help_text="Which method was used and why, in the request's language.")
    series = ForecastDaySerializer(many=True)
    months = ForecastMonthSerializer(many=True)


class ConnectionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    provider = serializers.CharField()


class RunwayOutputSerializer(serializers.Serializer):
    connection = ConnectionRefSerializer()
    balance = serializers.DecimalField(max_digits=20, decimal_places=2)
    currency = serializers.CharField()
    daily_spend = serializers.DecimalField(**MONEY, help_text="Forecast spend a day (null: unknown).")
    days_left = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True,
                                         help_text="Days the balance lasts (null: it does not run out).")
    date = serializers.DateField(allow_null=True, help_text="The day the balance runs out (Moscow time).")
    source = serializers.ChoiceField(choices=("forecast", "provider_rate", "provider_days", "none"),
                                     help_text="Where the daily spend comes from.")


def forecast_payload(*, currency: str, forecast) -> dict:
    return {"currency": currency, "actual_to_date": forecast.actual_to_date, "forecast": forecast.forecast,
            "lower": forecast.lower, "upper": forecast.upper, "method": forecast.method, "message": forecast.reason,
            "series": forecast.series, "months": forecast.months}


# --- budgets ------------------------------------------------------------------------------------------------------

class BudgetTagSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=255)
    value = serializers.CharField(max_length=1000, allow_null=True, required=False,
                                  help_text="Null or omitted: any value of the key.")


class BudgetScopeSerializer(serializers.Serializer):
    provider = serializers.CharField(required=False, max_length=255)
    connection = serializers.IntegerField(required=False, min_value=1)
    service = serializers.CharField(required=False, max_length=255)
    region = serializers.CharField(required=False, max_length=255)
    tag = BudgetTagSerializer(required=False)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # ``alloc:<dimension key>``: the organization's allocation dimensions, not known to the class.
        for key, value in (instance or {}).items():
            if alloc_dimension_key(str(key)) is not None and value not in (None, ""):
                data[key] = value
        return data


# FOCUS 1.3 split cost allocation dimensions: field names a class body cannot spell.
for _key in ("alloc:allocation_method", "alloc:allocated_resource"):
    BudgetScopeSerializer._declared_fields[_key] = serializers.CharField(required=False, max_length=255)


class BudgetInputSerializer(serializers.Serializer):
    """The shape only (the service validates the values, in Russian)."""

    name = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(max_digits=17, decimal_places=2,
                                      help_text="Greater than zero, in the organization's currency.")
    period = serializers.ChoiceField(choices=("month", "quarter", "year"), default="month")
    scope = serializers.JSONField(required=False, default=dict,
                                  help_text="{} or omitted: the whole organization; keys provider, connection, "
                                            "service, region, tag {key, value}, alloc:allocation_method, "
                                            "alloc:allocated_resource, and alloc:<dimension key> (e.g. "
                                            "alloc:business_unit) with a value of an allocation dimension of "
                                            "the organization; an unknown dimension is a 400.")
    thresholds = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=1000), required=False,
                                       help_text="Percents of actual spend (default [50, 80, 100]).")
    forecast_thresholds = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=1000),
                                                required=False,
                                                help_text="Percents of the period-end forecast (default [100]).")
    channels = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                     help_text="Channel IDs; empty = every channel subscribed to budget alerts.")


class BudgetUpdateSerializer(BudgetInputSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields["period"].default = serializers.empty
        self.fields["scope"].default = serializers.empty


class BudgetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="budget.pk")
    name = serializers.CharField(source="budget.name")
    amount = serializers.DecimalField(source="budget.amount", max_digits=20, decimal_places=2)
    currency = serializers.CharField()
    period = serializers.CharField(source="budget.period")
    scope = BudgetScopeSerializer(source="budget.scope")
    thresholds = serializers.ListField(source="budget.thresholds", child=serializers.IntegerField())
    forecast_thresholds = serializers.ListField(source="budget.forecast_thresholds", child=serializers.IntegerField())
    channels = serializers.SerializerMethodField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    actual = serializers.DecimalField(max_digits=20, decimal_places=2,
                                      help_text="Spend of the current period so far (live at read time).")
    percent_used = serializers.DecimalField(max_digits=12, decimal_places=1, help_text="actual / amount, percent.")
    forecast = serializers.DecimalField(source="forecast.forecast", **MONEY,
                                        help_text="The period-end forecast (null: no costs in the scope).")
    forecast_lower = serializers.DecimalField(source="forecast.lower", **MONEY)
    forecast_upper = serializers.DecimalField(source="forecast.upper", **MONEY)
    forecast_method = serializers.CharField(source="forecast.method")
    created = serializers.DateTimeField(source="budget.created_at")

    def get_channels(self, status) -> list[int]:
        return sorted(c.pk for c in status.budget.channels.all())


class BudgetWriteOutputSerializer(BudgetOutputSerializer):
    warnings = serializers.ListField(child=serializers.CharField(),
                                     help_text="E.g. other budgets of the same period whose scope overlaps.")
