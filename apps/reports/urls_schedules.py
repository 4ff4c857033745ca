from django.urls import path

from . import views_schedules as views

urlpatterns = [
    path("reports/schedules/", views.report_schedules, name="report_schedules"),
    path("reports/schedules/new/", views.report_schedule_create, name="report_schedule_create"),
    path("reports/schedules/<int:pk>/", views.report_schedule_edit, name="report_schedule_edit"),
    path("reports/schedules/<int:pk>/<str:action>/", views.report_schedule_action, name="report_schedule_action"),
]
