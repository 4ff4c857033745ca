"""Organization host: the organization's own profile settings."""

from django.urls import path

from . import views

urlpatterns = [
    path("settings/organization/", views.organization_profile, name="settings_organization"),
]
