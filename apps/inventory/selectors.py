"""Reads of the inventory. Querysets come with their relations loaded: templates and serializers never
query per row."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum

from apps.common.filters import filterset_apply

from .diff import EXISTING_COLUMNS, ExistingResource, Key
from .filters import ResourceFilter
from .models import MetricPoint, Resource, ResourceMetricSummary, ResourceTag
from .vocabulary import ResourceStatus

ACTIVE_STATUSES = (ResourceStatus.RUNNING,)
STOPPED_STATUSES = (ResourceStatus.STOPPED, ResourceStatus.SUSPENDED)


def resource_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Resource]:
    """Resources of the current organization narrowed by ``ResourceFilter``, connection and tags loaded.

    Keys of ``filters`` (a dict or a QueryDict, all optional): ``q`` (name, id, type, region or service
    contains), ``provider``, ``connection`` (id), ``resource_type``, ``kind``, ``status``, ``region``, ``tag`` ("key" or
    "key=value"), ``deleted`` (true: include deleted resources). Raises ``ApplicationError`` (code ``invalid``)
    for a value that does not parse.
    """
    return filterset_apply(ResourceFilter, data=filters, queryset=resource_queryset())


def resource_queryset() -> QuerySet[Resource]:
    """Every resource, deleted ones too, with connection and tags loaded, in display order: what
    ``ResourceFilter`` narrows (the API's filter backend applies it to this)."""
    return (Resource.objects.select_related("connection")
            .prefetch_related(Prefetch("tags", queryset=ResourceTag.objects.order_by("key")))
            .order_by("provider", "connection_id", "resource_type", "resource_name", "id"))


def resource_summary(*, queryset: QuerySet[Resource]) -> dict[str, Any]:
    """The summary card: counts and the daily / monthly totals (Decimal) of ``queryset``."""
    totals = queryset.order_by().aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(status__in=ACTIVE_STATUSES)),
        stopped=Count("id", filter=Q(status__in=STOPPED_STATUSES)),
        daily_cost=Sum("daily_cost"),
        monthly_cost=Sum("monthly_cost"),
    )
    currencies = sorted(set(queryset.order_by().values_list("currency", flat=True).distinct()))
    return {
        "total": totals["total"] or 0,
        "active": totals["active"] or 0,
        "stopped": totals["stopped"] or 0,
        "daily_cost": (totals["daily_cost"] or Decimal(0)).quantize(Decimal("0.01")),
        "monthly_cost": (totals["monthly_cost"] or Decimal(0)).quantize(Decimal("0.01")),
        "currency": currencies[0] if len(currencies) == 1 else ("RUB" if not currencies else "mixed"),
    }


def resource_get(*, resource_pk: Any) -> Resource:
    """One resource of the current organization (deleted ones too). Raises ``Resource.DoesNotExist``."""
    try:
        pk = int(resource_pk)
    except (TypeError, ValueError):
        raise Resource.DoesNotExist from None
    return (Resource.objects.select_related("connection")
            .prefetch_related(Prefetch("tags", queryset=ResourceTag.objects.order_by("key")),
                              Prefetch("metric_summaries",
                                       queryset=ResourceMetricSummary.objects.order_by("metric")))
            .get(pk=pk))


def resource_history(*, resource: Resource) -> QuerySet:
    """What each sync saw of ``resource`` (``providers.ResourceState`` rows, reached through the relation so
    inventory never imports providers), newest first."""
    return (resource.states.select_related("sync_run")
            .order_by("-sync_run__created_at", "-id"))


def resource_metric_series(*, resource: Resource, metric: str, days: int = 30) -> list[tuple[datetime, Decimal]]:
    """The last ``days`` of stored data (counted back from the newest point, so a provider that reports
    with a delay still draws a chart), oldest first."""
    return resource_metric_series_many(resource_pks=[resource.pk], metrics=[metric], days=days).get(
        (resource.pk, metric), [])


def resource_metric_series_many(*, resource_pks: list[int], metrics: list[str], days: int = 30,
                                ) -> dict[tuple[int, str], list[tuple[datetime, Decimal]]]:
    """``resource_metric_series`` of many resources and metrics in one query (a page of resource cards):
    ``{(resource pk, metric): [(ts, value), ...]}``, only for series that have data."""
    if not resource_pks or not metrics:
        return {}
    table = MetricPoint._meta.db_table
    sql = f"""
        WITH latest AS (
            SELECT resource_id, metric, max(ts) AS newest FROM {table}
            WHERE resource_id = ANY(%s) AND metric = ANY(%s) GROUP BY resource_id, metric
        )
        SELECT p.resource_id, p.metric, p.ts, p.value FROM {table} p
        JOIN latest l ON l.resource_id = p.resource_id AND l.metric = p.metric
        WHERE p.ts > l.newest - %s
        ORDER BY p.resource_id, p.metric, p.ts
    """  # noqa: S608 -- the table name comes from the model, values are bound
    series: dict[tuple[int, str], list[tuple[datetime, Decimal]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(resource_pks), list(metrics), timedelta(days=days)])
        for resource_pk, metric, ts, value in cursor.fetchall():
            series.setdefault((resource_pk, metric), []).append((ts, value))
    return series


class MetricSeries(NamedTuple):
    metric: str
    points: list[tuple[datetime, Decimal]]
    summary: ResourceMetricSummary | None


def resource_metrics(*, resource: Resource, metrics: list[str] | None = None, days: int = 30) -> list[MetricSeries]:
    """Stored series of ``resource`` (all its metrics unless ``metrics`` names some) over the last ``days`` of
    data, each with its summary (``resource.metric_summaries`` as ``resource_get`` loads them)."""
    names = metrics or resource_metric_names(resource=resource)
    series = resource_metric_series_many(resource_pks=[resource.pk], metrics=names, days=days)
    summaries = {summary.metric: summary for summary in resource.metric_summaries.all()}
    return [MetricSeries(name, series.get((resource.pk, name), []), summaries.get(name)) for name in names]


def resource_metric_names(*, resource: Resource) -> list[str]:
    return sorted(MetricPoint.objects.filter(resource=resource).order_by().values_list("metric", flat=True)
                  .distinct())


def resource_filter_options() -> dict[str, list[str]]:
    """Distinct values for the filter drop-downs of the resources page."""
    live = Resource.objects.filter(is_deleted=False).order_by()
    return {
        key: sorted(v for v in live.values_list(key, flat=True).distinct() if v)
        for key in ("provider", "kind", "resource_type", "status", "region")
    }


# --- for the sync engine ------------------------------------------------------------------------------
def resource_snapshots(*, connection_id: int) -> dict[Key, ExistingResource]:
    """What the diff compares of every stored resource of one connection (deleted ones too), by key."""
    rows = Resource.objects.filter(connection_id=connection_id).values_list(*EXISTING_COLUMNS)
    return {(row[0], row[1]): ExistingResource(*row[2:]) for row in rows.iterator(chunk_size=5000)}


def resource_totals(*, connection_id: int) -> dict[str, Any]:
    """Daily and monthly cost of the live resources of one connection, and their counts by type and status."""
    live = Resource.objects.filter(connection_id=connection_id, is_deleted=False).order_by()
    sums = live.aggregate(daily=Sum("daily_cost"), monthly=Sum("monthly_cost"))

    def grouped(field_name: str) -> dict[str, int]:
        return dict(live.values_list(field_name).annotate(n=Count("id")).values_list(field_name, "n"))

    return {"daily_cost": sums["daily"] or Decimal(0), "monthly_cost": sums["monthly"] or Decimal(0),
            "by_type": grouped("resource_type"), "by_status": grouped("status")}


def metric_candidates(*, connection_id: int, limit: int) -> list[tuple[int, str, str]]:
    """(pk, resource_type, resource_id) of up to ``limit`` running resources, the stalest metrics first."""
    return list(
        Resource.objects.filter(connection_id=connection_id, is_deleted=False, status=ResourceStatus.RUNNING)
        .order_by(F("metrics_fetched_at").asc(nulls_first=True), "id")
        .values_list("pk", "resource_type", "resource_id")[:limit])
