"""Public host: landing, signup, login, organization picker / MSP console, support admin, partner API."""

from django.contrib import admin
from django.urls import include, path

from apps.accounts.api_urls import public_urlpatterns as public_api
from apps.notifications.urls import webhook_urlpatterns as notification_webhook
from apps.partners.api_urls import urlpatterns as partner_console_api
from apps.partners.api_urls_onboarding import urlpatterns as partner_onboarding_api
from apps.partners.urls import urlpatterns as partner_console
from apps.partners.urls_onboarding import urlpatterns as partner_onboarding
from apps.tenants import views as tenant_views

from .urls_common import api_docs_urlpatterns, common_urlpatterns

admin.site.site_header = "InfraZen — поддержка"
admin.site.site_title = "InfraZen"

urlpatterns = [
    path("", tenant_views.landing, name="landing"),
    path("signup/", tenant_views.signup, name="signup"),
    path("orgs/", tenant_views.organization_list, name="home"),
    path("go/<slug:slug>/", tenant_views.organization_go, name="organization_go"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(public_api)),
    path("api/v1/", include("apps.partners.api_urls_billing")),
    path("", include("apps.partners.urls_billing")),
    path("api/v1/", include(partner_onboarding_api)),
    path("", include(partner_onboarding)),
    path("api/v1/", include(partner_console_api)),
    path("", include(partner_console)),
    path("", include(notification_webhook)),
    *common_urlpatterns,
    *api_docs_urlpatterns("infrazen.urls_public"),
]

handler404 = "apps.common.views.page_not_found"
handler500 = "apps.common.views.server_error"
