from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import RateSource


class RatesQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="YYYY-MM-DD; today (Moscow time) when absent")


@extend_schema_field({"type": "string", "format": "decimal", "example": "89.2887"})
class RateField(serializers.Field):
    """Roubles per one unit as an exact decimal string, at least the Bank's four places (``"0.649412"``)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Decimal) -> str:
        text = format(value.normalize(), "f")
        whole, _dot, frac = text.partition(".")
        return f"{whole}.{frac.ljust(4, '0')}"


class DayRateSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="ISO 4217 code")
    rate = RateField(help_text="roubles per ONE unit of the currency")
    nominal = serializers.IntegerField(help_text="the number of units the Bank quotes the rate for (1, 10, 100...)")
    source = serializers.ChoiceField(choices=RateSource.choices, help_text="cbr: the Central Bank; manual: "
                                                                           "entered by hand")
    source_date = serializers.DateField(help_text="the date of that rate: the day itself or the last day before "
                                                  "it with a rate (weekends, holidays)")


class RatesOutputSerializer(serializers.Serializer):
    date = serializers.DateField()
    rates = DayRateSerializer(many=True, help_text="every currency with a rate on or before the date, by code")
