from django.urls import path

from . import api

urlpatterns = [
    path("forecasts/", api.ForecastApi.as_view(), name="api_forecasts"),
    path("budgets/", api.BudgetListApi.as_view(), name="api_budgets"),
    path("budgets/<int:pk>/", api.BudgetDetailApi.as_view(), name="api_budget_detail"),
    path("runway/", api.RunwayApi.as_view(), name="api_runway"),
]
