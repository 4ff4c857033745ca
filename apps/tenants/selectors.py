from __future__ import annotations

from django.db.models import QuerySet

from .models import Organization, Partner


def partner_list_for_user(*, user) -> QuerySet[Partner]:
    return Partner.objects.filter(memberships__user=user).distinct().order_by("name")


def organization_get_by_slug(*, slug: str) -> Organization:
    return Organization.objects.exclude(schema_name="public").prefetch_related("domains").get(slug=slug)
