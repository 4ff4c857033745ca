from django.urls import path

from . import api

urlpatterns = [
    path("anomalies/", api.AnomalyListApi.as_view(), name="api_anomalies"),
    path("anomalies/<int:pk>/confirm/", api.AnomalyConfirmApi.as_view(), name="api_anomaly_confirm"),
    path("anomalies/<int:pk>/dismiss/", api.AnomalyDismissApi.as_view(), name="api_anomaly_dismiss"),
]
