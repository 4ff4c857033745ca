"""Absolute links back to the organization's pages, built like invitation links:
``SITE_SCHEME://<slug>.BASE_DOMAIN[:SITE_PORT]/path``."""

from __future__ import annotations

from django.db import connection

from apps.accounts.urls_helpers import organization_url


def absolute_url(path: str, organization=None) -> str:
    """``path`` on the current organization's host (or ``organization``'s)."""
    organization = organization if organization is not None else connection.tenant
    return organization_url(organization, path if path.startswith("/") else f"/{path}")
