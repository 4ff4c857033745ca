"""API shapes of the allocation dimensions, rules, preview, apply state and manual overrides. Conditions and
actions are checked by the services (the engine's messages, in the request's language); money is decimal
strings in the organization's currency."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.allocation.models import AllocationState, Dimension, ResourceOverride, Rule
from apps.allocation.selectors import dimension_label

MONEY = {"max_digits": 20, "decimal_places": 2}
MAX_ID = 2**63 - 1


# --- dimensions ---------------------------------------------------------------------------------------------------

class DimensionInputSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=200)
    values = serializers.ListField(child=serializers.CharField(max_length=200, allow_blank=True), required=False,
                                   max_length=500)
    required = serializers.BooleanField(required=False, default=False)


class DimensionUpdateSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=100, required=False)
    name = serializers.CharField(max_length=200, required=False)
    values = serializers.ListField(child=serializers.CharField(max_length=200, allow_blank=True), required=False,
                                   max_length=500, help_text="Replaces the list of values.")
    required = serializers.BooleanField(required=False)


class DimensionOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(help_text="Built-in dimensions' names in the request's language.")
    values = serializers.ListField(child=serializers.CharField())
    required = serializers.BooleanField(help_text="Counted by the overall coverage.")
    builtin = serializers.BooleanField()


def dimension_payload(dimension: Dimension) -> dict[str, Any]:
    return {"key": dimension.key, "name": dimension_label(dimension),
            "values": sorted(v.value for v in dimension.values.all()), "required": dimension.required,
            "builtin": dimension.builtin}


# --- rules --------------------------------------------------------------------------------------------------------

class ConditionSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="name, provider, connection, hierarchy, region, kind, type, service, "
                                            "sku or tag:<key>.")
    op = serializers.CharField(help_text="equals (without case), in (a list), regex (searched anywhere), exists.")
    value = serializers.JSONField(required=False, help_text="A text; a list of texts for «in»; none for «exists».")


class RuleInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=500)
    order = serializers.IntegerField(required=False, allow_null=True, min_value=-1_000_000, max_value=1_000_000)
    enabled = serializers.BooleanField(required=False, default=True)
    # Raw JSON: the engine checks each condition and says which one (and where in a regex) is wrong.
    conditions = serializers.JSONField(required=False, default=list)
    actions = serializers.JSONField(help_text='{"<dimension key>": "<value>"}; at least one.')


class RuleUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=500, required=False)
    order = serializers.IntegerField(required=False, min_value=-1_000_000, max_value=1_000_000)
    enabled = serializers.BooleanField(required=False)
    conditions = serializers.JSONField(required=False)
    actions = serializers.JSONField(required=False)


class RulePreviewInputSerializer(RuleInputSerializer):
    name = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    actions = serializers.JSONField(required=False, default=dict)
    id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID,
                                  help_text="The rule this body would replace.")
    delete = serializers.BooleanField(required=False, default=False, help_text="Preview deleting rule ``id``.")


class RuleOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rule
        fields = ("id", "name", "order", "enabled", "conditions", "actions", "source")


class ConflictSerializer(serializers.Serializer):
    rule = serializers.IntegerField(allow_null=True, help_text="The first rule by order: it wins.")
    rule_name = serializers.CharField()
    other = serializers.IntegerField(allow_null=True)
    other_name = serializers.CharField()
    dimension = serializers.CharField()
    value = serializers.CharField()
    other_value = serializers.CharField()
    resources = serializers.IntegerField(help_text="Resources both match (last 30 days).")
    cost = serializers.DecimalField(**MONEY)


class RuleListOutputSerializer(serializers.Serializer):
    results = RuleOutputSerializer(many=True)
    conflicts = ConflictSerializer(many=True)


class MoveSerializer(serializers.Serializer):
    resource_id = serializers.CharField(allow_blank=True)
    name = serializers.CharField(allow_blank=True)
    connection_id = serializers.IntegerField(allow_null=True)
    cost = serializers.DecimalField(**MONEY)
    to = serializers.DictField(child=serializers.CharField(allow_blank=True))

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DictField(child=serializers.CharField(allow_blank=True),
                                               help_text="Values before ('' = unallocated).")
        return fields


class DimensionMoveSerializer(serializers.Serializer):
    key = serializers.CharField()
    to = serializers.CharField(allow_blank=True)
    cost = serializers.DecimalField(**MONEY)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField(allow_blank=True)
        return fields


class PreviewOutputSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    currency = serializers.CharField()
    resources = MoveSerializer(many=True)
    moved_cost = serializers.DecimalField(**MONEY)
    moved_resources = serializers.IntegerField()
    by_dimension = DimensionMoveSerializer(many=True)
    conflicts = ConflictSerializer(many=True)


class StateOutputSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="idle, queued, running or failed.")
    version = serializers.IntegerField()
    applied_version = serializers.IntegerField()
    days_total = serializers.IntegerField()
    days_done = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)


def state_payload(state: AllocationState) -> dict[str, Any]:
    return {"status": state.status, "version": state.version, "applied_version": state.applied_version,
            "days_total": state.days_total, "days_done": state.days_done, "error": state.error}


# --- overrides ----------------------------------------------------------------------------------------------------

class OverrideInputSerializer(serializers.Serializer):
    connection = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID,
                                          help_text="The connection's id; null: the resource id in any connection.")
    resource_id = serializers.CharField(max_length=2000)
    values = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=200))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class OverrideUpdateSerializer(serializers.Serializer):
    values = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=200), required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class OverrideOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    connection = serializers.IntegerField(source="connection_id", allow_null=True)
    resource_id = serializers.CharField()
    values = serializers.DictField(child=serializers.CharField())
    note = serializers.CharField(allow_blank=True)


def override_payload(override: ResourceOverride) -> dict[str, Any]:
    return dict(OverrideOutputSerializer(override).data)
