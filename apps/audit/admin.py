# Audit events live in organization schemas; support reads them through the organization's
# read-only data view in the admin (apps.tenants.admin.OrganizationAdmin.data_view).
