from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/run/", views.report_run, name="report_run"),
    path("reports/<int:pk>/delete/", views.report_delete, name="report_delete"),
    path("reports/files/", views.report_files, name="report_files"),
    path("reports/files/<int:pk>/", views.report_file_download, name="report_file_download"),
    path("reports/files/<int:pk>/status/", views.report_file_status, name="report_file_status"),
]
