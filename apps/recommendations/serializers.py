"""The recommendations API's shapes: findings, the summary, evaluation runs, rule settings, policies, and the
bodies of the lifecycle actions. Money is a decimal string in the organization's currency."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.serializers import OutputModelSerializer

from .models import EvaluationRun, Finding, Policy
from .vocabulary import Category, PolicyKind, Status

MONEY = {"max_digits": 16, "decimal_places": 2}


# A nullable reference documented inline (type object + nullable), not as allOf [$ref] + nullable, which strict
# OpenAPI 3.0 validators read as "must be an object".
RESOURCE_REF_SCHEMA = {"type": "object", "nullable": True, "required": ["id", "name"],
                       "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                       "description": "The finding's resource; null for an account-level finding (e.g. a balance)."}


@extend_schema_field(RESOURCE_REF_SCHEMA)
class ResourceRefField(serializers.Field):
    def to_representation(self, value):
        return {"id": value.pk, "name": value.resource_name}


class PolicyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FindingOutputSerializer(OutputModelSerializer):
    """A recommendation (or policy violation): what was found, the estimate with its formula and evidence, and
    where it is in its lifecycle. ``realized_monthly_savings`` stays null until measured from the ledger."""

    resource = ResourceRefField(allow_null=True, read_only=True)

    class Meta:
        model = Finding
        fields = (
            "id", "rule", "category", "status", "resource", "action", "title", "action_text",
            "estimated_monthly_savings", "currency", "formula", "confidence", "confidence_reason", "risk",
            "evidence", "realized_monthly_savings", "snoozed_until", "applied_on", "dismiss_reason",
            "first_seen_at", "last_seen_at", "status_changed_at",
        )


class ViolationOutputSerializer(FindingOutputSerializer):
    """A policy violation: a finding of category ``policy`` with the policy it breaks."""

    policy = PolicyRefSerializer(allow_null=True, read_only=True)

    class Meta(FindingOutputSerializer.Meta):
        fields = (*FindingOutputSerializer.Meta.fields, "policy")


def _counts_serializer(name: str, keys: list[str], field_factory) -> type[serializers.Serializer]:
    return type(name, (serializers.Serializer,), {key: field_factory() for key in keys})


CategoryCountsSerializer = _counts_serializer("CategoryCountsSerializer", Category.values, serializers.IntegerField)
StatusCountsSerializer = _counts_serializer("StatusCountsSerializer", Status.values, serializers.IntegerField)
CategorySavingsSerializer = _counts_serializer("CategorySavingsSerializer", Category.values,
                                               lambda: serializers.DecimalField(**MONEY))


class FindingsSummarySerializer(serializers.Serializer):
    potential_monthly_savings = serializers.DecimalField(
        **MONEY, help_text="Sum of the estimates of open and accepted findings (policy violations excluded).")
    realized_monthly_savings = serializers.DecimalField(
        **MONEY, allow_null=True, help_text="Sum measured over verified findings; null while none is verified.")
    currency = serializers.CharField()
    by_category = CategoryCountsSerializer(help_text="Findings in every status, by category.")
    by_status = StatusCountsSerializer()
    open_by_category = CategoryCountsSerializer(help_text="Open and accepted findings, by category.")
    potential_by_category = CategorySavingsSerializer(help_text="The potential savings, by category.")


class EvaluationErrorSerializer(serializers.Serializer):
    rule = serializers.CharField(allow_blank=True)
    code = serializers.CharField()
    message = serializers.CharField()


class EvaluationCountsSerializer(serializers.Serializer):
    resources = serializers.IntegerField(help_text="Resources evaluated.")
    findings_open = serializers.IntegerField(help_text="Open findings after the run.")
    findings_created = serializers.IntegerField()
    findings_updated = serializers.IntegerField()
    findings_closed = serializers.IntegerField()
    findings_verified = serializers.IntegerField()


class EvaluationRunSerializer(OutputModelSerializer):
    """An evaluation and its progress: ``rules_done`` of ``rules_total`` (the policies count as one), the counts
    when it finished, and the rules that failed (the others still ran)."""

    progress_percent = serializers.IntegerField(read_only=True)
    counts = serializers.SerializerMethodField()
    errors = EvaluationErrorSerializer(many=True, read_only=True)

    class Meta:
        model = EvaluationRun
        fields = ("id", "trigger", "connection", "status", "rules_done", "rules_total", "progress_percent",
                  "counts", "potential_monthly_savings", "errors", "created_at", "started_at", "finished_at")

    @extend_schema_field(EvaluationCountsSerializer)
    def get_counts(self, obj: EvaluationRun) -> dict:
        return EvaluationCountsSerializer(obj).data


class PlainDecimalField(serializers.Field):
    """A Decimal as a plain decimal string without trailing zeros (``"14"``, ``"0.5"``)."""

    def to_representation(self, value: Decimal) -> str:
        text = format(Decimal(value).normalize(), "f")
        return text


PlainDecimalField = extend_schema_field({"type": "string", "format": "decimal"})(PlainDecimalField)


class RuleParamSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    default = PlainDecimalField()
    value = PlainDecimalField(help_text="The organization's value (its override, else the default).")
    minimum = PlainDecimalField()
    maximum = PlainDecimalField()
    unit = serializers.CharField(allow_blank=True)
    integer = serializers.BooleanField(help_text="Only whole numbers are accepted.")


class RuleSettingOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices)
    enabled = serializers.BooleanField()
    params = RuleParamSerializer(many=True)


class RuleSettingsOutputSerializer(serializers.Serializer):
    rules = RuleSettingOutputSerializer(many=True)


class RuleSettingInputSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    params = serializers.DictField(child=serializers.CharField(max_length=100), required=False,
                                   help_text="Parameter key -> number (as a number or a string).")


class RuleSettingsInputSerializer(serializers.Serializer):
    rules = serializers.DictField(child=RuleSettingInputSerializer(),
                                  help_text="Rule key -> what to change; rules left out keep their settings.")


class DismissInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the finding is dismissed.")


class SnoozeInputSerializer(serializers.Serializer):
    until = serializers.DateField(help_text="YYYY-MM-DD, after today and within a year; the finding opens again "
                                            "on that date.")


class ApplyInputSerializer(serializers.Serializer):
    applied_on = serializers.DateField(required=False, allow_null=True,
                                       help_text="YYYY-MM-DD the change was made; today when absent.")


class PolicyOutputSerializer(OutputModelSerializer):
    class Meta:
        model = Policy
        fields = ("id", "name", "kind", "params", "scope", "enabled", "created_at", "updated_at")


POLICY_PARAMS_HELP = (
    "By kind: required_tags {\"tags\": [..], \"fields\": [..]}; max_monthly_cost {\"amount\": \"5000\"}; "
    "forbidden_regions {\"regions\": [..]}; forbidden_types {\"types\": [..], \"kinds\": [..]}; "
    "ttl {\"days\": 30, \"environments\": [..]}.")
POLICY_SCOPE_HELP = ("Which resources: {\"providers\": [..], \"connections\": [ids], \"kinds\": [..], "
                     "\"regions\": [..], \"environments\": [..], \"tags\": {key: value}}; empty = every resource.")


class PolicyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=PolicyKind.choices)
    params = serializers.JSONField(required=False, default=dict, help_text=POLICY_PARAMS_HELP)
    scope = serializers.JSONField(required=False, default=dict, help_text=POLICY_SCOPE_HELP)
    enabled = serializers.BooleanField(required=False, default=True)


class PolicyUpdateSerializer(serializers.Serializer):
    """Any of the fields; what is left out stays."""

    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=PolicyKind.choices, required=False)
    params = serializers.JSONField(required=False, help_text=POLICY_PARAMS_HELP)
    scope = serializers.JSONField(required=False, help_text=POLICY_SCOPE_HELP)
    enabled = serializers.BooleanField(required=False)
