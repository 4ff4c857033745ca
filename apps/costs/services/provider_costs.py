"""Native cost pulls: a provider plugin's ``CostLine``s written to the FOCUS ledger.

``provider_costs_import(connection=, start=, end=)`` replaces one connection's ledger rows for the
charge dates ``start <= day < end`` (source ``provider:<connection id>``) in one transaction, links each
row to the inventory resource of that connection with the same resource id, and refreshes the daily
rollups of the window. ``provider_costs_sync_step`` is the first post-sync step (``SYNC_POST_STEPS``): it
fetches the lines of the last ``PROVIDER_COST_DAYS`` UTC days with the run's plugin and imports them.

Two rules that come from what the lines are:
- A line whose resource id is the billing account itself and no inventory resource (AWS reports costs
  per service, per account) is an account-level charge: FOCUS ResourceId stays empty.
- Estimated lines (``x_estimated``: costs computed from current prices, e.g. Beget, not read from a
  bill) are kept only for days on which InfraZen knew the resource (from the day it was first seen to
  the day it was deleted) and only when it is in the inventory. On re-import, the estimates of a
  resource absent from the new answer are kept: it was deleted, and those days were real.
- The bill wins over the API: no line (an estimate or a usage report's) is written for a day on which a billing
  file attached to the same connection has rows (VK Cloud's detail export, a Yandex Cloud detail CSV uploaded for
  history), and importing such a file deletes the connection's API rows of its days
  (``ledger.provider_rows_supersede``), so the ledger never counts a day twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from apps.allocation.services import signatures_forget
from apps.audit.services import audit_event_record
from apps.common.bulk import bulk_copy
from apps.inventory.models import Resource, ResourceTag
from apps.inventory.vocabulary import ResourceKind
from apps.providers import registry
from apps.providers.exceptions import ProviderError, SyncErrorCode
from apps.providers.models import SyncPhase, SyncRun
from apps.providers.plugins.base import BillingExportSource, Capability, CostLine, CostsDeferred, CostSource
from apps.providers.runs import sync_run_progress

from ..models import CostRecord
from ..selectors.ledger import ledger_watermark
from .billing_exports import billing_exports_sync
from .ledger import ESTIMATED_EXTRA, PROVIDER_SOURCE_PREFIX
from .rollups import cost_rollups_refresh

logger = logging.getLogger(__name__)

SOURCE_PREFIX = PROVIDER_SOURCE_PREFIX
CHARGE_FREQUENCY = "Usage-Based"
ESTIMATED = ESTIMATED_EXTRA

# FOCUS ServiceCategory of the inventory resource's provider-neutral kind, when the line has a resource.
_KIND_CATEGORIES = {
    ResourceKind.COMPUTE: "Compute", ResourceKind.KUBERNETES: "Compute", ResourceKind.HOSTING_PLAN: "Compute",
    ResourceKind.VOLUME: "Storage", ResourceKind.SNAPSHOT: "Storage", ResourceKind.IMAGE: "Storage",
    ResourceKind.BUCKET: "Storage", ResourceKind.DATABASE: "Databases", ResourceKind.IP_ADDRESS: "Networking",
    ResourceKind.LOAD_BALANCER: "Networking", ResourceKind.NETWORK: "Networking", ResourceKind.DOMAIN: "Networking",
}
# Otherwise by words of the service name (then the resource type): first match wins, so databases and
# storage are recognized before the compute family they often belong to. (category, phrases found anywhere,
# whole words): provider-neutral words only; a provider's own ("ec2", "route 53") are on its
# ``ProviderSpec.service_categories``.
_NEUTRAL_RULES: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...] = (
    ("Databases", ("database", "mysql", "postgres", "redis", "mongo", "clickhouse", "dbaas", "kafka", "opensearch"),
     frozenset({"db", "sql", "mssql"})),
    ("Storage", ("storage", "volume", "disk", "backup", "snapshot", "bucket", "block store", "file system"),
     frozenset({"s3", "ftp", "ftp_account"})),
    ("Networking", ("network", "domain", "address", "load balanc", "virtual private cloud", "transfer", "gateway"),
     frozenset({"ip", "dns", "cdn", "vpc", "nat"})),
    ("Compute", ("compute", "server", "instance", "kubernetes", "container", "function", "hosting"),
     frozenset({"vps", "vm", "k8s"})),
)
_WORD = re.compile(r"[a-z0-9_]+")


def _provider_rules(words: Mapping[str, tuple[str, ...]]) -> list[tuple[str, tuple[str, ...], frozenset[str]]]:
    """A spec's words as rules: a phrase of several words is found anywhere, a single word as a whole word."""
    return [(category, tuple(w for w in found if " " in w), frozenset(w for w in found if " " not in w))
            for category, found in words.items()]


def focus_service_category(*texts: str, kind: str = "",
                           provider_words: Mapping[str, tuple[str, ...]] | None = None) -> str:
    """Compute, Storage, Databases, Networking or Other for a resource's ``kind``, else a provider's service
    name / resource type (the provider's own words first, then the neutral ones)."""
    if kind in _KIND_CATEGORIES:
        return _KIND_CATEGORIES[kind]
    for text in texts:
        lowered = (text or "").lower()
        if not lowered:
            continue
        words = set(_WORD.findall(lowered))
        for category, phrases, tokens in (*_provider_rules(provider_words or {}), *_NEUTRAL_RULES):
            if words & tokens or any(phrase in lowered for phrase in phrases):
                return category
    return "Other"


def source_key(connection) -> str:
    return f"{SOURCE_PREFIX}{connection.pk}"


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _month(day: date) -> tuple[datetime, datetime]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return _utc(first), _utc(following)


def _utc_date(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(UTC).date()


class _Known(NamedTuple):
    """What the import needs of an inventory resource (a tuple: 10 000 of them stay small)."""

    pk: int
    resource_type: str
    kind: str
    resource_name: str
    region: str
    first_seen_at: datetime | None
    deleted_at: datetime | None
    is_deleted: bool


class _Inventory:
    """The connection's resources by resource id (and by type + id), with their tags: two queries."""

    def __init__(self, connection):
        rows = (Resource.objects.filter(connection=connection).order_by("is_deleted", "id")
                .values_list("id", "resource_id", "resource_type", "kind", "resource_name", "region", "first_seen_at",
                             "deleted_at", "is_deleted"))
        self.by_id: dict[str, _Known] = {}
        self.by_type: dict[tuple[str, str], _Known] = {}
        for pk, resource_id, *rest in rows.iterator(chunk_size=5000):  # live resources first: they win a shared id
            known = _Known(pk, *rest)
            self.by_id.setdefault(resource_id, known)
            self.by_type.setdefault((known.resource_type, resource_id), known)
        tags: dict[int, dict[str, str]] = {}
        for resource_pk, key, value in ResourceTag.objects.filter(resource__connection=connection).values_list(
                "resource_id", "key", "value").iterator(chunk_size=5000):
            tags.setdefault(resource_pk, {})[key] = value
        self.tags = tags

    def find(self, line: CostLine) -> _Known | None:
        if line.resource_type:
            found = self.by_type.get((line.resource_type, line.resource_id))
            if found is not None:
                return found
        return self.by_id.get(line.resource_id)


def _known_on(resource: _Known | None, day: date) -> bool:
    """Whether InfraZen knew ``resource`` on ``day``: the rule for estimated lines."""
    if resource is None:
        return False
    first = _utc_date(resource.first_seen_at)
    gone = _utc_date(resource.deleted_at) if resource.is_deleted else None
    return (first is None or day >= first) and (gone is None or day <= gone)


def _record(line: CostLine, *, connection, key: str, provider_name: str, account_id: str, account_name: str,
            resource: _Known | None, tags: dict[str, str], category_words: Mapping[str, tuple[str, ...]]) -> CostRecord:
    amount = Decimal(line.amount)
    billing_start, billing_end = _month(line.day)
    resource_id = "" if resource is None and line.resource_id == account_id else line.resource_id
    resource_type = line.resource_type or (resource.resource_type if resource else "")
    service_name = line.service_name[:255]
    extras: dict[str, Any] = {k: v for k, v in dict(line.extras).items() if str(k).startswith("x_")}
    return CostRecord(
        billed_cost=amount, effective_cost=amount, list_cost=amount, contracted_cost=amount,
        billing_currency=(line.currency or "RUB").upper()[:3],
        billing_period_start=billing_start, billing_period_end=billing_end,
        charge_period_start=_utc(line.day), charge_period_end=_utc(line.day + timedelta(days=1)),
        charge_date=line.day, charge_category=line.charge_category or "Usage", charge_frequency=CHARGE_FREQUENCY,
        charge_description=line.description,
        provider_name=provider_name, publisher_name=provider_name, invoice_issuer_name=provider_name,
        billing_account_id=account_id[:255], billing_account_name=account_name[:255],
        region_id=(line.region or (resource.region if resource else ""))[:100],
        service_name=service_name,
        service_category=line.service_category or focus_service_category(
            service_name, resource_type, kind=resource.kind if resource else "", provider_words=category_words),
        resource_id=resource_id,
        resource_name=line.resource_name or (resource.resource_name if resource else ""),
        resource_type=resource_type[:255], sku_id=line.sku_id[:255], pricing_category="Standard",
        tags={str(k): str(v) for k, v in dict(line.tags or tags).items()}, extras=extras,
        connection=connection, inventory_resource_id=resource.pk if resource else None, source_key=key,
    )


def _imported_days(connection, *, start: date, end: date) -> set[date]:
    """The days of [start, end) for which a billing file attached to ``connection`` gave the bill's figures: the
    connection's lines from the provider's API (estimates, usage reports) step aside on them
    (``ledger.provider_rows_supersede`` is the import's side)."""
    return set(CostRecord.objects.filter(connection=connection, billing_import__isnull=False, charge_date__gte=start,
                                         charge_date__lt=end).values_list("charge_date", flat=True).distinct())


@transaction.atomic
def provider_costs_import(*, connection, start: date, end: date, lines: Iterable[CostLine] | None = None,
                          plugin=None) -> int:
    """Replace ``connection``'s native costs for ``start <= charge date < end``; returns the rows written.

    ``lines`` are the plugin's answer for that window, any iterable consumed once (fetched here with
    ``plugin`` or a new one when not given: the plugin must implement ``cost_lines``). Lines outside the
    window are ignored. The lines are streamed into the ledger with one COPY, then the rows they replace
    are deleted with one statement: memory and the number of queries do not grow with the answer. All of
    it happens in one transaction: a failure leaves the previous ledger as it was.
    """
    if end <= start:
        return 0
    if lines is None:
        if plugin is None:
            from apps.providers.services import connection_plugin

            plugin = connection_plugin(connection)
        lines = plugin.cost_lines(start=start, end=end)
    spec = registry.get_spec(connection.provider)
    provider_name = str(spec.label)
    account_id = str((connection.account_info or {}).get("account_id") or "") or f"connection-{connection.pk}"
    key = source_key(connection)
    inventory = _Inventory(connection)
    table = CostRecord._meta.db_table
    # Rows up to this id are the earlier ones (one sync per connection at a time writes this source).
    watermark = ledger_watermark()
    answered_estimates: set[str] = set()
    imported_days = _imported_days(connection, start=start, end=end)

    def records():
        for line in lines:
            if not (start <= line.day < end) or line.amount is None:
                continue
            estimated = bool(dict(line.extras).get(ESTIMATED))
            if estimated:
                answered_estimates.add(line.resource_id)
            resource = inventory.find(line) if line.resource_id else None
            if line.day in imported_days or (estimated and not _known_on(resource, line.day)):
                continue
            yield _record(line, connection=connection, key=key, provider_name=provider_name, account_id=account_id,
                          account_name=connection.name, resource=resource,
                          tags=inventory.tags.get(resource.pk, {}) if resource else {},
                          category_words=spec.service_categories)

    written = bulk_copy(CostRecord, records())
    # The earlier rows of the window go, except the estimates of resources gone from the answer: they
    # describe days on which the resource existed.
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id <= %s AND source_key = %s "  # noqa: S608
            "AND hashtextextended(source_key, 0) = hashtextextended(%s, 0) "  # the source-key index (models.id_hash)
            "AND charge_date >= %s AND charge_date < %s AND NOT (extras @> %s AND NOT resource_id = ANY(%s))",
            [watermark, key, key, start, end, Jsonb({ESTIMATED: True}), sorted(answered_estimates)])
        replaced = cursor.rowcount
    cost_rollups_refresh(start=start, end=end - timedelta(days=1))
    audit_event_record(schema_name=db_connection.schema_name, action="costs.provider_import",
                       target=f"connection:{connection.pk}",
                       data={"start": start.isoformat(), "end": end.isoformat(), "rows": written,
                             "replaced": replaced})
    return written


def provider_costs_window(*, days: int, today: date) -> tuple[date, date]:
    """The last ``days`` UTC days up to and including ``today``, as a half-open [start, end)."""
    end = today + timedelta(days=1)
    return end - timedelta(days=max(days, 0)), end


def provider_costs_sync_step(run: SyncRun, *, plugin: CostSource) -> list[dict[str, str]] | None:
    """The post-sync step of providers with ``Capability.COSTS``: pull ``plugin.cost_lines`` for the last
    ``PROVIDER_COST_DAYS`` UTC days and replace the connection's rows of that window in the ledger. A plugin
    that is a ``BillingExportSource`` has its export files of the window imported instead
    (``billing_exports.billing_exports_sync``; nothing when the connection has no export configured, unless
    the plugin is also a ``CostSource``: Yandex reads its usage reports then). ``CostsDeferred`` from
    ``cost_lines`` skips the import this time; its message is noted as ``sync_config["costs_skipped"]``.

    Any failure is one ``costs`` error entry (the run turns partial) and leaves the ledger as it was: the
    import writes in one transaction, after the fetch.
    """
    connection = run.connection
    if Capability.COSTS not in registry.get_spec(connection.provider).capabilities:
        return None
    days = int(getattr(settings, "PROVIDER_COST_DAYS", 35))
    if days <= 0:
        return None
    start, end = provider_costs_window(days=days, today=(run.started_at or timezone.now()).astimezone(UTC).date())
    if run.resources_created or run.resources_updated:
        signatures_forget()  # names, tags or projects may have changed: the window is allocated afresh
    if isinstance(plugin, BillingExportSource) and (
            plugin.billing_exports_configured() or not isinstance(plugin, CostSource)):
        # Export files are named after the provider's own day (Moscow for Yandex), which starts before the UTC
        # one: one more day lets today's file in.
        return billing_exports_sync(run, plugin=plugin, start=start, end=end + timedelta(days=1))
    sync_run_progress(run, phase=SyncPhase.COSTS, current_endpoint="costs")
    try:
        lines = plugin.cost_lines(start=start, end=end)
        written = provider_costs_import(connection=connection, start=start, end=end, lines=lines)
    except CostsDeferred as exc:  # not read this time (a rate gate, no source set up): the ledger stays
        if str(exc):
            logger.info("sync %s: costs skipped: %s", run.pk, exc)
            sync_run_progress(run, current_endpoint="", sync_config={
                **(run.sync_config or {}), "costs_skipped": str(exc)[:500]})
        return None
    except ProviderError as exc:
        return [{"endpoint": "costs", "code": exc.code.value, "message": str(exc)[:500]}]
    except Exception:  # a plugin or mapping bug must not fail the resources already saved
        logger.exception("sync %s: the cost import failed unexpectedly", run.pk)
        return [{"endpoint": "costs", "code": SyncErrorCode.INTERNAL_ERROR.value,
                 "message": _("The provider's costs could not be processed.")}]
    sync_run_progress(run, cost_records=written)
    return None
