"""Who acts for which partner: the one place the MSP side resolves a user's partner and checks a role.

A member of a partner (``PartnerMembership``) may do what their role allows in the one permission matrix
(``partner.view`` for every role, ``partner.manage`` for owners, administrators and finance). A user of several
partners names one (``?partner=<slug>``); otherwise the first by name. A user of another partner never reaches this
partner's clients, rules or statements."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.accounts.models import PartnerMembership
from apps.accounts.roles import role_allows
from apps.common.errors import ApplicationError, ErrorCode
from apps.tenants.models import Partner


class NotAPartnerMember(Exception):
    """The user operates no partner (or not the one asked for)."""


def partner_memberships(*, user) -> list[PartnerMembership]:
    if not user or not getattr(user, "is_authenticated", False):
        return []
    return list(PartnerMembership.objects.filter(user=user).select_related("partner").order_by("partner__name"))


def partners_for_user(*, user) -> QuerySet[Partner]:
    if not getattr(user, "is_authenticated", False):
        return Partner.objects.none()
    return Partner.objects.filter(memberships__user=user).distinct().order_by("name")


def partner_pick(*, user, slug: str | None = None) -> Partner:
    """The partner whose console the user opens: ``slug`` (``?partner=``) or the first of theirs by name."""
    partners = partners_for_user(user=user)
    if slug:
        partners = partners.filter(slug=slug)
    partner = partners.first()
    if partner is None:
        raise NotAPartnerMember
    return partner


def partner_can(*, user, partner_id: int, permission: str) -> bool:
    membership = next((m for m in partner_memberships(user=user) if m.partner_id == partner_id), None)
    return membership is not None and role_allows(membership.role, permission)


def partner_for_user(*, user, manage: bool = False) -> Partner | None:
    """The partner the user works for (the first by name; with ``manage``, the first they may change)."""
    for membership in partner_memberships(user=user):
        if not manage or role_allows(membership.role, "partner.manage"):
            return membership.partner
    return None


def partner_membership_resolve(*, user, permission: str, partner_slug: str | None = None) -> PartnerMembership:
    """The caller's membership of a partner allowing ``permission`` (``partner.view``/``partner.manage``).

    With several partners, ``partner_slug`` picks one (else the first by name). Not a member: 403 «no access»;
    a member whose role lacks the permission: 403 «role»."""
    memberships = partner_memberships(user=user)
    if partner_slug:
        memberships = [m for m in memberships if m.partner.slug == partner_slug]
    membership = memberships[0] if memberships else None
    if membership is None:
        raise ApplicationError(_("You are not a member of an MSP partner."), ErrorCode.PERMISSION_DENIED,
                               http_status=403)
    if not role_allows(membership.role, permission):
        raise ApplicationError(_("Your role does not allow this action."), ErrorCode.PERMISSION_DENIED,
                               http_status=403)
    return membership


def partner_ids_for_user(*, user) -> list[int]:
    return [m.partner_id for m in partner_memberships(user=user)]
