"""Pages of the business context («Бизнес-контекст»)."""

from . import views, views_metrics, views_rules, views_splits, views_suggestions

urlpatterns = [
    *views.urlpatterns,
    *views_rules.urlpatterns,
    *views_suggestions.urlpatterns,
    *views_splits.urlpatterns,
    *views_metrics.urlpatterns,
]
