from __future__ import annotations

from django.db.models import QuerySet

from apps.tenants.models import Organization

from .models import Invitation, Membership, PartnerMembership


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user", "organization").order_by(
        "user__email"
    )


def membership_get(*, organization: Organization, membership_id) -> Membership:
    """A membership of ``organization`` only: ids of other organizations are simply not found."""
    return membership_list(organization=organization).get(pk=membership_id)


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
