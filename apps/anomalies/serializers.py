"""The anomalies API's shapes. Money is a decimal string in the organization's currency."""

from __future__ import annotations

from rest_framework import serializers

from apps.common.serializers import OutputModelSerializer

from .models import Anomaly
from .vocabulary import Kind, ScopeType, Status


class ScopeSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ScopeType.choices, source="scope_type")
    key = serializers.CharField(source="scope_key")
    label = serializers.CharField(source="scope_label")


class ContributorSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField(allow_blank=True)
    service = serializers.CharField(allow_blank=True)
    actual = serializers.DecimalField(max_digits=16, decimal_places=2)
    expected = serializers.DecimalField(max_digits=16, decimal_places=2)
    increase = serializers.DecimalField(max_digits=16, decimal_places=2)


class AnomalyOutputSerializer(OutputModelSerializer):
    """One anomaly: its scope, its days (``first_date`` .. ``date``), the expected and actual spend summed over
    them, the impact (actual - expected), its kind, the user's verdict and the resources behind the increase."""

    scope = ScopeSerializer(source="*", read_only=True)
    kind = serializers.ChoiceField(choices=Kind.choices, read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    contributors = ContributorSerializer(many=True, read_only=True)

    class Meta:
        model = Anomaly
        fields = ("id", "date", "first_date", "scope", "expected", "actual", "impact", "currency", "kind", "status",
                  "contributors", "feedback_at")
