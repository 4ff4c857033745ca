from django.urls import path

from . import views

urlpatterns = [
    path("costs/", views.cost_explorer, name="cost_explorer"),
    path("costs/rates/", views.exchange_rates, name="exchange_rates"),
    path("costs/focus-export/", views.cost_focus_export, name="cost_focus_export"),
    path("costs/export/<str:fmt>/", views.cost_explorer_export, name="cost_explorer_export"),
    path("costs/imports/", views.billing_imports, name="billing_imports"),
    path("costs/imports/<int:pk>/", views.billing_import_detail, name="billing_import_detail"),
]
