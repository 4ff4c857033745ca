from __future__ import annotations

from django.db.models import Count, QuerySet

from apps.accounts.models import PartnerMembership

from .models import Organization, Partner


def partner_list_for_user(*, user) -> QuerySet[Partner]:
    return Partner.objects.filter(memberships__user=user).distinct().order_by("name")


def partner_client_list(*, user) -> QuerySet[Organization]:
    """Client organizations of every partner the user operates, with member counts."""
    partner_ids = PartnerMembership.objects.filter(user=user).values("partner_id")
    return (
        Organization.objects.filter(partner_id__in=partner_ids, is_active=True)
        .select_related("partner")
        .prefetch_related("domains")
        .annotate(member_count=Count("memberships"))
        .order_by("partner__name", "name")
    )


def organization_get_by_slug(*, slug: str) -> Organization:
    return Organization.objects.exclude(schema_name="public").prefetch_related("domains").get(slug=slug)
