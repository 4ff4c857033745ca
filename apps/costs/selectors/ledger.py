"""Ledger-wide facts: the highest row id (imports replace what lies at or below it) and the currency the
rollups convert to."""

from __future__ import annotations

from django.db import connection

from apps.currency.selectors import BASE_CURRENCY
from apps.tenants.models import Organization

from ..models import CostRecord


def ledger_watermark() -> int:
    """The highest ledger id now: an import's new rows come above it, the rows it replaces at or below."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {CostRecord._meta.db_table}")  # noqa: S608 - model table
        return cursor.fetchone()[0]


def organization_currency() -> str:
    """The currency of the organization whose schema is active."""
    currency = (Organization.objects.filter(schema_name=connection.schema_name)
                .values_list("currency", flat=True).first())
    return currency or BASE_CURRENCY
