from django.urls import path

from . import api

urlpatterns = [
    path("rates/", api.RatesApi.as_view(), name="api_rates"),
]
