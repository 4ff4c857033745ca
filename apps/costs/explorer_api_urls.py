from django.urls import path

from . import explorer_api

urlpatterns = [
    path("costs/summary/", explorer_api.CostSummaryApi.as_view(), name="api_costs_summary"),
    path("costs/timeseries/", explorer_api.CostTimeseriesApi.as_view(), name="api_costs_timeseries"),
    path("costs/export/<str:fmt>/", explorer_api.CostExportApi.as_view(), name="api_costs_export"),
]
