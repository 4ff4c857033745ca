"""Reports API shapes: a saved report (the explorer's query as an object) and a generated file of the archive."""

from __future__ import annotations

from rest_framework import serializers

from apps.common.serializers import OutputModelSerializer

from .models import Report, ReportExport
from .vocabulary import ChartType, Output

QUERY_HELP = ("The explorer's parameters: period (7d, 30d, 90d, 365d, this_month, last_month or custom), start and "
              "end (YYYY-MM-DD), group_by (a dimension, tag:<key> or alloc:<dimension key>), metric (billed or "
              "effective), currency (org or billing), granularity (day, week or month), filters per dimension "
              "(a list of values), tag (a list of key:value or key), alloc:<key> (a list of values; \"\" = "
              "unallocated). Checked like the explorer's query string: a bad one is a 400 with the parameter.")


class ReportInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    query = serializers.JSONField(default=dict, help_text=QUERY_HELP)
    chart = serializers.ChoiceField(choices=ChartType.choices, default=ChartType.BAR)


class ReportUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    query = serializers.JSONField(required=False, help_text=QUERY_HELP)
    chart = serializers.ChoiceField(choices=ChartType.choices, required=False)


class ReportOutputSerializer(OutputModelSerializer):
    query = serializers.JSONField(read_only=True, help_text=QUERY_HELP)

    class Meta:
        model = Report
        fields = ["id", "name", "description", "query", "chart", "created_at", "updated_at"]


class RunInputSerializer(serializers.Serializer):
    output = serializers.ChoiceField(choices=Output.choices)


class ExportOutputSerializer(OutputModelSerializer):
    params = serializers.JSONField(read_only=True)

    class Meta:
        model = ReportExport
        fields = ["id", "kind", "report", "title", "output", "params", "status", "progress", "error", "filename",
                  "size", "created_by_id", "created_at", "finished_at"]


class RunOutputSerializer(serializers.Serializer):
    export = ExportOutputSerializer()
