"""Report schedules API: ``/api/v1/report-schedules/`` CRUD and ``POST .../{id}/send/`` (202: the delivery is
queued in the background). Reading needs ``reports.view``, changing and sending ``reports.manage``.

``kind`` ``report`` (with ``report``, the saved report's id; ``output`` csv|xlsx) or ``brief`` (the CFO brief of the
last full month; ``output`` pdf|xlsx). ``channels``: ids of the organization's notification channels; empty = the
organization's channels subscribed to scheduled reports. Times are in the organization's time zone."""

from __future__ import annotations

from django.db import connection
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.errors import ApplicationError, ErrorCode
from apps.common.serializers import ErrorResponseSerializer
from apps.common.tasks import enqueue_in_tenant

from . import schedules as services
from .models import ReportSchedule
from .vocabulary import ExportKind, Frequency, Output

VIEW = "reports.view"
MANAGE = "reports.manage"
BAD_INPUT = OpenApiResponse(ErrorResponseSerializer, description="Invalid input.")


class ScheduleOutputSerializer(serializers.ModelSerializer):
    channels = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    report_name = serializers.SerializerMethodField()

    class Meta:
        model = ReportSchedule
        fields = ("id", "kind", "report", "report_name", "frequency", "weekday", "day", "hour", "output",
                  "channels", "enabled", "next_run_at", "last_run_at", "created_at")
        read_only_fields = fields

    def get_report_name(self, obj) -> str:
        return obj.report.name if obj.report_id else ""


class ScheduleInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportKind.choices, required=False, default=ExportKind.REPORT)
    report = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    frequency = serializers.ChoiceField(choices=Frequency.choices, required=False, default=Frequency.MONTHLY)
    weekday = serializers.IntegerField(required=False, default=0, min_value=0, max_value=6)
    day = serializers.IntegerField(required=False, default=1, min_value=1, max_value=31)
    hour = serializers.IntegerField(required=False, default=9, min_value=0, max_value=23)
    output = serializers.ChoiceField(choices=Output.choices, required=False, default=Output.XLSX)
    channels = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
                                     required=False, default=list, max_length=100)
    enabled = serializers.BooleanField(required=False, default=True)


class ScheduleUpdateSerializer(ScheduleInputSerializer):
    """Any of the fields; what is left out stays."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
            field.default = serializers.empty
        return fields


class ScheduleSendSerializer(serializers.Serializer):
    queued = serializers.BooleanField()


def _schedule(pk: int) -> ReportSchedule:
    schedule = ReportSchedule.objects.select_related("report").filter(pk=pk).first()
    if schedule is None:
        raise Http404
    return schedule


class ScheduleListApi(APIView):
    """Report schedules; ``POST`` adds one."""

    required_permissions = {"GET": VIEW, "POST": MANAGE}

    @extend_schema(operation_id="report_schedules_list", responses={200: ScheduleOutputSerializer(many=True)})
    def get(self, request):
        rows = ReportSchedule.objects.select_related("report").prefetch_related("channels").order_by("pk")
        return Response(ScheduleOutputSerializer(rows, many=True).data)

    @extend_schema(operation_id="report_schedules_create", request=ScheduleInputSerializer,
                   responses={201: ScheduleOutputSerializer, 400: BAD_INPUT})
    def post(self, request):
        data = ScheduleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        schedule = services.schedule_create(actor=request.user, **data.validated_data)
        return Response(ScheduleOutputSerializer(schedule).data, status=status.HTTP_201_CREATED)


class ScheduleDetailApi(APIView):
    required_permissions = {"GET": VIEW, "PUT": MANAGE, "PATCH": MANAGE, "DELETE": MANAGE}

    @extend_schema(operation_id="report_schedules_retrieve", responses={200: ScheduleOutputSerializer})
    def get(self, request, pk: int):
        return Response(ScheduleOutputSerializer(_schedule(pk)).data)

    @extend_schema(operation_id="report_schedules_update", request=ScheduleUpdateSerializer,
                   responses={200: ScheduleOutputSerializer, 400: BAD_INPUT})
    def put(self, request, pk: int):
        return self._update(request, pk)

    @extend_schema(operation_id="report_schedules_partial_update", request=ScheduleUpdateSerializer,
                   responses={200: ScheduleOutputSerializer, 400: BAD_INPUT})
    def patch(self, request, pk: int):
        return self._update(request, pk)

    def _update(self, request, pk: int):
        schedule = _schedule(pk)
        data = ScheduleUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        schedule = services.schedule_update(schedule=schedule, actor=request.user, **data.validated_data)
        return Response(ScheduleOutputSerializer(schedule).data)

    @extend_schema(operation_id="report_schedules_destroy", responses={204: None})
    def delete(self, request, pk: int):
        services.schedule_delete(schedule=_schedule(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScheduleSendApi(APIView):
    """«Send now»: generate and deliver the schedule's file in the background (its next slot stays)."""

    required_permissions = {"POST": MANAGE}

    @extend_schema(operation_id="report_schedules_send", request=None,
                   responses={202: ScheduleSendSerializer, 400: BAD_INPUT})
    def post(self, request, pk: int):
        schedule = _schedule(pk)
        if schedule.kind == ExportKind.REPORT and schedule.report_id is None:
            raise ApplicationError(_("Choose the report to deliver."), ErrorCode.INVALID)
        enqueue_in_tenant(connection.schema_name, "apps.reports.tasks_schedules.schedule_send_task", schedule.pk)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)
