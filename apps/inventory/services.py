"""Writes of the inventory: a sync's plan for one connection, metric points and their summaries.

The writes stream with COPY (``apps.common.bulk``): the number of statements does not depend on the number
of resources, and the rows are built one at a time while they stream.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from apps.common.bulk import bulk_copy, bulk_copy_upsert

from .diff import IncomingResource, Key, ResourcePlan, json_safe, resource_diff
from .models import MetricPoint, Resource, ResourceMetricSummary, ResourceTag, UtilizationTier
from .selectors import resource_snapshots
from .vocabulary import MetricName

BATCH_SIZE = 2000
METRIC_WINDOW_DAYS = 30

# What a sync writes on conflict: never the business context people edit, nor first_seen_at.
SYNC_FIELDS = [
    "provider", "resource_name", "service_name", "status", "provider_status", "region", "account_id", "project_id",
    "daily_cost", "monthly_cost", "currency", "original_price", "original_period", "pricing_model", "specs",
    "provider_config", "created_at_provider", "last_seen_at", "is_deleted", "deleted_at", "content_hash", "kind",
]
BUSINESS_FIELDS = frozenset({"owner", "team", "business_unit", "project", "feature_tag", "environment",
                             "cost_center", "purpose"})


class SyncWrite(NamedTuple):
    plan: ResourcePlan
    pks: dict[Key, int]  # every resource of the plan (deleted ones too) by key


def _row(incoming: IncomingResource, *, connection: Any, now: datetime) -> Resource:
    """The row to insert or, on (connection, type, id) conflict, to update with ``SYNC_FIELDS``."""
    r, b = incoming.record, incoming.baseline
    return Resource(
        connection_id=connection.pk, provider=r.provider or connection.provider, resource_id=r.resource_id,
        resource_type=r.resource_type, kind=r.kind, resource_name=r.resource_name[:255],
        service_name=r.service_name[:100],
        status=r.status[:32], provider_status=r.provider_status[:64], region=r.region[:100],
        account_id=r.account_id[:255], project_id=r.project_id[:255], daily_cost=b.daily_cost,
        monthly_cost=b.monthly_cost, currency=r.currency or "RUB", original_price=b.original_price,
        original_period=b.original_period, pricing_model=r.pricing_model, specs=json_safe(dict(r.specs)),
        provider_config=json_safe(dict(r.provider_config)), created_at_provider=r.created_at,
        first_seen_at=now, last_seen_at=now, is_deleted=False, deleted_at=None, content_hash=incoming.content_hash,
    )


@transaction.atomic(savepoint=False)
def resource_sync(*, connection: Any, incoming: Mapping[Key, IncomingResource], listed_types: Collection[str],
                  now: datetime | None = None) -> SyncWrite:
    """Bring the stored resources of ``connection`` to ``incoming`` (see ``apps.inventory.diff``): upsert
    what is new or changed, move ``last_seen_at`` of the rest, mark deleted what is gone from a type in
    ``listed_types``, rewrite the tags that changed. Returns the plan and the pk of each of its resources,
    for the caller's own records of the change (the sync engine's ``ResourceState`` rows).

    A fixed number of statements however many resources; inside the caller's transaction when there is one.
    """
    now = now or timezone.now()
    plan = resource_diff(incoming, resource_snapshots(connection_id=connection.pk), listed_types=listed_types)
    pks = {change.key: change.existing.pk for change in (*plan.changes, *plan.deleted) if change.existing}
    if plan.upserts:
        written = bulk_copy_upsert(
            Resource, (_row(incoming[key], connection=connection, now=now) for key in plan.upserts),
            unique_fields=["connection", "resource_type", "resource_id"], update_fields=SYNC_FIELDS,
            returning=("pk", "resource_type", "resource_id"))
        pks.update(((resource_type, resource_id), pk) for pk, resource_type, resource_id in written)
    if plan.touched:
        Resource.objects.filter(pk__in=plan.touched).update(last_seen_at=now)
    if plan.deleted:
        Resource.objects.filter(pk__in=[change.existing.pk for change in plan.deleted]).update(
            is_deleted=True, deleted_at=now)
    if plan.retag:
        ResourceTag.objects.filter(resource_id__in=[pks[key] for key in plan.retag]).delete()
        bulk_copy(ResourceTag, (ResourceTag(resource_id=pks[key], key=k, value=v)
                                for key in plan.retag for k, v in incoming[key].tags.items()))
    return SyncWrite(plan, pks)


def resource_context_update(*, resource_pk: int, **fields: str) -> None:
    """Set the business context of a resource (owner, team, project, environment...): what people edit and
    a sync never overwrites."""
    unknown = set(fields) - BUSINESS_FIELDS
    if unknown:
        raise ValueError(f"not business context fields: {sorted(unknown)}")
    if fields:
        Resource.objects.filter(pk=resource_pk).update(**fields)


# --- metrics ------------------------------------------------------------------------------------------
class Series(Protocol):
    """One metric of one resource (``apps.providers.plugins.base.MetricSeries`` is one)."""

    metric: str
    points: Iterable[tuple[datetime, Decimal]]


class MetricSamples(NamedTuple):
    metric: str
    points: Sequence[tuple[datetime, Decimal]]


@transaction.atomic(savepoint=False)
def metric_points_store(*, series: Mapping[int, Iterable[Series]], fetched_at: datetime | None = None,
                        replace: bool = False) -> int:
    """Upsert the points of ``series`` (resource pk -> its series; a resource may have none) and recompute
    the summaries of those resources; returns how many points were written.

    ``fetched_at``: recorded as the resources' ``metrics_fetched_at`` (the sync fetches the stalest first).
    ``replace``: drop the resources' stored points and summaries first.
    """
    pks = list(series)
    if not pks:
        return 0
    if replace:
        MetricPoint.objects.filter(resource_id__in=pks).delete()
        ResourceMetricSummary.objects.filter(resource_id__in=pks).delete()
    points = [MetricPoint(resource_id=pk, metric=one.metric[:64], ts=ts, value=value)
              for pk, many in series.items() for one in many for ts, value in one.points]
    if points:
        bulk_copy_upsert(MetricPoint, points, unique_fields=["resource", "metric", "ts"])
    if fetched_at is not None:
        Resource.objects.filter(pk__in=pks).update(metrics_fetched_at=fetched_at)
    metric_summaries_recompute(resource_pks=pks)
    return len(points)


def metric_summaries_recompute(*, resource_pks: list[int]) -> None:
    """avg / min / max / p95 of each metric over the last 30 days of its data; CPU gets a utilization tier."""
    if not resource_pks:
        return
    table = MetricPoint._meta.db_table
    sql = f"""
        WITH latest AS (
            SELECT resource_id, metric, max(ts) AS last_ts FROM {table}
            WHERE resource_id = ANY(%s) GROUP BY resource_id, metric
        )
        SELECT p.resource_id, p.metric, count(*), avg(p.value), min(p.value), max(p.value),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY p.value), min(p.ts), max(p.ts)
        FROM {table} p JOIN latest l ON l.resource_id = p.resource_id AND l.metric = p.metric
        WHERE p.ts > l.last_ts - interval '{METRIC_WINDOW_DAYS} days'
        GROUP BY p.resource_id, p.metric
    """  # noqa: S608 -- table name from the model, values bound
    with db_connection.cursor() as cursor:
        cursor.execute(sql, [list(resource_pks)])
        rows = cursor.fetchall()
    quant = Decimal("0.0001")
    summaries = []
    for resource_id, metric, count, avg, low, high, p95, start, end in rows:
        avg = Decimal(avg).quantize(quant)
        summaries.append(ResourceMetricSummary(
            resource_id=resource_id, metric=metric, points=count, avg=avg, min=low, max=high,
            p95=Decimal(str(p95)).quantize(quant), period_start=start, period_end=end,
            tier=utilization_tier(metric, avg), updated_at=timezone.now()))
    ResourceMetricSummary.objects.bulk_create(
        summaries, batch_size=BATCH_SIZE, update_conflicts=True, unique_fields=["resource", "metric"],
        update_fields=["points", "avg", "min", "max", "p95", "period_start", "period_end", "tier", "updated_at"])


def utilization_tier(metric: str, average: Decimal) -> str:
    """CPU: low under 30 %, medium under 70 %, high above; other metrics have no tier."""
    if metric != MetricName.CPU_PERCENT:
        return ""
    if average < 30:
        return UtilizationTier.LOW
    if average < 70:
        return UtilizationTier.MEDIUM
    return UtilizationTier.HIGH
