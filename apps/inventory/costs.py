"""The daily cost baseline (product description section 6.2): pure functions, no database.

Every recurring price is normalized to a daily cost (monthly / 30, yearly / 365, hourly * 24) and kept
beside the original price and its period.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .models import CostPeriod

DAILY_QUANT = Decimal("0.0001")
MONTHLY_QUANT = Decimal("0.01")
DAYS_PER_MONTH = Decimal(30)
DAYS_PER_YEAR = Decimal(365)
HOURS_PER_DAY = Decimal(24)
PERIODS = frozenset(CostPeriod.values)


def normalize_to_daily(amount: Decimal | None, period: str) -> Decimal | None:
    if amount is None:
        return None
    if period == CostPeriod.DAILY:
        daily = amount
    elif period == CostPeriod.YEARLY:
        daily = amount / DAYS_PER_YEAR
    elif period == CostPeriod.HOURLY:
        daily = amount * HOURS_PER_DAY
    else:  # monthly, and the default for an unknown period
        daily = amount / DAYS_PER_MONTH
    return daily.quantize(DAILY_QUANT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CostBaseline:
    daily_cost: Decimal | None
    monthly_cost: Decimal | None
    original_price: Decimal | None
    original_period: str


def _quantize(value: Decimal | None, quant: Decimal) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(quant, rounding=ROUND_HALF_UP)


def cost_baseline(record: Any) -> CostBaseline:
    """From a ``ResourceRecord``: the provider's own daily / monthly figures win; what is missing is derived
    from the original price in its period."""
    period = getattr(record, "billing_period", "") or CostPeriod.MONTHLY
    if period not in PERIODS:
        period = CostPeriod.MONTHLY
    daily, monthly = record.daily_cost, record.monthly_cost
    original = getattr(record, "original_price", None)
    if original is None:
        if period == CostPeriod.MONTHLY:
            original = monthly if monthly is not None else (daily * DAYS_PER_MONTH if daily is not None else None)
        elif period == CostPeriod.DAILY:
            original = daily if daily is not None else (monthly / DAYS_PER_MONTH if monthly is not None else None)
        elif period == CostPeriod.HOURLY:
            original = daily / HOURS_PER_DAY if daily is not None else None
        else:
            original = daily * DAYS_PER_YEAR if daily is not None else (
                monthly * 12 if monthly is not None else None)
    if daily is None:
        daily = normalize_to_daily(original, period)
    if monthly is None and daily is not None:
        monthly = daily * DAYS_PER_MONTH
    return CostBaseline(
        daily_cost=_quantize(daily, DAILY_QUANT),
        monthly_cost=_quantize(monthly, MONTHLY_QUANT),
        original_price=_quantize(original, DAILY_QUANT),
        original_period=period,
    )
