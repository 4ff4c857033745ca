from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

from .models import ApiToken

# ``last_used_at`` is written at most this often per token, so a busy script does not write on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


class BearerTokenAuthentication(TokenAuthentication):
    """Hashed API tokens (django-rest-knox) in ``Authorization: Bearer <token>`` or ``Token <token>``.

    An expired token is refused like an unknown one but kept, so its owner sees it as expired in the settings
    and revokes it; each accepted request records when the token was last used.
    """

    keywords = (b"bearer", b"token")

    def authenticate(self, request):
        # Parse the header here: rewriting request.META does not reach the already cached request.headers.
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() not in self.keywords:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        user, token = self.authenticate_credentials(auth[1])
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        return super().authenticate_credentials(token)

    def authenticate_header(self, request) -> str:
        return "Bearer"

    def _cleanup_token(self, auth_token) -> bool:
        # knox deletes expired tokens here (and every other expired token of the user, one query each):
        # refusing is enough, the list in the settings shows the token as expired until it is revoked.
        return auth_token.is_expired


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The token scheme in /api/schema/ (drf-spectacular's knox extension does not cover subclasses)."""

    target_class = "apps.accounts.api_auth.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        definition = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")
        definition["description"] = (
            "An API token from Settings → API tokens or POST /api/v1/auth/token/: `Authorization: Bearer <token>`."
        )
        return definition
