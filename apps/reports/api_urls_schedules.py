from django.urls import path

from . import api_schedules as api

urlpatterns = [
    path("report-schedules/", api.ScheduleListApi.as_view(), name="api_report_schedules"),
    path("report-schedules/<int:pk>/", api.ScheduleDetailApi.as_view(), name="api_report_schedule_detail"),
    path("report-schedules/<int:pk>/send/", api.ScheduleSendApi.as_view(), name="api_report_schedule_send"),
]
