from __future__ import annotations

from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """Accepts ``Authorization: Bearer <token>`` as well as DRF's ``Token <token>``."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.lower().startswith("token "):
            request.META["HTTP_AUTHORIZATION"] = "Bearer " + header[6:]
        return super().authenticate(request)
