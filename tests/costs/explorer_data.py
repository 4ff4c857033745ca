"""Ledger rows for the explorer and rollup tests, written with ``bulk_create`` in the active schema."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from apps.costs.models import CostRecord


def row(day: date, billed: str, *, effective: str | None = None, list_cost: str | None = None,
        currency: str = "RUB", service: str = "Compute Cloud", category: str = "Usage",
        region: str = "ru-central1", resource: str = "", resource_type: str = "", account: str = "acc-1",
        sub_account: str = "", provider: str = "Yandex Cloud", service_category: str = "Compute",
        commitment: str = "", tags: dict | None = None, connection=None) -> CostRecord:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    period = datetime(day.year, day.month, 1, tzinfo=UTC)
    next_period = datetime(day.year + (day.month == 12), day.month % 12 + 1, 1, tzinfo=UTC)
    billed_d = Decimal(billed)
    return CostRecord(
        billed_cost=billed_d, effective_cost=Decimal(effective) if effective is not None else billed_d,
        list_cost=Decimal(list_cost) if list_cost is not None else billed_d, contracted_cost=billed_d,
        billing_currency=currency, billing_period_start=period, billing_period_end=next_period,
        charge_period_start=start, charge_period_end=start + timedelta(days=1), charge_date=day,
        charge_category=category, provider_name=provider, publisher_name=provider, invoice_issuer_name=provider,
        billing_account_id=account, sub_account_id=sub_account, region_id=region, service_name=service,
        service_category=service_category, resource_id=resource, resource_type=resource_type,
        commitment_discount_id=commitment, tags=tags or {}, connection=connection,
        source_key=f"test:{account}:{day:%Y-%m}",
    )


def ledger(rows: list[CostRecord]) -> list[CostRecord]:
    return CostRecord.objects.bulk_create(rows)
