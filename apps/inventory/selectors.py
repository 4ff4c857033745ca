"""Reads of the inventory. Querysets come with their relations loaded: templates and serializers never
query per row."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum

from apps.providers.models import ResourceState

from .diff import EXISTING_COLUMNS, ExistingResource, Key
from .models import MetricPoint, Resource, ResourceMetricSummary, ResourceTag
from .vocabulary import ResourceStatus

ACTIVE_STATUSES = ("running",)
STOPPED_STATUSES = ("stopped", "suspended")


def _tag_filter(raw: str) -> Q:
    """"key" matches any value; "key=value" matches exactly."""
    key, sep, value = raw.partition("=")
    tags = ResourceTag.objects.filter(key=key.strip())
    if sep:
        tags = tags.filter(value=value.strip())
    return Q(pk__in=tags.values("resource_id"))


def resource_list(*, filters: dict[str, Any] | None = None) -> QuerySet[Resource]:
    """Resources of the current organization, filtered.

    Keys of ``filters`` (all optional): ``q`` (name, id, type or region contains), ``provider``,
    ``connection`` (id), ``resource_type``, ``status``, ``region``, ``tag`` ("key" or "key=value"),
    ``deleted`` (truthy: include deleted resources).
    """
    filters = filters or {}
    qs = Resource.objects.all()
    if not _truthy(filters.get("deleted")):
        qs = qs.filter(is_deleted=False)
    text = str(filters.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(resource_name__icontains=text) | Q(resource_id__icontains=text)
                       | Q(resource_type__icontains=text) | Q(region__icontains=text)
                       | Q(service_name__icontains=text))
    for key in ("provider", "resource_type", "status", "region"):
        value = str(filters.get(key) or "").strip()
        if value:
            qs = qs.filter(**{key: value})
    connection = str(filters.get("connection") or "").strip()
    if connection:
        qs = qs.filter(connection_id=int(connection)) if connection.isdigit() else qs.none()
    tag = str(filters.get("tag") or "").strip()
    if tag:
        qs = qs.filter(_tag_filter(tag))
    return (qs.select_related("connection")
            .prefetch_related(Prefetch("tags", queryset=ResourceTag.objects.order_by("key")))
            .order_by("provider", "connection_id", "resource_type", "resource_name", "id"))


def _truthy(value: Any) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


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


def resource_history(*, resource: Resource) -> QuerySet[ResourceState]:
    """What each sync saw of ``resource``, newest first."""
    return (ResourceState.objects.filter(resource=resource).select_related("sync_run")
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


def resource_metric_names(*, resource: Resource) -> list[str]:
    return sorted(MetricPoint.objects.filter(resource=resource).values_list("metric", flat=True).distinct())


def resource_filter_options() -> dict[str, list[str]]:
    """Distinct values for the filter drop-downs of the resources page."""
    live = Resource.objects.filter(is_deleted=False).order_by()
    return {
        key: sorted(v for v in live.values_list(key, flat=True).distinct() if v)
        for key in ("provider", "resource_type", "status", "region")
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
