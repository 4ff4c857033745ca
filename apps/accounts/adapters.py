from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # One lockout counter per account across every host (allauth keys it per host by default).
        login = (credentials.get("email") or credentials.get("username") or "").strip().lower()
        return f"login:{login}"

    def is_open_for_signup(self, request) -> bool:
        # People sign up through the organization signup flow (apps.tenants.views.signup),
        # which creates the user together with the organization in one transaction.
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return True

