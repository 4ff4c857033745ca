"""What a provider plugin gives the core: canonical records, its spec and a small protocol.

Plugins are plain modules: a ``ProviderSpec`` (what the form asks, what it can do) and a plugin class
built from decrypted credentials. The core never imports a provider by name: it goes through
``apps.providers.registry``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar, runtime_checkable

from apps.inventory.vocabulary import ResourceKind, ResourceStatus

DEFAULT_CURRENCY = "RUB"
T = TypeVar("T")


def kind_of(kinds: Mapping[str, str], resource_type: str) -> str:
    """The provider-neutral kind of a plugin's ``resource_type`` (its ``KINDS`` table); ``other`` when unknown."""
    return kinds.get(resource_type, ResourceKind.OTHER)


@dataclass(frozen=True)
class ResourceRecord:
    """One resource as the provider reports it, in the unified inventory schema."""

    provider: str
    resource_id: str
    resource_name: str
    resource_type: str  # the provider's own machine name: vps, domain, mysql, postgresql, s3, hosting_plan, ...
    service_name: str  # category: Compute, Database, Storage, Network, Hosting
    kind: str = ResourceKind.OTHER  # the provider-neutral kind the plugin maps its resource type to
    status: str = ResourceStatus.UNKNOWN
    provider_status: str = ""
    region: str = ""
    account_id: str = ""
    project_id: str = ""
    daily_cost: Decimal | None = None
    monthly_cost: Decimal | None = None
    currency: str = DEFAULT_CURRENCY
    pricing_model: str = "on_demand"
    billing_period: str = "monthly"  # the period the provider quotes its price in
    created_at: datetime | None = None
    specs: Mapping[str, Any] = field(default_factory=dict)  # cpu_cores, memory_gb, disk_gb, engine, ...
    tags: Mapping[str, str] = field(default_factory=dict)
    provider_config: Mapping[str, Any] = field(default_factory=dict)  # provider-specific, secrets stripped


@dataclass(frozen=True)
class CostLine:
    """A cost for one resource (or the account) over one UTC day, in ``currency``.

    Only the first fields are required; what a line leaves empty (name, type, region, tags) the cost
    import takes from the inventory resource with the same ``resource_id`` in the same connection.
    ``service_category`` is a FOCUS ServiceCategory when the provider knows it (derived otherwise);
    ``extras`` become FOCUS ``x_`` columns, e.g. ``{"x_estimated": True}`` for costs computed from
    prices rather than read from the provider's billing.
    """

    provider: str
    resource_id: str
    day: date
    amount: Decimal
    currency: str = DEFAULT_CURRENCY
    service_name: str = ""
    description: str = ""
    resource_name: str = ""
    resource_type: str = ""
    region: str = ""
    sku_id: str = ""
    service_category: str = ""
    charge_category: str = "Usage"
    tags: Mapping[str, str] = field(default_factory=dict)
    extras: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricSeries:
    """A time series for one resource and metric (``cpu_percent``, ``memory_mb``, ...)."""

    resource_id: str
    metric: str
    unit: str
    points: tuple[tuple[datetime, Decimal], ...] = ()


@dataclass(frozen=True)
class ServiceLimit:
    used: Decimal | None
    limit: Decimal | None  # None = unlimited
    unit: str = ""


@dataclass(frozen=True)
class AccountInfo:
    """Account-level facts shown on the connection card (balance, rates, days to block, limits)."""

    account_id: str
    currency: str = DEFAULT_CURRENCY
    plan_name: str = ""
    status: str = ""
    balance: Decimal | None = None
    daily_rate: Decimal | None = None
    monthly_rate: Decimal | None = None
    yearly_rate: Decimal | None = None
    is_yearly_plan: bool | None = None
    days_to_block: int | None = None
    limits: Mapping[str, ServiceLimit] = field(default_factory=dict)
    server: Mapping[str, Any] = field(default_factory=dict)
    software: Mapping[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """A JSON-safe dict (money as strings) for ``ProviderConnection.account_info``."""

        def money(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "account_id": self.account_id,
            "currency": self.currency,
            "plan_name": self.plan_name,
            "status": self.status,
            "balance": money(self.balance),
            "daily_rate": money(self.daily_rate),
            "monthly_rate": money(self.monthly_rate),
            "yearly_rate": money(self.yearly_rate),
            "is_yearly_plan": self.is_yearly_plan,
            "days_to_block": self.days_to_block,
            "limits": {
                name: {"used": money(lim.used), "limit": money(lim.limit), "unit": lim.unit}
                for name, lim in self.limits.items()
            },
            "server": dict(self.server),
            "software": dict(self.software),
        }


@dataclass(frozen=True)
class CredentialField:
    """One input of the dynamic connection form. ``secret`` fields are write-only everywhere."""

    name: str
    label: str
    secret: bool = False
    required: bool = True
    help_text: str = ""
    widget: str = "text"  # text | password | textarea


class Capability:
    RESOURCES = "resources"
    COSTS = "costs"
    METRICS = "metrics"
    ACCOUNT_INFO = "account_info"


_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


@dataclass(frozen=True)
class Brand:
    """How a provider is drawn: its tile (the short mark on a gradient, or a logo) and its colour in charts."""

    badge: str  # the short mark on the tile: YC, SEL, BG...
    color: str = ""  # the brand colour, #RRGGBB: chart series, the tile's gradient end (the app's blue if empty)
    color_light: str = ""  # the tile's gradient start (``color`` if empty)
    ink: str = "#FFFFFF"  # the badge's letters on the tile
    logo: str = ""  # a static image path shown on the tile instead of the badge

    def __post_init__(self) -> None:
        for value in (self.color, self.color_light, self.ink):
            if value and not _COLOR.fullmatch(value):
                raise ValueError(f"a brand colour is #RRGGBB, not {value!r}")

    def css_variables(self) -> str:
        """The ``style`` of a tile: custom properties the stylesheet reads (``--provider-color``...)."""
        pairs = (("color", self.color), ("color-light", self.color_light or self.color), ("ink", self.ink))
        return "; ".join(f"--provider-{name}: {value}" for name, value in pairs if value)


@dataclass(frozen=True)
class ProviderSpec:
    """What the core knows of a provider without importing its client: the connection form, what it can
    do, and how it is shown (brand, labels of its account limits and of its own spec keys)."""

    key: str
    label: str
    icon: str
    plugin: str  # dotted path of the plugin class, imported lazily
    credential_fields: tuple[CredentialField, ...]
    # Alternative credentials: at least one whole group (every field of it filled in) must be given, e.g.
    # (("oauth_token",), ("authorized_key",)). The fields of a group are ``required=False`` on their own.
    credential_groups: tuple[tuple[str, ...], ...] = ()
    # Fields that need others: when the key field is filled in, each field it names must be too, e.g. Yandex's
    # {"billing_bucket": ("s3_access_key_id", "s3_secret_access_key")}. Enforced by the services like groups.
    credential_requires: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    capabilities: frozenset[str] = frozenset()
    default_endpoint: str = ""
    docs_url: str = ""
    brand: Brand | None = None  # None: the key's first letters on the app's colours
    # Other names of the provider in billing data (FOCUS ProviderName), e.g. "AWS": charts colour them alike.
    aliases: tuple[str, ...] = ()
    # Labels of the account limits its ``AccountInfo.limits`` reports, by limit name.
    limit_labels: Mapping[str, Any] = field(default_factory=dict)
    # What each rate of its ``AccountInfo`` is (``daily_rate``, ``monthly_rate``, ``yearly_rate`` -> label), in
    # the order the card shows them; a rate without a label is not shown. Empty: "per day" and "per month".
    # Rates are never derived from one another: each is a figure the provider reports.
    rate_labels: Mapping[str, Any] = field(default_factory=dict)
    # (label, unit) of the spec keys only this provider reports; provider-neutral keys (cpu_cores,
    # memory_gb, disk_gb...) are labelled by the inventory itself.
    spec_labels: Mapping[str, tuple[Any, str]] = field(default_factory=dict)
    # Words of its own service names and resource types by FOCUS ServiceCategory (Compute, Storage,
    # Databases, Networking), for cost lines that name no category: whole words ("ec2") or phrases
    # ("route 53"), lower case. Provider-neutral words ("database", "volume"...) are the ledger's own.
    service_categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def display_brand(self) -> Brand:
        return self.brand or Brand(badge=self.key[:3].upper())

    def limit_label(self, name: str) -> str:
        return str(self.limit_labels.get(name) or name.replace("_", " ").capitalize())

    @property
    def secret_field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.credential_fields if f.secret)

    def field(self, name: str) -> CredentialField | None:
        return next((f for f in self.credential_fields if f.name == name), None)

    def __post_init__(self) -> None:
        names = {f.name for f in self.credential_fields}
        for group in self.credential_groups:
            if not group or set(group) - names:
                raise ValueError(f"{self.key}: a credential group names unknown fields: {group!r}")
        for name, needed in self.credential_requires.items():
            if name not in names or set(needed) - names:
                raise ValueError(f"{self.key}: credential_requires names unknown fields: {name!r} {needed!r}")


def readable(endpoint: str, func: Callable[[], T]) -> T:
    """Run ``func``; a payload the normalizer cannot read becomes a ProviderBadResponse for ``endpoint``."""
    from apps.providers.exceptions import ProviderBadResponse, ProviderError

    try:
        return func()
    except ProviderError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise ProviderBadResponse(endpoint=endpoint, detail=f"unreadable payload ({type(exc).__name__})") from exc


def normalized(endpoint: str, func: Callable[[], T]) -> Callable[[], T]:
    """``func`` wrapped by ``readable``: what an ``Endpoint.fetch`` should be."""
    return lambda: readable(endpoint, func)


@dataclass(frozen=True)
class Endpoint:
    """One isolated unit of fetching: its failure must not stop the others.

    ``resource_types`` are the provider's ``resource_type`` values it lists (not the neutral ``kind``); the
    sync engine marks missing resources of those types deleted only when this endpoint succeeded.
    """

    name: str
    resource_types: frozenset[str]
    fetch: Callable[[], list[ResourceRecord]]


@runtime_checkable
class ProviderPlugin(Protocol):
    """Built from decrypted credentials (and an optional base URL) by the core.

    A plugin whose spec declares ``Capability.COSTS`` also implements :class:`CostSource`
    (``cost_lines(*, start, end)``) or :class:`BillingExportSource` (``billing_exports(*, start, end)``);
    the sync engine's costs post-sync step calls it.
    """

    spec: ProviderSpec

    def test_connection(self) -> AccountInfo:
        """Authenticate and read the cheapest account call; raise ``ProviderError`` on failure."""

    def account_info(self) -> AccountInfo: ...

    def endpoints(self) -> list[Endpoint]:
        """Resource-listing endpoints, each isolated."""

    def metrics(self, resource: ResourceRecord) -> list[MetricSeries]: ...


@runtime_checkable
class CostSource(Protocol):
    """The optional cost half of a plugin (spec capability ``Capability.COSTS``)."""

    def cost_lines(self, *, start: date, end: date) -> Iterable[CostLine]:
        """Daily costs for the days ``start <= day < end`` (end exclusive, UTC days), as a list or a
        generator (consumed once, inside the import's transaction: a large answer need not fit in memory).

        Every day the provider reports in the window must be returned, since the caller replaces the
        window's ledger rows with the answer; raise ``ProviderError`` when it cannot be read whole.
        """


class CostsDeferred(Exception):  # noqa: N818 (not an error: a skip)
    """Raised by ``CostSource.cost_lines`` when the costs are not read this time and that is no failure (a shared
    request-rate gate is closed, or the source is not set up): the costs step leaves the ledger as it is and,
    when the exception carries a message, notes it on the run (``sync_config["costs_skipped"]``), without an
    error entry."""


@dataclass(frozen=True)
class BillingExportFile:
    """One file of a provider's billing export (e.g. Yandex Cloud's daily detail CSV in Object Storage).

    ``day`` is the day the file is named after; ``etag`` and ``last_modified`` are the storage's own, so the
    caller can tell whether the file changed since it was imported. ``open()`` downloads the file and is a
    context manager yielding the local path of the copy (removed on exit); it raises ``ProviderError``.
    """

    name: str
    day: date
    etag: str
    open: Callable[[], AbstractContextManager[str]]
    last_modified: datetime | None = None
    size: int | None = None


@runtime_checkable
class BillingExportSource(Protocol):
    """The optional billing-export half of a plugin: a provider that writes its detailed bill as files the
    customer can let us read (a bucket) rather than answering an API. The costs post-sync step imports each
    file through the provider's native billing format (``apps/costs/importers``), the same importer as a
    manual upload, so a file re-read replaces the ledger rows of its days.
    """

    def billing_exports_configured(self) -> bool:
        """Whether this connection is set up to read the export (the spec's fields are optional): when not,
        the costs step skips the connection without an error."""

    def billing_exports(self, *, start: date, end: date) -> Iterable[BillingExportFile]:
        """The export files of the days ``start <= day < end`` (end exclusive), oldest first, listed whole
        before any is downloaded; raise ``ProviderError`` when the listing cannot be read."""


class RememberedRecords:
    """A plugin that keeps what each endpoint listed during its sync (``_listed`` by endpoint name, ``_failed``
    names), so its estimated cost lines reuse them: wrap each ``Endpoint.fetch`` with ``_remember(name, fetch)``
    and create ``self._listed = {}`` and ``self._failed = set()`` in ``__init__``."""

    _listed: dict[str, list[ResourceRecord]]
    _failed: set[str]

    def _remember(self, name: str, fetch: Callable[[], list[ResourceRecord]]) -> Callable[[], list[ResourceRecord]]:
        from apps.providers.exceptions import ProviderError

        def run() -> list[ResourceRecord]:
            try:
                records = fetch()
            except ProviderError:
                self._failed.add(name)
                raise
            self._listed[name] = records
            self._failed.discard(name)
            return records

        return run


def estimated_cost_lines(*, provider: str, endpoints: Iterable[Endpoint], listed: Mapping[str, list[ResourceRecord]],
                         failed: Iterable[str], days: list[date]) -> Iterator[CostLine]:
    """ESTIMATED daily lines of a provider that publishes prices but no per-day charges: each priced record of
    ``endpoints`` (its daily cost baseline: ``apps.inventory.costs.cost_baseline``) once per day of ``days``,
    marked ``x_estimated`` with the price the provider quotes and its period.

    The records of the plugin's sync (``listed`` by endpoint name) are reused and an endpoint not read yet is
    read now; one that failed (``failed``, or now) is left out rather than failing every estimate: the import
    keeps the earlier estimates of resources missing from the answer. Rejected credentials fail the answer.
    Generated one line at a time (10 000 resources over 35 days are 350 000 lines)."""
    from apps.inventory.costs import cost_baseline
    from apps.providers.exceptions import ProviderAuthError, ProviderError

    skipped = set(failed)
    for endpoint in endpoints:
        if endpoint.name in skipped:
            continue
        try:
            records = listed[endpoint.name] if endpoint.name in listed else endpoint.fetch()
        except ProviderAuthError:
            raise
        except ProviderError:
            continue
        for record in records:
            baseline = cost_baseline(record)
            if not baseline.daily_cost:
                continue
            extras = {"x_estimated": True, "x_price": str(baseline.original_price),
                      "x_price_period": baseline.original_period}
            tags = dict(record.tags)
            for day in days:
                yield CostLine(provider=provider, resource_id=record.resource_id, day=day,
                               amount=baseline.daily_cost, currency=record.currency,
                               service_name=record.service_name, description=record.resource_name,
                               resource_name=record.resource_name, resource_type=record.resource_type,
                               region=record.region, tags=tags, extras=extras)
