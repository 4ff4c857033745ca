"""Reads of billing imports."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import BillingImport


def billing_import_list() -> QuerySet[BillingImport]:
    return BillingImport.objects.select_related("connection").order_by("-created_at", "-id")


def billing_import_get(*, import_id: int) -> BillingImport:
    return billing_import_list().get(pk=import_id)
