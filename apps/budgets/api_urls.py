from django.urls import path

from . import api

urlpatterns = [
    path("forecasts/", api.ForecastApi.as_view(), name="api_forecasts"),
    path("runway/", api.RunwayApi.as_view(), name="api_runway"),
]
