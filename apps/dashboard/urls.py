from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", views.dashboard, name="home"),
    path("dashboard/", RedirectView.as_view(pattern_name="home"), name="dashboard"),
]
