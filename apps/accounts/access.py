"""Who may act in which organization: the single place tenant access is decided.

The HTML middleware and the API permission class both ask ``access_for_request``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django_tenants.utils import get_tenant_model

if TYPE_CHECKING:  # the tenant model is reached through django-tenants: accounts sits below tenants
    from apps.tenants.models import Organization

from .models import Membership, PartnerMembership
from .roles import permissions_for, role_allows


@dataclass(frozen=True)
class OrganizationAccess:
    organization: Organization
    user: object
    role: str
    via: str  # "member" or "partner"
    permissions: frozenset[str] = field(default_factory=frozenset)

    def can(self, permission: str) -> bool:
        return role_allows(self.role, permission)


def access_resolve(user, organization: Organization | None) -> OrganizationAccess | None:
    """The user's access to ``organization``, or None. Direct membership wins over partner access."""
    if organization is None or organization.is_public or not getattr(user, "is_authenticated", False):
        return None
    if not user.is_active or not organization.is_active:
        return None
    membership = Membership.objects.filter(user=user, organization=organization).only("role").first()
    if membership is not None:
        return OrganizationAccess(
            organization, user, membership.role, "member", frozenset(permissions_for(membership.role))
        )
    if organization.partner_id:
        partner_membership = (
            PartnerMembership.objects.filter(user=user, partner_id=organization.partner_id).only("role").first()
        )
        if partner_membership is not None:
            role = partner_membership.role
            return OrganizationAccess(organization, user, role, "partner", frozenset(permissions_for(role)))
    return None


def access_for_request(request) -> OrganizationAccess | None:
    """Resolve (once per request) the current user's access to the host's organization."""
    raw = getattr(request, "_request", request)  # DRF wraps the Django request
    user = getattr(request, "user", None)
    cached = getattr(raw, "_org_access", None)
    if cached is not None and cached[0] == getattr(user, "pk", None):
        return cached[1]
    access = access_resolve(user, getattr(raw, "tenant", None))
    raw._org_access = (getattr(user, "pk", None), access)
    raw.access = access
    return access


def organizations_for_user(user) -> QuerySet[Organization]:
    """Every organization the user can open: own memberships and the partners' clients."""
    if not getattr(user, "is_authenticated", False):
        return get_tenant_model().objects.none()
    partner_ids = PartnerMembership.objects.filter(user=user).values("partner_id")
    return (
        get_tenant_model().objects.filter(is_active=True)
        .exclude(schema_name="public")
        .filter(Q(memberships__user=user) | Q(partner_id__in=partner_ids))
        .distinct()
        .select_related("partner")
        .prefetch_related("domains")
        .order_by("name")
    )
