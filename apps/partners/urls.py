from django.urls import path

from . import views_console

# Public host (included by infrazen.urls_public).
urlpatterns = [
    path("console/", views_console.partner_console, name="partner_console"),
    path("console/refresh/", views_console.partner_console_refresh, name="partner_console_refresh"),
]
