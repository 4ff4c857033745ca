from django.urls import path

from . import views

urlpatterns = [
    path("connections/", views.connections, name="connections"),
    path("providers/brands.css", views.provider_brands_css, name="provider_brands_css"),
    path("connections/add/<slug:provider>/", views.connection_create, name="connection_create"),
    path("connections/test/<slug:provider>/", views.connection_credentials_test, name="connection_credentials_test"),
    path("connections/<int:pk>/edit/", views.connection_update, name="connection_update"),
    path("connections/<int:pk>/delete/", views.connection_delete, name="connection_delete"),
    path("connections/<int:pk>/sync/", views.connection_sync, name="connection_sync"),
    path("connections/<int:pk>/card/", views.connection_card, name="connection_card"),
    path("connections/<int:pk>/history/", views.connection_history, name="connection_history"),
]
