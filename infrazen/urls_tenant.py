"""Organization host (<slug>.BASE_DOMAIN): the product."""

from django.urls import include, path

from apps.tenants import views as tenant_views

from .urls_common import api_docs_urlpatterns, common_urlpatterns

urlpatterns = [
    path("", include("apps.dashboard.urls")),
    path("go/<slug:slug>/", tenant_views.organization_go, name="organization_go"),
    path("signup/", tenant_views.signup_elsewhere, name="signup"),
    path("", include("apps.accounts.urls")),
    path("", include("apps.tenants.urls")),
    path("", include("apps.providers.urls")),
    path("", include("apps.inventory.urls")),
    path("", include("apps.costs.urls")),
    path("", include("apps.business.urls")),
    path("", include("apps.recommendations.urls")),
    path("", include("apps.budgets.urls")),
    path("", include("apps.anomalies.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.reports.urls_brief")),
    path("", include("apps.reports.urls_schedules")),
    path("", include("apps.reports.urls")),
    path("api/v1/", include("apps.accounts.api_urls")),
    path("api/v1/", include("apps.costs.api_urls")),
    path("api/v1/", include("apps.business.api_urls")),
    path("api/v1/", include("apps.currency.api_urls")),
    path("api/v1/", include("apps.providers.api_urls")),
    path("api/v1/", include("apps.inventory.api_urls")),
    path("api/v1/", include("apps.recommendations.api_urls")),
    path("api/v1/", include("apps.budgets.api_urls")),
    path("api/v1/", include("apps.anomalies.api_urls")),
    path("api/v1/", include("apps.notifications.api_urls")),
    path("api/v1/", include("apps.reports.api_urls_brief")),  # before any reports/<id>/ route
    path("api/v1/", include("apps.reports.api_urls_schedules")),
    path("api/v1/", include("apps.reports.api_urls")),
    *common_urlpatterns,
    *api_docs_urlpatterns("infrazen.urls_tenant"),
]

handler404 = "apps.common.views.page_not_found"
handler500 = "apps.common.views.server_error"
