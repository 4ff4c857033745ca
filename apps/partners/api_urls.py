from django.urls import path

from . import api_console, api_onboarding

# Public host (included under /api/v1/ by infrazen.urls_public).
urlpatterns = [
    path("partner/clients/", api_onboarding.PartnerClientsApi.as_view(), name="api_partner_clients"),
    path("partner/clients/refresh/", api_console.PartnerClientRefreshApi.as_view(),
         name="api_partner_clients_refresh"),
]
