from django.urls import path

from . import api_console

# Public host (included under /api/v1/ by infrazen.urls_public).
urlpatterns = [
    path("partner/clients/", api_console.PartnerClientListApi.as_view(), name="api_partner_clients"),
    path("partner/clients/refresh/", api_console.PartnerClientRefreshApi.as_view(),
         name="api_partner_clients_refresh"),
]
