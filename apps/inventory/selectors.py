"""Reads of the inventory. Querysets come with their relations loaded: templates and serializers never
query per row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from apps.common.filters import filterset_apply

from .diff import EXISTING_COLUMNS, ExistingResource, Key
from .filters import ResourceFilter
from .models import MetricPoint, Resource, ResourceMetricSummary, ResourceTag
from .utilization import Utilization, resource_utilization
from .vocabulary import MetricName, ResourceStatus

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
# --- the dashboard's inventory cards ---------------------------------------------------------------

def resource_counts() -> dict[str, int]:
    """Live resources: how many, and how many are running."""
    counts = Resource.objects.filter(is_deleted=False).order_by().aggregate(
        total=Count("id"), active=Count("id", filter=Q(status__in=ACTIVE_STATUSES)))
    return {"total": counts["total"] or 0, "active": counts["active"] or 0}


UTILIZATION_UNITS = {"cpu": "vCPU", "memory": "GB", "storage": "GB", "network": "Mbit/s"}


def utilization_overview() -> list[dict[str, Any]]:
    """CPU, RAM, storage and network: used vs available over the live resources that report the metric.

    A dimension without any measured resource has ``percent = None`` ("no data"), never a zero.
    """
    resources = (Resource.objects.filter(is_deleted=False)
                 .prefetch_related(Prefetch("metric_summaries", queryset=ResourceMetricSummary.objects.all()))
                 .order_by())
    labels = {"cpu": _("CPU"), "memory": _("RAM"), "storage": _("Storage"), "network": _("Network")}
    acc = {key: [Decimal(0), Decimal(0), 0] for key in UTILIZATION_UNITS}
    for resource in resources:
        summaries = {s.metric: s for s in resource.metric_summaries.all()}
        for found in resource_utilization(resource.specs, summaries):
            if found.used is not None and found.total is not None:
                acc[found.key][0] += found.used
                acc[found.key][1] += found.total
                acc[found.key][2] += 1
    out = []
    for key, unit in UTILIZATION_UNITS.items():
        used, available, count = acc[key]
        percent = int((used * 100 / available).quantize(Decimal(1), ROUND_HALF_UP)) if available else None
        out.append({
            "key": key, "label": labels[key], "unit": unit, "resources": count,
            "used": used.quantize(Decimal("0.1"), ROUND_HALF_UP) if count else None,
            "available": available.quantize(Decimal("0.1"), ROUND_HALF_UP) if count else None,
            "percent": percent,
            "tone": None if percent is None else "high" if percent >= 80 else "medium" if percent >= 60 else "low",
        })
    return out


def utilization_by_resource_id(*, resource_ids: list[str]) -> dict[str, list[Utilization]]:
    """Display values of the resources with these provider ids (``resource_utilization``), by id; where an id
    names several resources, the live one first."""
    ids = [rid for rid in resource_ids if rid]
    if not ids:
        return {}
    resources = (Resource.objects.filter(resource_id__in=ids)
                 .prefetch_related(Prefetch("metric_summaries", queryset=ResourceMetricSummary.objects.all()))
                 .order_by("resource_id", "is_deleted", "id"))
    out: dict[str, list[Utilization]] = {}
    for resource in resources:
        found = resource_utilization(resource.specs, {s.metric: s for s in resource.metric_summaries.all()})
        if found and resource.resource_id not in out:
            out[resource.resource_id] = found
    return out


def resource_cost_table(*, query: str = "", limit: int = 25) -> dict[str, Any]:
    """Live resources matching ``query``, most expensive first, each with its CPU average (``cpu_avg``).

    The rows' connections come without their credentials: the table (cached by the dashboard) never needs them."""
    matching = resource_list(filters={"q": query}).defer("connection__credentials").prefetch_related(
        Prefetch("metric_summaries", queryset=ResourceMetricSummary.objects.filter(metric=MetricName.CPU_PERCENT),
                 to_attr="cpu_summaries"))
    count = matching.count()
    rows = list(matching.order_by(F("monthly_cost").desc(nulls_last=True), "resource_name", "id")[:limit])
    for resource in rows:
        resource.cpu_avg = resource.cpu_summaries[0].avg if resource.cpu_summaries else None
    return {"rows": rows, "count": count, "query": query, "truncated": count > len(rows)}


def resource_spend_many(*, resources: Iterable[Resource], days: int | None = None) -> dict[int, Decimal]:
    """Actual spend (organization currency) over the last ``days`` of each resource **without a list price**, by
    resource pk, from the cost ledger through ``settings.INVENTORY_RESOURCE_SPEND`` (read now: tests override
    it). Priced resources are not asked; one call for the whole page."""
    path = getattr(settings, "INVENTORY_RESOURCE_SPEND", "")
    unpriced = [r for r in resources if r.daily_cost is None and r.monthly_cost is None and r.resource_id]
    if not path or not unpriced:
        return {}
    days = days or getattr(settings, "INVENTORY_SPEND_DAYS", 30)
    found = import_string(path)([(r.connection_id, r.resource_id) for r in unpriced], days)
    return {r.pk: found[(r.connection_id, r.resource_id)] for r in unpriced
            if (r.connection_id, r.resource_id) in found}
