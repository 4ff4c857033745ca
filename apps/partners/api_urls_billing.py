from django.urls import path

from . import api_billing as api

urlpatterns = [
    path("partner/billing-rules/", api.BillingRuleListApi.as_view(), name="api_partner_billing_rules"),
    path("partner/billing-rules/<int:pk>/", api.BillingRuleDetailApi.as_view(),
         name="api_partner_billing_rule_detail"),
    path("partner/statements/", api.StatementListApi.as_view(), name="api_partner_statements"),
    path("partner/statements/<int:pk>/", api.StatementDetailApi.as_view(), name="api_partner_statement_detail"),
    path("partner/statements/<int:pk>/issue/", api.StatementIssueApi.as_view(), name="api_partner_statement_issue"),
    path("partner/statements/<int:pk>/correct/", api.StatementCorrectApi.as_view(),
         name="api_partner_statement_correct"),
    path("partner/statements/<int:pk>/pdf/", api.StatementPdfApi.as_view(), name="api_partner_statement_pdf"),
    path("partner/statements/<int:pk>/xlsx/", api.StatementXlsxApi.as_view(), name="api_partner_statement_xlsx"),
]
