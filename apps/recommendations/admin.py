# Findings, evaluation runs, policies and rule settings live in organization schemas, so they are not registered on
# the public admin site (its host has no such tables). Support reads them, with their Russian verbose names,
# through the organization's read-only data view (apps.tenants.admin.OrganizationAdmin.data_view), which lists
# every tenant model: see tests/recommendations/test_api.py::test_support_sees_findings_in_the_data_view.
