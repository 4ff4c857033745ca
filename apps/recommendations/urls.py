from django.urls import path

from . import views

urlpatterns = [
    path("recommendations/", views.recommendations, name="recommendations"),
    path("recommendations/evaluate/", views.recommendations_evaluate, name="recommendations_evaluate"),
    path("recommendations/evaluations/latest/", views.evaluation_latest, name="recommendations_evaluation_latest"),
    path("recommendations/export/<str:fmt>/", views.recommendations_export, name="recommendations_export"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    path("recommendations/<int:pk>/<str:action>/", views.recommendation_action, name="recommendation_action"),
]
