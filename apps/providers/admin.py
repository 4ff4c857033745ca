# Connections live in organization schemas, so they are not registered on the public admin site.
# Support reads them through the organization's read-only data view
# (apps.tenants.admin.OrganizationAdmin.data_view), which masks the encrypted ``credentials`` column:
# see tests/providers/test_connections_api.py::test_support_data_view_masks_credentials.
