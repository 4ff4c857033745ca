"""Hand-built rule contexts: resources, metric summaries and ledger lines without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

from apps.recommendations.context import Context, MetricSummary, ResourceView, UsageLine

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
NBSP = "\xa0"
_pks = count(1)


def D(value) -> Decimal:  # noqa: N802 -- short on purpose
    return Decimal(str(value))


def rub(text: str) -> str:
    """``"6 652,80"`` -> ``"6\xa0652,80\xa0₽"`` (the UI groups thousands and sets the sign with no-break spaces)."""
    return text.replace(" ", NBSP) + f"{NBSP}₽"


def resource(kind: str, *, status: str = "running", name: str = "", resource_id: str = "", provider: str = "yandex",
             connection_id: int = 1, specs: dict | None = None, config: dict | None = None, price=None, spend=None,
             created_at: datetime | None = None, first_seen_at: datetime | None = None) -> ResourceView:
    pk = next(_pks)
    return ResourceView(
        pk=pk, connection_id=connection_id, provider=provider, resource_id=resource_id or f"{kind}-{pk}",
        name=name or f"{kind}-{pk}", resource_type=kind, kind=kind, status=status, specs=specs or {},
        config=config or {}, monthly_price=None if price is None else D(price),
        spend=None if spend is None else D(spend), created_at=created_at, first_seen_at=first_seen_at)


def summary(metric: str, *, p95, avg=None, days: int = 14, points: int | None = None, end: datetime = NOW,
            high=None) -> MetricSummary:
    """Hourly samples over ``days`` days ending at ``end``: the first at ``end - days + 1 h``."""
    points = points if points is not None else days * 24
    return MetricSummary(metric=metric, avg=D(avg if avg is not None else p95), p95=D(p95),
                         max=D(high if high is not None else p95), min=D(0), points=points,
                         start=end - timedelta(days=days) + timedelta(hours=1), end=end)


def line(description: str, unit: str, quantity, cost, *, sku: str = "sku", days: int = 30) -> UsageLine:
    return UsageLine(sku_id=sku, description=description, pricing_unit=unit, quantity=D(quantity), cost=D(cost),
                     days=days)


def context(*resources: ResourceView, summaries: dict | None = None, usage: dict | None = None,
            now: datetime = NOW) -> Context:
    """``summaries`` and ``usage``: lists of metric summaries / ledger lines by resource pk."""
    return Context(now=now, resources=list(resources),
                   summaries={pk: {s.metric: s for s in many} for pk, many in (summaries or {}).items()},
                   usage={pk: list(lines) for pk, lines in (usage or {}).items()})


def params(rule, **overrides) -> dict:
    values = rule.defaults()
    values.update({key: D(value) for key, value in overrides.items()})
    return values
