from django.urls import path

from . import api

# Integer ids only: ``reports/brief/`` belongs to the CFO brief.
urlpatterns = [
    path("reports/", api.ReportListApi.as_view(), name="api_reports"),
    path("reports/<int:pk>/", api.ReportDetailApi.as_view(), name="api_report_detail"),
    path("reports/<int:pk>/run/", api.ReportRunApi.as_view(), name="api_report_run"),
    path("reports/<int:pk>/exports/", api.ReportExportsApi.as_view(), name="api_report_exports"),
    path("reports/exports/<int:pk>/", api.ExportDetailApi.as_view(), name="api_report_export"),
    path("reports/exports/<int:pk>/download/", api.ExportDownloadApi.as_view(), name="api_report_export_download"),
]
