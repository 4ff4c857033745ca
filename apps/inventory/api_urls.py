from django.urls import path

from . import api

urlpatterns = [
    path("resources/", api.ResourceListApi.as_view(), name="api_resources"),
    path("resources/summary/", api.ResourceSummaryApi.as_view(), name="api_resource_summary"),
    path("resources/<int:pk>/", api.ResourceDetailApi.as_view(), name="api_resource_detail"),
    path("resources/<int:pk>/metrics/", api.ResourceMetricsApi.as_view(), name="api_resource_metrics"),
]
