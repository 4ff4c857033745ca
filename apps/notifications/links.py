"""Absolute links back to the organization's pages, built like invitation links:
``SITE_SCHEME://<slug>.BASE_DOMAIN[:SITE_PORT]/path``."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_tenant_model

from apps.accounts.urls_helpers import organization_url


def current_organization():
    """The organization whose schema is active (``schema_context`` leaves only a stand-in on the connection)."""
    tenant = getattr(connection, "tenant", None)
    if tenant is not None and getattr(tenant, "pk", None) and hasattr(tenant, "primary_host"):
        return tenant
    return get_tenant_model().objects.get(schema_name=connection.schema_name)


def absolute_url(path: str, organization=None) -> str:
    """``path`` on the current organization's host (or ``organization``'s)."""
    organization = organization if organization is not None else current_organization()
    return organization_url(organization, path if path.startswith("/") else f"/{path}")
