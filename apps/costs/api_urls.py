from django.urls import path

from . import api

urlpatterns = [
    path("costs/imports/", api.BillingImportListApi.as_view(), name="api_billing_imports"),
    path("costs/imports/<int:pk>/", api.BillingImportDetailApi.as_view(), name="api_billing_import_detail"),
]
