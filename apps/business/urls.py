"""Pages of the business context («Бизнес-контекст»)."""

from . import views, views_metrics, views_splits

urlpatterns = [
    *views.urlpatterns,
    *views_splits.urlpatterns,
    *views_metrics.urlpatterns,
]
