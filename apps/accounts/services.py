"""Writes for users, memberships, invitations and host hand-offs."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from apps.audit.services import audit_event_record
from apps.common.errors import ApplicationError, ErrorCode

from .exceptions import AccountErrorCode
from .models import ApiToken, Invitation, LoginHandoff, Membership, User
from .roles import Role, assignable_roles
from .urls_helpers import organization_url

if TYPE_CHECKING:
    from apps.tenants.models import Organization


def _normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def user_password_validate(password: str, *, user: User | None = None) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), ErrorCode.INVALID, {"field": "password"}) from exc


def user_create(*, email: str, password: str, full_name: str = "") -> User:
    email = _normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(
            _("A user with this email is already registered. Log in instead."),
            AccountErrorCode.EMAIL_TAKEN,
            {"field": "email"},
        )
    user_password_validate(password, user=User(email=email, full_name=full_name))
    user = User.objects.create_user(email=email, password=password, full_name=full_name.strip())
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


def membership_add(*, organization: Organization, user: User, role: str, actor=None) -> Membership:
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise ApplicationError(
            _("%(email)s is already a member of this organization.") % {"email": user.email},
            AccountErrorCode.ALREADY_MEMBER,
        )
    membership = Membership.objects.create(organization=organization, user=user, role=role)
    audit_event_record(
        schema_name=organization.schema_name, action="membership.added", actor=actor,
        target=user.email, data={"role": role},
    )
    return membership


def _check_can_assign(actor_role: str | None, role: str) -> None:
    if role not in Role.values:
        raise ApplicationError(_("Unknown role."), ErrorCode.INVALID, {"field": "role"})
    if role not in assignable_roles(actor_role):
        raise ApplicationError(
            _("Your role cannot grant the role «%(role)s».") % {"role": Role(role).label},
            AccountErrorCode.ROLE_NOT_ALLOWED,
            {"field": "role"},
            http_status=403,
        )


def _other_owners_exist(membership: Membership) -> bool:
    # Lock the organization's owner rows so two owners removing each other at once cannot both succeed.
    owners = list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    return any(pk != membership.pk for pk in owners)


def user_delete_blockers(users) -> list[str]:
    """Translated reasons why deleting ``users`` together would leave an organization without an owner."""
    user_ids = {user.pk for user in users}
    owned = (
        Membership.objects.filter(user_id__in=user_ids, role=Role.OWNER)
        .select_related("user", "organization")
        .order_by("organization__name", "user__email")
    )
    reasons = []
    for membership in owned:
        others = (
            Membership.objects.filter(organization_id=membership.organization_id, role=Role.OWNER)
            .exclude(user_id__in=user_ids)
            .exists()
        )
        if not others:
            reasons.append(
                _("%(email)s is the only owner of «%(organization)s». Make another member an owner first.")
                % {"email": membership.user.email, "organization": membership.organization.name}
            )
    return reasons


def membership_remove_blockers(memberships) -> list[str]:
    """Translated reasons why removing ``memberships`` together would leave an organization without an owner."""
    removed = {m.pk for m in memberships}
    organization_ids = {m.organization_id for m in memberships if m.role == Role.OWNER}
    orphaned = [
        organization_id for organization_id in sorted(organization_ids)
        if not Membership.objects.filter(organization_id=organization_id, role=Role.OWNER).exclude(pk__in=removed)
        .exists()
    ]
    return [_("An organization must keep at least one owner.")] if orphaned else []


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor, actor_role: str) -> Membership:
    _check_can_assign(actor_role, role)
    if membership.role == Role.OWNER and actor_role != Role.OWNER:
        raise ApplicationError(_("Only an owner can change another owner's role."), AccountErrorCode.ROLE_NOT_ALLOWED,
                               http_status=403)
    if membership.role == Role.OWNER and role != Role.OWNER and not _other_owners_exist(membership):
        raise ApplicationError(_("An organization must keep at least one owner."), AccountErrorCode.LAST_OWNER)
    previous = membership.role
    if previous != role:
        membership.role = role
        membership.save(update_fields=["role"])
        audit_event_record(
            schema_name=membership.organization.schema_name, action="membership.role_changed", actor=actor,
            target=membership.user.email, data={"from": previous, "to": role},
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor, actor_role: str) -> None:
    if membership.role == Role.OWNER and actor_role != Role.OWNER:
        raise ApplicationError(_("Only an owner can remove another owner."), AccountErrorCode.ROLE_NOT_ALLOWED,
                               http_status=403)
    if membership.role == Role.OWNER and not _other_owners_exist(membership):
        raise ApplicationError(_("An organization must keep at least one owner."), AccountErrorCode.LAST_OWNER)
    audit_event_record(
        schema_name=membership.organization.schema_name, action="membership.removed", actor=actor,
        target=membership.user.email, data={"role": membership.role},
    )
    membership.delete()


# --- Invitations --------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str
    url: str


@transaction.atomic
def invitation_create(
    *, organization: Organization, email: str, role: str, actor, actor_role: str, request=None
) -> IssuedInvitation:
    email = _normalize_email(email)
    if not email or "@" not in email:
        raise ApplicationError(_("Enter a valid email address."), ErrorCode.INVALID, {"field": "email"})
    _check_can_assign(actor_role, role)
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ApplicationError(
            _("%(email)s is already a member of this organization.") % {"email": email},
            AccountErrorCode.ALREADY_MEMBER, {"field": "email"},
        )
    # A new invitation to the same address replaces the pending one.
    Invitation.objects.filter(organization=organization, email=email, status=Invitation.Status.PENDING).update(
        status=Invitation.Status.REVOKED
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    url = organization_url(organization, f"/invitations/{token}/", request=request)
    context = {"invitation": invitation, "url": url, "organization": organization, "inviter": actor,
               "role_label": Role(role).label}
    with override(settings.LANGUAGE_CODE):
        subject = _("Invitation to %(organization)s in InfraZen") % {"organization": organization.name}
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [email])
    audit_event_record(
        schema_name=organization.schema_name, action="invitation.created", actor=actor, target=email,
        data={"role": role},
    )
    return IssuedInvitation(invitation, token, url)


def invitation_revoke(*, invitation: Invitation, actor) -> None:
    if invitation.status != Invitation.Status.PENDING:
        raise ApplicationError(_("This invitation has already been used or revoked."), AccountErrorCode.INVITATION_USED)
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    audit_event_record(
        schema_name=invitation.organization.schema_name, action="invitation.revoked", actor=actor,
        target=invitation.email,
    )


def invitation_get_by_token(*, organization: Organization, token: str) -> Invitation:
    """Find a usable invitation of ``organization`` or raise a translated error."""
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(organization=organization, token_hash=_token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise ApplicationError(_("This invitation link is not valid."), AccountErrorCode.INVITATION_INVALID,
                               http_status=404)
    if invitation.status != Invitation.Status.PENDING:
        raise ApplicationError(_("This invitation has already been used or revoked."), AccountErrorCode.INVITATION_USED,
                               http_status=410)
    if invitation.is_expired:
        raise ApplicationError(
            _("This invitation has expired. Ask an administrator of the organization to send a new one."),
            AccountErrorCode.INVITATION_EXPIRED,
            http_status=410,
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *, organization: Organization, token: str, user: User | None = None, password: str = "", full_name: str = ""
) -> tuple[User, Membership]:
    """Accept as the logged-in ``user``, or create the invited user with ``password``."""
    invitation = invitation_get_by_token(organization=organization, token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:  # accepted concurrently
        raise ApplicationError(_("This invitation has already been used or revoked."), AccountErrorCode.INVITATION_USED,
                               http_status=410)
    if user is None:
        user = user_create(email=invitation.email, password=password, full_name=full_name)
    elif user.email.lower() != invitation.email.lower():
        raise ApplicationError(
            _("This invitation was sent to another email address. Log in as %(email)s to accept it.")
            % {"email": invitation.email},
            AccountErrorCode.INVITATION_EMAIL_MISMATCH,
            http_status=403,
        )
    try:
        with transaction.atomic():
            membership = membership_add(organization=organization, user=user, role=invitation.role, actor=user)
    except IntegrityError as exc:  # pragma: no cover - guarded by membership_add's check
        raise ApplicationError(_("You are already a member of this organization."),
                               AccountErrorCode.ALREADY_MEMBER) from exc
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
    return user, membership


# --- Hand-off between hosts ---------------------------------------------------------------------

def handoff_create(*, user: User, organization: Organization, next_path: str = "/") -> LoginHandoff:
    from .access import access_resolve

    if access_resolve(user, organization) is None:
        raise ApplicationError(_("You do not have access to this organization."), ErrorCode.PERMISSION_DENIED,
                               http_status=403)
    if not next_path.startswith("/") or next_path.startswith("//"):
        next_path = "/"
    return LoginHandoff.objects.create(user=user, organization=organization, next_path=next_path[:500])


@transaction.atomic
def handoff_consume(*, handoff_id, organization: Organization) -> LoginHandoff:
    """Use a hand-off exactly once, on the organization it was made for, within its lifetime."""
    from .access import access_resolve

    handoff = (
        LoginHandoff.objects.select_for_update().select_related("user")
        .filter(pk=handoff_id, organization=organization, used_at__isnull=True)
        .first()
    )
    max_age = timedelta(seconds=settings.HANDOFF_MAX_AGE)
    if handoff is None or handoff.created_at < timezone.now() - max_age:
        raise ApplicationError(_("This sign-in link is invalid or has expired. Please log in."),
                               ErrorCode.AUTHENTICATION_FAILED, http_status=403)
    handoff.used_at = timezone.now()
    handoff.save(update_fields=["used_at"])
    if access_resolve(handoff.user, organization) is None:
        raise ApplicationError(_("You do not have access to this organization."), ErrorCode.PERMISSION_DENIED,
                               http_status=403)
    return handoff


# --- API tokens ---------------------------------------------------------------------------------

API_TOKEN_NAME_MAX = 100


@dataclass(frozen=True)
class IssuedApiToken:
    token: ApiToken
    # The only time the secret exists outside its owner's hands: shown once, never stored or logged.
    secret: str


def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None, organization: Organization | None = None
) -> IssuedApiToken:
    """Issue a named token for ``user``; only its digest is stored. Audited in ``organization`` when given."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Enter a name for the token."), ErrorCode.INVALID, {"field": "name"})
    if len(name) > API_TOKEN_NAME_MAX:
        raise ApplicationError(
            _("The name is too long (at most %(max)d characters).") % {"max": API_TOKEN_NAME_MAX},
            ErrorCode.INVALID, {"field": "name"},
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(_("The expiry date must be in the future."), ErrorCode.INVALID, {"field": "expires"})
    # Expired tokens stay listed (as expired) for a while, then go: password exchanges cannot pile up rows forever.
    ApiToken.objects.filter(
        user=user, expiry__lt=timezone.now() - timedelta(days=settings.API_TOKEN_EXPIRED_KEEP_DAYS)
    ).delete()
    token, secret = ApiToken.objects.create(user=user, expiry=None, name=name)
    if expires_at is not None:
        ApiToken.objects.filter(pk=token.pk).update(expiry=expires_at)
        token.expiry = expires_at
    if organization is not None and not organization.is_public:
        expires = timezone.localdate(expires_at).isoformat() if expires_at else None
        audit_event_record(
            schema_name=organization.schema_name, action="api_token.created", actor=user, target=name,
            data={"prefix": token.token_key, "expires": expires},
        )
    return IssuedApiToken(token, secret)


def api_token_revoke(*, token: ApiToken, actor: User, organization: Organization | None = None) -> None:
    """Delete the token: the next request with it gets 401."""
    name, prefix = token.name, token.token_key
    ApiToken.objects.filter(pk=token.pk).delete()
    if organization is not None and not organization.is_public:
        audit_event_record(
            schema_name=organization.schema_name, action="api_token.revoked", actor=actor, target=name,
            data={"prefix": prefix},
        )
