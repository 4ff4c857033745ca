"""Dashboard reads (product description 7.1.3): KPIs, spend dynamics, providers, utilization, resources.

Money comes from the daily rollup (``CostDaily``), in the organization's currency, invoiced view
(BilledCost), never from the raw ledger. A period of N days ends today (UTC charge date, like the
explorer) and is compared with the N days just before it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Min, Prefetch, Q, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import CostDaily
from .rollups import organization_currency

RANGES = (7, 30, 90, 365)
DEFAULT_RANGE = 30
RESOURCE_ROWS = 25
ZERO = Decimal(0)
CENT = Decimal("0.01")

PROVIDER_BADGES = {"yandex": "YC", "selectel": "SEL", "beget": "BG", "aws": "AWS", "vk": "VK", "cloudru": "CR",
                   "timeweb": "TW", "azure": "AZ", "gcp": "GCP"}


@dataclass(frozen=True)
class Period:
    days: int
    start: date
    end: date

    @property
    def previous(self) -> Period:
        return Period(self.days, self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @property
    def granularity(self) -> str:
        return "day" if self.days <= 30 else "week" if self.days <= 90 else "month"


def dashboard_period(*, raw_range: Any = None, today: date | None = None) -> Period:
    """``?range=7|30|90|365``; anything else means 30 days."""
    try:
        days = int(str(raw_range or DEFAULT_RANGE).strip())
    except ValueError:
        days = DEFAULT_RANGE
    if days not in RANGES:
        days = DEFAULT_RANGE
    end = today or timezone.now().date()
    return Period(days=days, start=end - timedelta(days=days - 1), end=end)


def _spend(period: Period):
    return CostDaily.objects.filter(charge_date__range=(period.start, period.end)).order_by()


def _total(period: Period) -> tuple[Decimal, bool, bool]:
    """(total in the organization's currency, any rows, any amount without an exchange rate)."""
    totals = _spend(period).aggregate(total=Sum("billed_cost_org"), rows=Count("id"),
                                      unconverted=Count("id", filter=Q(billed_cost_org__isnull=True)))
    return totals["total"] or ZERO, bool(totals["rows"]), bool(totals["unconverted"])


def history_covers_previous(period: Period) -> bool:
    """Compare only with a previous period the ledger fully covers: a half-empty one would show +2000 %."""
    first = CostDaily.objects.order_by().aggregate(first=Min("charge_date"))["first"]
    return first is not None and first <= period.previous.start


def change_percent(current: Decimal, previous: Decimal) -> Decimal | None:
    if not previous:
        return None
    return ((current - previous) * 100 / previous).quantize(Decimal("0.1"), ROUND_HALF_UP)


def dashboard_kpis(*, period: Period) -> dict[str, Any]:
    from apps.inventory.models import Resource
    from apps.providers.models import ConnectionStatus, ProviderConnection

    total, has_rows, unconverted = _total(period)
    previous, previous_rows, previous_unconverted = _total(period.previous)
    comparable = previous_rows and history_covers_previous(period)
    resources = Resource.objects.filter(is_deleted=False).order_by().aggregate(
        total=Count("id"), active=Count("id", filter=Q(status="running")))
    connections = ProviderConnection.objects.order_by().aggregate(
        total=Count("id"), providers=Count("provider", distinct=True),
        failing=Count("id", filter=Q(status=ConnectionStatus.ERROR)))
    return {
        "currency": organization_currency(),
        "total": total,
        "has_costs": has_rows,
        "previous_total": previous,
        "has_previous": comparable,
        "change_percent": change_percent(total, previous) if has_rows and comparable else None,
        "rates_missing": unconverted or previous_unconverted,
        # No recommendations app yet: the card says so instead of inventing a number.
        "potential_savings": ZERO,
        "savings_available": False,
        "active_resources": resources["active"] or 0,
        "resources_total": resources["total"] or 0,
        "providers": connections["providers"] or 0,
        "connections": connections["total"] or 0,
        "connections_failing": connections["failing"] or 0,
    }


def _bucket(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def _buckets(period: Period) -> list[date]:
    out: list[date] = []
    day = period.start
    while day <= period.end:
        bucket = _bucket(day, period.granularity)
        if not out or out[-1] != bucket:
            out.append(bucket)
        day += timedelta(days=1)
    return out


def _label(bucket: date, granularity: str) -> str:
    if granularity == "month":
        return formats.date_format(bucket, "M Y")
    return formats.date_format(bucket, "j b")


def dashboard_series(*, period: Period, comparable: bool = True) -> dict[str, Any]:
    """Spend per bucket (day / week / month) and provider, with the previous period aligned by position
    (left out when the ledger does not cover it: ``comparable=False``)."""
    granularity = period.granularity
    buckets = _buckets(period)
    index = {bucket: i for i, bucket in enumerate(buckets)}
    per_provider: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * len(buckets))
    rows = (_spend(period).values("charge_date", "provider_name").annotate(total=Sum("billed_cost_org"))
            .values_list("charge_date", "provider_name", "total"))
    for day, provider, amount in rows:
        per_provider[provider or _("Other")][index[_bucket(day, granularity)]] += amount or ZERO
    totals = [sum((values[i] for values in per_provider.values()), ZERO) for i in range(len(buckets))]

    previous = period.previous
    previous_buckets = _buckets(previous)
    previous_index = {bucket: i for i, bucket in enumerate(previous_buckets)}
    previous_totals = [ZERO] * len(previous_buckets)
    for day, amount in (_spend(previous).values("charge_date").annotate(total=Sum("billed_cost_org"))
                        .values_list("charge_date", "total")):
        previous_totals[previous_index[_bucket(day, granularity)]] += amount or ZERO
    # Align the previous period to this one from the end (the newest buckets line up).
    shift = len(buckets) - len(previous_totals)
    aligned = [previous_totals[i - shift] if comparable and 0 <= i - shift < len(previous_totals) else None
               for i in range(len(buckets))]
    ordered = sorted(per_provider.items(), key=lambda item: -sum(item[1]))
    return {
        "granularity": granularity,
        "buckets": buckets,
        "labels": [_label(bucket, granularity) for bucket in buckets],
        "providers": [{"name": name, "values": values} for name, values in ordered],
        "totals": totals,
        "previous": aligned,
        "peak": max(totals, default=ZERO),
        "average": (sum(totals, ZERO) / len(totals)).quantize(CENT) if totals else ZERO,
    }


def dashboard_top_services(*, period: Period, comparable: bool = True, limit: int = 5) -> list[dict[str, Any]]:
    """The services that cost most in the period, with their share and change vs the previous period."""
    current = dict(_spend(period).values("service_name").annotate(total=Sum("billed_cost_org"))
                   .values_list("service_name", "total"))
    before = dict(_spend(period.previous).values("service_name").annotate(total=Sum("billed_cost_org"))
                  .values_list("service_name", "total"))
    grand = sum((v or ZERO for v in current.values()), ZERO)
    ranked = sorted(current.items(), key=lambda item: -(item[1] or ZERO))[:limit]
    return [{
        "name": name or _("Without a service"),
        "total": total or ZERO,
        "share": int(((total or ZERO) * 100 / grand).quantize(Decimal(1), ROUND_HALF_UP)) if grand else 0,
        "change_percent": change_percent(total or ZERO, before.get(name) or ZERO) if comparable else None,
    } for name, total in ranked]


def dashboard_providers(*, period: Period) -> list[dict[str, Any]]:
    """One card per connection: badge, label, status, added date and its spend in the period."""
    from apps.providers.models import ProviderConnection
    from apps.providers.registry import UnknownProvider, get_spec

    spend = dict(_spend(period).exclude(connection_id=None).values("connection_id")
                 .annotate(total=Sum("billed_cost_org")).values_list("connection_id", "total"))
    resources = dict(ProviderConnection.objects.order_by().annotate(
        n=Count("resources", filter=Q(resources__is_deleted=False))).values_list("pk", "n"))
    cards = []
    for connection in ProviderConnection.objects.order_by("created_at", "id"):
        try:
            label = str(get_spec(connection.provider).label)
        except UnknownProvider:
            label = connection.provider
        cards.append({
            "connection": connection,
            "provider": connection.provider,
            "label": label,
            "badge": PROVIDER_BADGES.get(connection.provider, connection.provider[:3].upper()),
            "spend": spend.get(connection.pk),
            "resources": resources.get(connection.pk, 0),
        })
    return cards


# --- utilization ---------------------------------------------------------------------------------

def _spec_decimal(specs: dict[str, Any], key: str) -> Decimal | None:
    value = specs.get(key)
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number > 0 else None


def _metric_avg(summaries: dict[str, Any], *names: str) -> tuple[str, Decimal] | None:
    for name in names:
        if name in summaries:
            return name, summaries[name].avg
    return None


def _cpu(resource, summaries) -> tuple[Decimal, Decimal] | None:
    cores, found = _spec_decimal(resource.specs, "cpu_cores"), _metric_avg(summaries, "cpu_percent")
    if cores is None or found is None:
        return None
    return cores * found[1] / 100, cores


def _memory(resource, summaries) -> tuple[Decimal, Decimal] | None:
    total_gb = _spec_decimal(resource.specs, "memory_gb")
    found = _metric_avg(summaries, "memory_mb", "memory_percent")
    if total_gb is None or found is None:
        return None
    name, value = found
    return (value / 1024 if name == "memory_mb" else total_gb * value / 100), total_gb


def _storage(resource, summaries) -> tuple[Decimal, Decimal] | None:
    total_gb = _spec_decimal(resource.specs, "disk_gb")
    if total_gb is None:
        return None
    found = _metric_avg(summaries, "disk_used_gb", "disk_used_percent")
    if found is not None:
        name, value = found
        return (value if name == "disk_used_gb" else total_gb * value / 100), total_gb
    used_bytes = _spec_decimal(resource.specs, "disk_used_bytes")
    return (used_bytes / 1024**3, total_gb) if used_bytes is not None else None


def _network(resource, summaries) -> tuple[Decimal, Decimal] | None:
    bandwidth, found = _spec_decimal(resource.specs, "bandwidth_mbps"), _metric_avg(summaries, "network_mbps")
    if bandwidth is None or found is None:
        return None
    return found[1], bandwidth


UTILIZATION = (
    ("cpu", _cpu, "vCPU"),
    ("memory", _memory, "GB"),
    ("storage", _storage, "GB"),
    ("network", _network, "Mbit/s"),
)


def dashboard_utilization() -> list[dict[str, Any]]:
    """CPU, RAM, storage and network: used vs available over the live resources that report the metric.

    A dimension without any measured resource has ``percent = None`` ("no data"), never a zero.
    """
    from apps.inventory.models import Resource, ResourceMetricSummary

    resources = (Resource.objects.filter(is_deleted=False)
                 .prefetch_related(Prefetch("metric_summaries", queryset=ResourceMetricSummary.objects.all()))
                 .order_by())
    labels = {"cpu": _("CPU"), "memory": _("RAM"), "storage": _("Storage"), "network": _("Network")}
    acc = {key: [ZERO, ZERO, 0] for key, _f, _u in UTILIZATION}
    for resource in resources:
        summaries = {s.metric: s for s in resource.metric_summaries.all()}
        for key, measure, _unit in UTILIZATION:
            found = measure(resource, summaries)
            if found is not None:
                acc[key][0] += found[0]
                acc[key][1] += found[1]
                acc[key][2] += 1
    out = []
    for key, _measure, unit in UTILIZATION:
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


def dashboard_resources(*, query: str = "", limit: int = RESOURCE_ROWS) -> dict[str, Any]:
    """The resource table: live resources matching ``query``, most expensive first, with their CPU average."""
    from apps.inventory.models import ResourceMetricSummary
    from apps.inventory.selectors import resource_list

    matching = resource_list(filters={"q": query}).prefetch_related(
        Prefetch("metric_summaries", queryset=ResourceMetricSummary.objects.filter(metric="cpu_percent"),
                 to_attr="cpu_summaries"))
    count = matching.count()
    rows = list(matching.order_by(F("monthly_cost").desc(nulls_last=True), "resource_name", "id")[:limit])
    for resource in rows:
        resource.cpu_avg = resource.cpu_summaries[0].avg if resource.cpu_summaries else None
        resource.badge = PROVIDER_BADGES.get(resource.provider, resource.provider[:3].upper())
    return {"rows": rows, "count": count, "query": query, "truncated": count > len(rows)}


def dashboard_overview(*, period: Period, query: str = "") -> dict[str, Any]:
    """Everything the dashboard page shows, in one call."""
    kpis = dashboard_kpis(period=period)
    is_empty = not (kpis["connections"] or kpis["resources_total"] or CostDaily.objects.exists())
    overview: dict[str, Any] = {"period": period, "kpis": kpis, "is_empty": is_empty, "ranges": RANGES}
    if is_empty:
        return overview
    overview.update(
        series=dashboard_series(period=period, comparable=kpis["has_previous"]),
        top_services=dashboard_top_services(period=period, comparable=kpis["has_previous"]),
        providers=dashboard_providers(period=period),
        utilization=dashboard_utilization(),
        resources=dashboard_resources(query=query),
        # The recommendations module does not exist yet: an honest empty panel.
        recommendations=[],
    )
    return overview


def _plain(amount: Decimal | None) -> str:
    return "" if amount is None else str(amount.quantize(CENT, ROUND_HALF_UP))


def dashboard_export_rows(*, period: Period) -> list[list[str]]:
    """The CSV export: the KPIs, then the spend series per bucket and provider (dot decimals)."""
    kpis = dashboard_kpis(period=period)
    series = dashboard_series(period=period, comparable=kpis["has_previous"])
    change = kpis["change_percent"]
    rows: list[list[str]] = [
        [_("Metric"), _("Value")],
        [_("Period start"), period.start.isoformat()],
        [_("Period end"), period.end.isoformat()],
        [_("Currency"), kpis["currency"]],
        [_("Total expenses"), _plain(kpis["total"])],
        [_("Previous period"), _plain(kpis["previous_total"]) if kpis["has_previous"] else ""],
        [_("Change, %"), "" if change is None else str(change)],
        [_("Potential savings"), _plain(kpis["potential_savings"])],
        [_("Active resources"), str(kpis["active_resources"])],
        [_("Connected providers"), str(kpis["providers"])],
        [],
        [_("Period"), *[p["name"] for p in series["providers"]], _("Total"), _("Previous period")],
    ]
    for i, bucket in enumerate(series["buckets"]):
        rows.append([bucket.isoformat(), *[_plain(p["values"][i]) for p in series["providers"]],
                     _plain(series["totals"][i]), _plain(series["previous"][i])])
    return rows


def dashboard_chart_data(*, series: dict[str, Any], currency: str) -> dict[str, Any]:
    """What dashboard.js draws (decimal strings; the browser only formats them)."""
    return {
        "currency": currency,
        "labels": series["labels"],
        "providers": [{"name": p["name"], "values": [_plain(v) for v in p["values"]]} for p in series["providers"]],
        "previous": [_plain(v) for v in series["previous"]],
        "previousLabel": _("Previous period"),
    }
