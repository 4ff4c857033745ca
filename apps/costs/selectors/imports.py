"""Reads of the cost ledger."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from .models import BillingImport, CostRecord


def billing_import_list() -> QuerySet[BillingImport]:
    return BillingImport.objects.select_related("connection").order_by("-created_at", "-id")


def ledger_watermark() -> int:
    """The highest ledger id now: an import's new rows come above it, the rows it replaces at or below."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {CostRecord._meta.db_table}")  # noqa: S608 - model table
        return cursor.fetchone()[0]


def billing_import_get(*, import_id: int) -> BillingImport:
    return billing_import_list().get(pk=import_id)


# Cost explorer reads (h10): the rollup-backed summary and time series live in explorer.py.
from .explorer import cost_query, cost_summary, cost_timeseries, period_resolve  # noqa: E402,F401
