from django.urls import path

from . import api

urlpatterns = [
    path("providers/", api.ProviderListApi.as_view(), name="api_providers"),
    path("connections/", api.ConnectionListApi.as_view(), name="api_connections"),
    path("connections/test/", api.CredentialsTestApi.as_view(), name="api_connection_credentials_test"),
    path("connections/<int:pk>/", api.ConnectionDetailApi.as_view(), name="api_connection_detail"),
    path("connections/<int:pk>/test/", api.ConnectionTestApi.as_view(), name="api_connection_test"),
    path("connections/<int:pk>/sync/", api.ConnectionSyncApi.as_view(), name="api_connection_sync"),
    path("sync/runs/", api.SyncRunListApi.as_view(), name="api_sync_runs"),
    path("sync/runs/<int:pk>/", api.SyncRunDetailApi.as_view(), name="api_sync_run_detail"),
]
