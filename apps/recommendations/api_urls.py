from django.urls import path

from . import api

urlpatterns = [
    path("recommendations/", api.FindingListApi.as_view(), name="api_recommendations"),
    path("recommendations/summary/", api.FindingSummaryApi.as_view(), name="api_recommendations_summary"),
    path("recommendations/evaluate/", api.EvaluationStartApi.as_view(), name="api_recommendations_evaluate"),
    path("recommendations/evaluations/latest/", api.EvaluationLatestApi.as_view(),
         name="api_recommendations_evaluation_latest"),
    path("recommendations/evaluations/<int:pk>/", api.EvaluationDetailApi.as_view(),
         name="api_recommendations_evaluation"),
    path("recommendations/settings/", api.RuleSettingsApi.as_view(), name="api_recommendations_settings"),
    path("recommendations/<int:pk>/", api.FindingDetailApi.as_view(), name="api_recommendation_detail"),
    path("recommendations/<int:pk>/accept/", api.FindingAcceptApi.as_view(), name="api_recommendation_accept"),
    path("recommendations/<int:pk>/dismiss/", api.FindingDismissApi.as_view(), name="api_recommendation_dismiss"),
    path("recommendations/<int:pk>/snooze/", api.FindingSnoozeApi.as_view(), name="api_recommendation_snooze"),
    path("recommendations/<int:pk>/apply/", api.FindingApplyApi.as_view(), name="api_recommendation_apply"),
    path("recommendations/<int:pk>/reopen/", api.FindingReopenApi.as_view(), name="api_recommendation_reopen"),
    path("policies/", api.PolicyListApi.as_view(), name="api_policies"),
    path("policies/violations/", api.PolicyViolationListApi.as_view(), name="api_policy_violations"),
    path("policies/<int:pk>/", api.PolicyDetailApi.as_view(), name="api_policy_detail"),
]
