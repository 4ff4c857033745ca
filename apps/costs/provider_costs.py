"""Native cost pulls: a provider plugin's ``CostLine``s written to the FOCUS ledger.

``provider_costs_import(connection=, start=, end=)`` replaces one connection's ledger rows for the
charge dates ``start <= day < end`` (source ``provider:<connection id>``) in one transaction, links each
row to the inventory resource of that connection with the same resource id, and refreshes the daily
rollups of the window. The sync engine calls it in its "costs" stage with the lines it fetched itself.

Two rules that come from what the lines are:
- A line whose resource id is the billing account itself and no inventory resource (AWS reports costs
  per service, per account) is an account-level charge: FOCUS ResourceId stays empty.
- Estimated lines (``x_estimated``: costs computed from current prices, e.g. Beget, not read from a
  bill) are kept only for days on which InfraZen knew the resource (from the day it was first seen to
  the day it was deleted) and only when it is in the inventory. On re-import, the estimates of a
  resource absent from the new answer are kept: it was deleted, and those days were real.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q

from apps.audit.services import audit_event_record
from apps.inventory.models import Resource, ResourceTag
from apps.providers import registry
from apps.providers.plugins.base import CostLine

from .models import CostRecord
from .rollups import cost_rollups_refresh

BATCH_SIZE = 2000
SOURCE_PREFIX = "provider:"
CHARGE_FREQUENCY = "Usage-Based"
ESTIMATED = "x_estimated"

# FOCUS ServiceCategory by keywords of the service name (then the resource type): first match wins,
# so databases and storage are recognized before the compute family they often belong to ("EC2 - Other").
_CATEGORY_RULES: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...] = (
    ("Databases", ("database", "mysql", "postgres", "redis", "mongo", "dynamodb", "clickhouse", "elasticache",
                   "dbaas", "kafka", "opensearch"), frozenset({"db", "rds", "sql", "mssql"})),
    ("Storage", ("storage", "volume", "disk", "backup", "glacier", "snapshot", "bucket", "block store",
                 "file system"), frozenset({"s3", "ebs", "efs", "ftp", "ftp_account"})),
    ("Networking", ("network", "domain", "address", "cloudfront", "load balanc", "route 53", "virtual private cloud",
                    "transfer", "gateway"), frozenset({"ip", "dns", "cdn", "vpc", "nat", "elb", "eip"})),
    ("Compute", ("compute", "server", "instance", "kubernetes", "container", "lambda", "function", "hosting",
                 "lightsail", "fargate"), frozenset({"ec2", "vps", "vm", "mks", "k8s", "eks"})),
)
_WORD = re.compile(r"[a-z0-9_]+")


def focus_service_category(*texts: str) -> str:
    """Compute, Storage, Databases, Networking or Other for a provider's service name / resource type."""
    for text in texts:
        lowered = (text or "").lower()
        if not lowered:
            continue
        words = set(_WORD.findall(lowered))
        for category, phrases, tokens in _CATEGORY_RULES:
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


class _Inventory:
    """The connection's resources by resource id (and by type + id), with their tags: two queries."""

    def __init__(self, connection, resource_ids: Iterable[str]):
        ids = {rid for rid in resource_ids if rid}
        rows = list(Resource.objects.filter(connection=connection, resource_id__in=ids)
                    .order_by("is_deleted", "id")
                    .only("id", "resource_id", "resource_type", "resource_name", "region", "first_seen_at",
                          "deleted_at", "is_deleted"))
        tags: dict[int, dict[str, str]] = {}
        for resource_pk, key, value in ResourceTag.objects.filter(resource__in=rows).values_list(
                "resource_id", "key", "value"):
            tags.setdefault(resource_pk, {})[key] = value
        self.tags = tags
        self.by_id: dict[str, Resource] = {}
        self.by_type: dict[tuple[str, str], Resource] = {}
        for row in rows:  # live resources first: they win a shared id
            self.by_id.setdefault(row.resource_id, row)
            self.by_type.setdefault((row.resource_type, row.resource_id), row)

    def find(self, line: CostLine) -> Resource | None:
        if line.resource_type:
            found = self.by_type.get((line.resource_type, line.resource_id))
            if found is not None:
                return found
        return self.by_id.get(line.resource_id)


def _known_on(resource: Resource | None, day: date) -> bool:
    """Whether InfraZen knew ``resource`` on ``day``: the rule for estimated lines."""
    if resource is None:
        return False
    first = _utc_date(resource.first_seen_at)
    gone = _utc_date(resource.deleted_at) if resource.is_deleted else None
    return (first is None or day >= first) and (gone is None or day <= gone)


def _record(line: CostLine, *, connection, key: str, provider_name: str, account_id: str, account_name: str,
            resource: Resource | None, tags: dict[str, str]) -> CostRecord:
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
        service_category=line.service_category or focus_service_category(service_name, resource_type),
        resource_id=resource_id,
        resource_name=line.resource_name or (resource.resource_name if resource else ""),
        resource_type=resource_type[:255], sku_id=line.sku_id[:255], pricing_category="Standard",
        tags={str(k): str(v) for k, v in dict(line.tags or tags).items()}, extras=extras,
        connection=connection, inventory_resource=resource, source_key=key,
    )


@transaction.atomic
def provider_costs_import(*, connection, start: date, end: date, lines: list[CostLine] | None = None,
                          plugin=None) -> int:
    """Replace ``connection``'s native costs for ``start <= charge date < end``; returns the rows written.

    ``lines`` are the plugin's answer for that window (fetched here with ``plugin`` or a new one when not
    given: the plugin must implement ``cost_lines``). Lines outside the window are ignored. Everything
    happens in one transaction: a failure leaves the previous ledger as it was.
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
    window = [line for line in lines if start <= line.day < end and line.amount is not None]
    inventory = _Inventory(connection, (line.resource_id for line in window))

    answered_estimates = {line.resource_id for line in window if dict(line.extras).get(ESTIMATED)}
    old = CostRecord.objects.filter(source_key=key, charge_date__gte=start, charge_date__lt=end)
    # Estimates of resources that are gone from the answer stay: they describe days the resource existed.
    # (``contains`` is jsonb @>: never NULL, unlike a key lookup, which an exclude would turn into "keep".)
    old = old.exclude(Q(extras__contains={ESTIMATED: True}) & ~Q(resource_id__in=answered_estimates))
    replaced, _by_model = old.delete()

    # Rows are built and written a batch at a time: memory stays flat however many lines the answer has.
    written = 0
    batch: list[CostRecord] = []
    for line in window:
        resource = inventory.find(line) if line.resource_id else None
        if dict(line.extras).get(ESTIMATED) and not _known_on(resource, line.day):
            continue
        batch.append(_record(line, connection=connection, key=key, provider_name=provider_name,
                             account_id=account_id, account_name=connection.name, resource=resource,
                             tags=inventory.tags.get(resource.pk, {}) if resource else {}))
        if len(batch) >= BATCH_SIZE:
            CostRecord.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        CostRecord.objects.bulk_create(batch)
        written += len(batch)
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
