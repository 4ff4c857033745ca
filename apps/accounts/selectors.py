from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django_tenants.utils import get_tenant_model

if TYPE_CHECKING:
    from apps.tenants.models import Organization

from .models import ApiToken, Invitation, Membership, PartnerMembership, User


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user", "organization").order_by(
        "user__email"
    )


def membership_get(*, organization: Organization, membership_id) -> Membership:
    """A membership of ``organization`` only: ids of other organizations are simply not found."""
    return membership_list(organization=organization).get(pk=membership_id)


def member_user_ids(*, organization: Organization, user_ids) -> set[int]:
    """Which of ``user_ids`` can still open ``organization`` (a membership, or an operator of its partner): one
    query."""
    ids = {int(pk) for pk in user_ids if pk is not None}
    if not ids:
        return set()
    access = Q(memberships__organization_id=organization.pk)
    if organization.partner_id:
        access |= Q(partner_memberships__partner_id=organization.partner_id)
    return set(User.objects.filter(Q(pk__in=ids) & access, is_active=True).values_list("pk", flat=True).distinct())


def partner_operator_list(*, organization: Organization) -> QuerySet[PartnerMembership]:
    if not organization.partner_id:
        return PartnerMembership.objects.none()
    return PartnerMembership.objects.filter(partner_id=organization.partner_id).select_related("user", "partner")


def invitation_list(*, organization: Organization, pending_only: bool = False) -> QuerySet[Invitation]:
    qs = Invitation.objects.filter(organization=organization).select_related("invited_by", "accepted_by")
    if pending_only:
        qs = qs.filter(status=Invitation.Status.PENDING)
    return qs


def invitation_get(*, organization: Organization, invitation_id) -> Invitation:
    return invitation_list(organization=organization).get(pk=invitation_id)


def partner_client_list(*, user) -> QuerySet[Organization]:
    """Client organizations of every partner the user operates, with member counts."""
    partner_ids = PartnerMembership.objects.filter(user=user).values("partner_id")
    return (
        get_tenant_model().objects.filter(partner_id__in=partner_ids, is_active=True)
        .select_related("partner")
        .prefetch_related("domains")
        .annotate(member_count=Count("memberships"))
        .order_by("partner__name", "name")
    )


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """The user's own API tokens, newest first (the digest never leaves the database layer)."""
    return ApiToken.objects.filter(user=user).order_by("-created")


def api_token_get(*, user, prefix: str) -> ApiToken:
    """One of the user's tokens by its displayed prefix: another user's prefix is simply not found."""
    return api_token_list(user=user).get(token_key=prefix)
