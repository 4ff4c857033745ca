from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header


class BearerTokenAuthentication(TokenAuthentication):
    """Accepts ``Authorization: Bearer <token>`` as well as DRF's ``Token <token>``."""

    keyword = "Bearer"
    keywords = (b"bearer", b"token")

    def authenticate(self, request):
        # Parse the header here: rewriting request.META does not reach the already cached request.headers.
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() not in self.keywords:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = auth[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        return self.authenticate_credentials(key)
