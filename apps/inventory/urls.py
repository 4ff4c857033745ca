from django.urls import path

from . import views

urlpatterns = [
    path("resources/", views.resources, name="resources"),
    path("resources/<int:pk>/", views.resource_detail, name="resource_detail"),
]
