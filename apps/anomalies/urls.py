from django.urls import path

from . import views

urlpatterns = [
    path("anomalies/", views.anomalies, name="anomalies"),
    path("anomalies/<int:pk>/<str:action>/", views.anomaly_action, name="anomaly_action"),
]
