from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.template.response import TemplateResponse

from .access import access_for_request

# Paths on an organization host that do not need a membership (auth flows, health, static, API:
# the API applies the same access rule in its permission class, after token authentication).
OPEN_PREFIXES = (
    "/accounts/",
    "/auth/handoff/",
    "/invitations/",
    "/signup/",  # only redirects to the public host's signup
    "/healthz",
    "/i18n/",
    "/api/",
    "/static/",
    "/favicon.ico",
)


class OrganizationAccessMiddleware:
    """On organization hosts, every page needs a logged-in user with access to that organization."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.access = None
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.is_public or request.path.startswith(OPEN_PREFIXES):
            if tenant is not None and not tenant.is_public:
                access_for_request(request)
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if access_for_request(request) is None:
            response = TemplateResponse(request, "errors/no_access.html", status=403)
            return response.render()
        return self.get_response(request)
