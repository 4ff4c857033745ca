"""``/api/v1/`` route of the CFO brief (included before any ``reports/<id>/`` route)."""

from . import api_brief

urlpatterns = [*api_brief.urlpatterns]
