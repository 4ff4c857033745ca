"""An MSP's own profile (name and requisites, printed on statements as the seller's) and onboarding a client:
the client organization with its schema and requisites, then invitations for its users, then connections added
on its behalf through the hand-off link.

Who may act: a member of the partner (``PartnerMembership``) whose role allows ``partner.view`` /
``partner.manage`` in the one permission matrix; a user of another partner never reaches this partner."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from apps.accounts.roles import Role
from apps.accounts.services import IssuedInvitation, invitation_create
from apps.common.errors import ApplicationError, ErrorCode
from apps.tenants.models import CURRENCY_CHOICES, TIMEZONE_CHOICES, Organization, Partner
from apps.tenants.services import organization_create, requisites_update, requisites_validate

# The client's «Добавить провайдера» page (the connections page with its «Add provider» dialog).
ADD_CONNECTION_PATH = "/connections/"




def handoff_path(organization: Organization, next_path: str = ADD_CONNECTION_PATH) -> str:
    """The public host's hand-off link into the client (``/go/<slug>/?next=...``)."""
    return f"/go/{organization.slug}/?" + urlencode({"next": next_path})


@dataclass
class InvitationRequest:
    email: str
    role: str = Role.OWNER


@dataclass
class OnboardingResult:
    organization: Organization
    invitations: list[IssuedInvitation] = field(default_factory=list)

    @property
    def add_connection_path(self) -> str:
        return handoff_path(self.organization)


def _invitations_clean(invitations: Any) -> list[InvitationRequest]:
    """Every invitation checked before anything is created: e-mail present and unique, a known role."""
    clean: list[InvitationRequest] = []
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for index, item in enumerate(invitations or []):
        email = str(getattr(item, "email", None) or (item.get("email") if isinstance(item, dict) else "") or "")
        email = email.strip().lower()
        role = str(getattr(item, "role", None) or (item.get("role") if isinstance(item, dict) else "") or Role.OWNER)
        if not email or "@" not in email or email.startswith("@") or email.endswith("@"):
            errors[f"invitations.{index}.email"] = _("Enter a valid email address.")
        elif email in seen:
            errors[f"invitations.{index}.email"] = _("This address is listed twice.")
        if role not in Role.values:
            errors[f"invitations.{index}.role"] = _("Choose one of the roles: %(roles)s.") % {
                "roles": ", ".join(Role.values)}
        seen.add(email)
        clean.append(InvitationRequest(email=email, role=role))
    if errors:
        raise ApplicationError(next(iter(errors.values())), ErrorCode.INVALID, {"fields": errors})
    return clean


def client_onboard(
    *,
    partner: Partner,
    actor,
    name: str,
    slug: str,
    currency: str = "RUB",
    timezone: str = "Europe/Moscow",
    requisites: dict[str, str] | None = None,
    invitations: Any = None,
    request=None,
) -> OnboardingResult:
    """Create the partner's client organization (kind «MSP client», its own schema), its requisites, and send
    the invitations (each an e-mail with its acceptance link). Everything is checked first; one transaction, so
    a refusal leaves no organization behind.

    The partner creates the client, so its members invite the client's first users with any role, owner included
    (in the client organization they act with their partner role, which may not assign roles)."""
    errors: dict[str, str] = {}
    if currency not in dict(CURRENCY_CHOICES):
        errors["currency"] = _("Choose one of: %(values)s.") % {"values": ", ".join(dict(CURRENCY_CHOICES))}
    if timezone not in dict(TIMEZONE_CHOICES):
        errors["timezone"] = _("Choose a time zone from the list.")
    if errors:
        raise ApplicationError(next(iter(errors.values())), ErrorCode.INVALID, {"fields": errors})
    clean_requisites = requisites_validate(**(requisites or {}))
    clean_invitations = _invitations_clean(invitations)
    with transaction.atomic():
        organization = organization_create(slug=slug, name=name, kind=Organization.Kind.MSP_CLIENT, partner=partner,
                                           currency=currency, timezone=timezone, actor=actor)
        if any(clean_requisites.values()):
            requisites_update(holder=organization, actor=actor, **clean_requisites)
        issued = [invitation_create(organization=organization, email=item.email, role=item.role, actor=actor,
                                    actor_role=Role.OWNER, request=request)
                  for item in clean_invitations]
    return OnboardingResult(organization=organization, invitations=issued)
