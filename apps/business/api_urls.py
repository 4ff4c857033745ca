"""``/api/v1/`` routes of the business context (allocation, business metrics, unit costs)."""

from . import api, api_coverage, api_metrics, api_splits, api_suggestions

urlpatterns = [
    *api.urlpatterns,
    *api_suggestions.urlpatterns,
    *api_coverage.urlpatterns,
    *api_splits.urlpatterns,
    *api_metrics.urlpatterns,
]
