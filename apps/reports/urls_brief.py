"""Page of the CFO brief."""

from . import views_brief

urlpatterns = [*views_brief.urlpatterns]
