# Reports, schedules and generated files live in organization schemas, so they are not registered on the public
# admin site (its host has no such tables). Support reads them through the organization's read-only data view
# (apps.tenants.admin.OrganizationAdmin.data_view), which lists every tenant model; the archive's files are
# downloaded by the organization's members from «Отчёты», never from the admin.
