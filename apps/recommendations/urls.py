from django.urls import path

from . import settings_views, views

urlpatterns = [
    path("recommendations/", views.recommendations, name="recommendations"),
    path("recommendations/evaluate/", views.recommendations_evaluate, name="recommendations_evaluate"),
    path("recommendations/evaluations/latest/", views.evaluation_latest, name="recommendations_evaluation_latest"),
    path("recommendations/settings/", settings_views.rule_settings, name="recommendations_settings"),
    path("recommendations/policies/", settings_views.policies, name="recommendations_policies"),
    path("settings/tags/", settings_views.tag_governance, name="settings_tags"),
    path("recommendations/policies/new/", settings_views.policy_create, name="recommendations_policy_create"),
    path("recommendations/policies/<int:pk>/", settings_views.policy_edit, name="recommendations_policy_edit"),
    path("recommendations/policies/<int:pk>/delete/", settings_views.policy_delete,
         name="recommendations_policy_delete"),
    path("recommendations/export/<str:fmt>/", views.recommendations_export, name="recommendations_export"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    path("recommendations/<int:pk>/<str:action>/", views.recommendation_action, name="recommendation_action"),
]
