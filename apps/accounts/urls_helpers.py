from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from apps.tenants.models import Organization


def host_url(host: str, path: str = "/", request=None) -> str:
    """Absolute URL on ``host``, keeping the scheme and port the user is browsing with."""
    scheme = settings.SITE_SCHEME
    port = settings.SITE_PORT
    if request is not None:
        scheme = request.scheme
        request_host = request.get_host()
        port = request_host.rsplit(":", 1)[1] if ":" in request_host else ""
    if port and not ((scheme == "http" and port == "80") or (scheme == "https" and port == "443")):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{path}"


def organization_url(organization: Organization, path: str = "/", request=None) -> str:
    return host_url(organization.primary_host, path, request)


def public_url(path: str = "/", request=None) -> str:
    return host_url(settings.BASE_DOMAIN, path, request)
