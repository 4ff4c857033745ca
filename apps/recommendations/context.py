"""What a rule sees: plain data built by the selectors (``apps.recommendations.selectors.context_build``).

Rules are pure functions of a ``Context``: tests build one by hand, with no database. Money here is in the
organization's currency (roubles by default); a month is ``MONTH_DAYS`` days (720 hours), as the providers'
price lists count it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

MONTH_DAYS = Decimal(30)
MONTH_HOURS = Decimal(720)
NON_PRODUCTION = ("dev", "development", "test", "testing", "stage", "staging", "qa", "sandbox", "demo", "preprod",
                  "uat", "review")
PRODUCTION = ("prod", "production", "prd", "live")
ENVIRONMENT_TAGS = ("env", "environment", "stage", "окружение")


@dataclass(frozen=True)
class MetricSummary:
    """A metric of a resource over the stored window (``ResourceMetricSummary``)."""

    metric: str
    avg: Decimal
    p95: Decimal
    max: Decimal
    min: Decimal
    points: int
    start: datetime
    end: datetime

    @property
    def days(self) -> Decimal:
        return Decimal((self.end - self.start).total_seconds()) / 86400


@dataclass(frozen=True)
class UsageLine:
    """What the ledger charged one resource for one SKU over the context's cost window."""

    sku_id: str
    description: str
    pricing_unit: str
    quantity: Decimal
    cost: Decimal
    days: int  # charge dates with this SKU

    @property
    def unit_price(self) -> Decimal | None:
        return self.cost / self.quantity if self.quantity else None


@dataclass(frozen=True)
class ResourceView:
    pk: int
    connection_id: int
    provider: str
    resource_id: str
    name: str
    resource_type: str
    kind: str
    status: str
    region: str = ""
    specs: Mapping[str, Any] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    environment: str = ""
    owner: str = ""
    # The business fields people fill in (owner, team, business_unit, project, environment, cost_center...).
    business: Mapping[str, str] = field(default_factory=dict)
    # The provider's monthly price (list price converted to the organization's currency), when it quotes one.
    monthly_price: Decimal | None = None
    # What the ledger charged over the cost window (``Context.cost_days`` days), when it has rows for it.
    spend: Decimal | None = None
    created_at: datetime | None = None
    first_seen_at: datetime | None = None
    pricing_model: str = ""

    @property
    def label(self) -> str:
        return self.name or self.resource_id

    def spec(self, key: str) -> Decimal | None:
        value = self.specs.get(key)
        if value is None or value == "" or isinstance(value, bool):  # not ``in (True, False)``: 1 == True
            return None
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            return None
        return number if number.is_finite() else None

    @property
    def env(self) -> str:
        """The environment in lower case: the business field first, else an environment tag."""
        if self.environment:
            return self.environment.strip().lower()
        for key in ENVIRONMENT_TAGS:
            for tag_key, value in self.tags.items():
                if tag_key.lower() == key and value:
                    return value.strip().lower()
        return ""

    @property
    def is_non_production(self) -> bool:
        env = self.env
        if env:
            return env in NON_PRODUCTION or any(env.startswith(word) for word in ("dev", "test", "stag"))
        name = self.label.lower()
        return any(f"{word}" in name.replace("_", "-").split("-") for word in NON_PRODUCTION)


@dataclass
class Context:
    """Everything the rules read, by resource primary key."""

    now: datetime
    currency: str = "RUB"
    resources: Sequence[ResourceView] = ()
    summaries: Mapping[int, Mapping[str, MetricSummary]] = field(default_factory=dict)
    # Hour-of-week profile (168 slots, Monday 00:00 Moscow time first): the highest value seen in each slot
    # over the window, None where no sample fell; by resource pk and metric.
    hour_profiles: Mapping[int, Mapping[str, Sequence[Decimal | None]]] = field(default_factory=dict)
    usage: Mapping[int, Sequence[UsageLine]] = field(default_factory=dict)
    cost_days: int = 30
    # Connection id -> account information (``balance``, ``currency``, plan limits...) as the plugin reported it.
    accounts: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    # Russian production calendar: non-working days (holidays and moved days off) in the window and ahead.
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        self._by_kind: dict[str, list[ResourceView]] = {}
        self._by_pk: dict[int, ResourceView] = {}
        for resource in self.resources:
            self._by_kind.setdefault(resource.kind, []).append(resource)
            self._by_pk[resource.pk] = resource

    def of_kind(self, *kinds: str) -> list[ResourceView]:
        return [r for kind in kinds for r in self._by_kind.get(kind, ())]

    def resource(self, pk: int) -> ResourceView | None:
        return self._by_pk.get(pk)

    def summary(self, resource: ResourceView, *metrics: str) -> MetricSummary | None:
        """The first of ``metrics`` the resource has a summary of."""
        found = self.summaries.get(resource.pk, {})
        for metric in metrics:
            if metric in found:
                return found[metric]
        return None

    def monthly_cost(self, resource: ResourceView) -> tuple[Decimal | None, str]:
        """The resource's monthly cost and where it comes from: ``"price"`` (the provider's price) or
        ``"ledger"`` (the last ``cost_days`` days of the ledger scaled to a month); ``(None, "")`` when unknown."""
        if resource.monthly_price is not None and resource.monthly_price > 0:
            return resource.monthly_price, "price"
        if resource.spend is not None and resource.spend > 0 and self.cost_days:
            return resource.spend * MONTH_DAYS / self.cost_days, "ledger"
        return None, ""
