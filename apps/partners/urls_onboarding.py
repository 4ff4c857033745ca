"""Public host pages of an MSP: its requisites and onboarding a client."""

from django.urls import path

from . import views_onboarding

urlpatterns = [
    path("console/requisites/", views_onboarding.partner_requisites, name="partner_requisites"),
    path("console/clients/new/", views_onboarding.partner_client_new, name="partner_client_new"),
]
