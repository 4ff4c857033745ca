from __future__ import annotations

from django.http import Http404
from django_tenants.middleware.main import TenantMainMiddleware


class OrganizationMiddleware(TenantMainMiddleware):
    """Picks the organization (schema and URLconf) from the Host header.

    Unknown and malformed hosts get a plain 404 and never fall back to another tenant.
    """

    TENANT_NOT_FOUND_EXCEPTION = Http404

    def get_tenant(self, domain_model, hostname):
        domain = domain_model.objects.select_related("tenant").get(domain=hostname.lower())
        if not domain.tenant.is_active and not domain.tenant.is_public:
            raise domain_model.DoesNotExist
        return domain.tenant
