from django.urls import path

from . import views_billing as views

urlpatterns = [
    path("console/billing-rules/", views.billing_rules, name="partner_billing_rules"),
    path("console/billing-rules/new/", views.billing_rule_create, name="partner_billing_rule_create"),
    path("console/billing-rules/<int:pk>/", views.billing_rule_edit, name="partner_billing_rule_edit"),
    path("console/billing-rules/<int:pk>/delete/", views.billing_rule_delete, name="partner_billing_rule_delete"),
    path("console/statements/", views.statements, name="partner_statements"),
    path("console/statements/<int:pk>/", views.statement_detail, name="partner_statement_detail"),
    path("console/statements/<int:pk>/<str:action>/", views.statement_action, name="partner_statement_action"),
    path("console/statements/<int:pk>/file/<str:extension>/", views.statement_file, name="partner_statement_file"),
]
