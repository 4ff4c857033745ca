from __future__ import annotations

from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.sites.shortcuts import get_current_site

PRODUCT_NAME = "InfraZen"


@dataclass(frozen=True)
class _ProductSite:
    """What allauth's emails call the site: the product, not the host (no Sites framework here)."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def format_email_subject(self, subject: str) -> str:
        return f"[{PRODUCT_NAME}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Without django.contrib.sites allauth names the site after the request host («localhost:8000»).
        domain = get_current_site(allauth_context.request).domain
        context = {**context, "current_site": _ProductSite(name=PRODUCT_NAME, domain=domain)}
        super().send_mail(template_prefix, email, context)

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

