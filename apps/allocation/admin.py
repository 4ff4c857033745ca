# Dimensions (with their values), rules, manual allocation, shared costs, business metrics and the recalculation
# state live in organization schemas, so they are not registered on the public admin site (its host has no such
# tables: a registered ModelAdmin would fail there). Support reads them, read-only and with their Russian verbose
# names, through the organization's data view (apps.tenants.admin.OrganizationAdmin.data_view), which lists every
# tenant model: see tests/business/test_rules_pages.py::test_support_sees_the_allocation_tables_in_the_data_view.
# Changes go through the «Бизнес-контекст» pages or the API, so each one is audited and recalculates the history.
