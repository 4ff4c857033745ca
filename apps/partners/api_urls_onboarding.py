"""Public host API (under ``/api/v1/``): the partner's profile and onboarding a client."""

from django.urls import path

from . import api_onboarding

urlpatterns = [
    path("partner/profile/", api_onboarding.PartnerProfileApi.as_view(), name="api_partner_profile"),
]
