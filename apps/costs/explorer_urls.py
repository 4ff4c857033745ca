from django.urls import path

from . import explorer_views

urlpatterns = [
    path("costs/", explorer_views.cost_explorer, name="cost_explorer"),
]
