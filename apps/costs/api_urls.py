from django.urls import path

from . import api

urlpatterns = [
    path("costs/imports/", api.BillingImportListApi.as_view(), name="api_billing_imports"),
    path("costs/imports/<int:pk>/", api.BillingImportDetailApi.as_view(), name="api_billing_import_detail"),
    path("costs/summary/", api.CostSummaryApi.as_view(), name="api_costs_summary"),
    path("costs/timeseries/", api.CostTimeseriesApi.as_view(), name="api_costs_timeseries"),
    path("costs/focus-export/", api.CostFocusExportApi.as_view(), name="api_costs_focus_export"),
    path("costs/export/<str:fmt>/", api.CostExportApi.as_view(), name="api_costs_export"),
]
