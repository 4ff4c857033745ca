"""Third-party admin pages that would display secrets (API tokens, OAuth secrets, TOTP seeds)."""

from __future__ import annotations

from django.contrib import admin


def hide_secrets_in_admin() -> None:
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialApp, SocialToken
    from knox.models import AuthToken as KnoxAuthToken

    # Social apps are configured from the environment; OAuth tokens and TOTP seeds are never for human
    # eyes; knox's own token admin lists digests and is unused (accounts.ApiToken replaces its model).
    for model in (SocialApp, SocialToken, Authenticator, KnoxAuthToken):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
    from .admin_secretless import AuthenticatorAdmin

    admin.site.register(Authenticator, AuthenticatorAdmin)
