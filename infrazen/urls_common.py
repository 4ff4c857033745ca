"""URLs served on every host."""

from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.common.views import healthz

common_urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg", permanent=True)),
    path("healthz/", healthz),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/signup/", RedirectView.as_view(pattern_name="signup", permanent=False)),
    path("accounts/", include("allauth.urls")),
]


def api_docs_urlpatterns(urlconf: str):
    return [
        path("api/schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="api_schema"),
        # The split view serves its init script from ?script= (no inline <script>: the CSP allows none).
        path(
            "api/docs/",
            SpectacularSwaggerSplitView.as_view(url_name="api_schema", template_name="api_docs/swagger_ui.html"),
            name="api_docs",
        ),
    ]
