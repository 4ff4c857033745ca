"""Resources page (provider-grouped inventory with summary, filters and usage charts) and one resource.

Thin: GET parameters go to ``selectors.resource_list(filters=...)``; everything shown comes from the
inventory selectors. Provider-specific JSON is shown with secret-looking keys masked (the sync engine strips
secrets already, with the same rule: ``apps.common.secrets``; the page does not rely on that alone).
"""

from __future__ import annotations

import json
import zoneinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, F, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from apps.accounts.permissions import require_permission
from apps.common.errors import ApplicationError
from apps.common.numbers import format_number, to_decimal
from apps.common.pages import page_of
from apps.common.secrets import is_secret_key, mask_secrets

from . import selectors
from .models import MetricPoint, Resource
from .vocabulary import MetricName, spec_value_label, unit_label

FILTER_KEYS = ("q", "provider", "connection", "kind", "resource_type", "status", "region", "tag")
PAGE_SIZE = 60
CHART_METRICS = ((MetricName.CPU_PERCENT, "cpu"), (MetricName.MEMORY_MB, "memory"))
MAX_CHART_POINTS = 240
MASK = "••••••"


def _filters(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip() for key in FILTER_KEYS if request.GET.get(key, "").strip()}


def _tz(request: HttpRequest):
    try:
        return zoneinfo.ZoneInfo(getattr(request.tenant, "timezone", "") or "Europe/Moscow")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def _org_currency(request: HttpRequest) -> str:
    """The organization's currency: the ledger's spend is converted to it."""
    return getattr(request.tenant, "currency", "") or "RUB"


def _chart(points: list[tuple[Any, Decimal]], tz) -> dict[str, list]:
    """Labels in the organization's time zone and float values, thinned to at most MAX_CHART_POINTS."""
    step = max(1, -(-len(points) // MAX_CHART_POINTS))
    sample = points[::step]
    return {
        "labels": [timezone.localtime(ts, tz).strftime("%d.%m %H:%M") for ts, _v in sample],
        "values": [round(float(value), 2) for _ts, value in sample],
    }


def _charts_for(resource: Resource, tz, *, days: int = 30,
                series: dict[tuple[int, str], list] | None = None) -> list[dict[str, Any]]:
    """CPU and memory series of ``resource`` ready for Chart.js (``json_script`` ids included); ``series``
    are the points already loaded for a whole page (``resource_metric_series_many``)."""
    labels = {"cpu": _("CPU, %"), "memory": _("Memory, MB")}
    if series is None:
        series = selectors.resource_metric_series_many(
            resource_pks=[resource.pk], metrics=[metric for metric, _short in CHART_METRICS], days=days)
    charts = []
    for metric, short in CHART_METRICS:
        points = series.get((resource.pk, metric))
        if points:
            charts.append({"key": short, "label": labels[short], "id": f"chart-{resource.pk}-{short}",
                           "data": _chart(points, tz)})
    return charts


def masked(value: Any) -> Any:
    """A copy of provider JSON with values under secret-looking keys replaced."""
    return mask_secrets(value, mask=MASK)


# Labels and units of the provider-neutral spec keys; a provider labels the keys only it reports on its
# ``ProviderSpec.spec_labels`` (the templates ask the ``providers_ui`` tags).
SPEC_LABELS: dict[str, tuple[Any, str]] = {
    "cpu_cores": (gettext_lazy("vCPU"), ""),
    "memory_gb": (gettext_lazy("Memory"), "GB"),
    "memory_mb": (gettext_lazy("Memory"), "MB"),
    "disk_gb": (gettext_lazy("Disk"), "GB"),
    "size_mb": (gettext_lazy("Size"), "MB"),
    "size_gb": (gettext_lazy("Size"), "GB"),
    "bandwidth_mbps": (gettext_lazy("Bandwidth"), "Mbit/s"),
    "instance_type": (gettext_lazy("Configuration"), ""),
    "engine": (gettext_lazy("Engine"), ""),
    "version": (gettext_lazy("Version"), ""),
    "hostname": (gettext_lazy("Host name"), ""),
    "host": (gettext_lazy("Host"), ""),
    "used_bytes": (gettext_lazy("Used"), "B"),
    "fqdn": (gettext_lazy("Address"), ""),
    "path": (gettext_lazy("Path"), ""),
    "flavor": (gettext_lazy("Flavor"), ""),
    "flavor_name": (gettext_lazy("Flavor name"), ""),
    "objects": (gettext_lazy("Objects"), ""),
    "public": (gettext_lazy("Public access"), ""),
    "storage_class": (gettext_lazy("Storage class"), ""),
    "zone": (gettext_lazy("Zone"), ""),
    "platform": (gettext_lazy("Platform"), ""),
    "volume_type": (gettext_lazy("Volume type"), ""),
    "disk_type": (gettext_lazy("Disk type"), ""),
    "storage_gb": (gettext_lazy("Storage"), "GB"),
    "public_ip": (gettext_lazy("Public IP"), ""),
    "private_ip": (gettext_lazy("Private IP"), ""),
    "ip_addresses": (gettext_lazy("IP addresses"), ""),
    "attached_to": (gettext_lazy("Attached to"), ""),
    "os": (gettext_lazy("Operating system"), ""),
    "image": (gettext_lazy("Image"), ""),
    "encrypted": (gettext_lazy("Encrypted"), ""),
    "iops": (gettext_lazy("IOPS"), ""),
    "throughput_mbps": (gettext_lazy("Throughput"), "MB/s"),
    "versioning": (gettext_lazy("Versioning"), ""),
    "domain": (gettext_lazy("Domain"), ""),
    "uptime_days": (gettext_lazy("Uptime, days"), ""),
    "architecture": (gettext_lazy("Architecture"), ""),
    "gpus": (gettext_lazy("GPUs"), ""),
    "address": (gettext_lazy("Address"), ""),
    "attached": (gettext_lazy("Attached"), ""),
    "availability_zone": (gettext_lazy("Availability zone"), ""),
    "block_size": (gettext_lazy("Block size"), "B"),
    "bootable": (gettext_lazy("Bootable"), ""),
    "deletion_protection": (gettext_lazy("Deletion protection"), ""),
    "description": (gettext_lazy("Description"), ""),
    "external": (gettext_lazy("External"), ""),
    "idle": (gettext_lazy("Idle"), ""),
    "ip_version": (gettext_lazy("IP version"), ""),
    "plan_name": (gettext_lazy("Plan"), ""),
    "reserved": (gettext_lazy("Reserved"), ""),
    "used": (gettext_lazy("In use"), ""),
    "unattached": (gettext_lazy("Not attached"), ""),
    "disk_used_bytes": (gettext_lazy("Used"), "B"),
}
# Shown first on a card, in this order; the rest follow alphabetically.
SPEC_ORDER = ("instance_type", "cpu_cores", "memory_gb", "memory_mb", "disk_gb", "size_gb", "size_mb", "engine",
              "version")


def _spec_value(value: Any, unit: str, key: str = "") -> str:
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if unit == "B":
        amount = to_decimal(value)
        if amount is not None:
            for step, name in ((1024**3, "GB"), (1024**2, "MB"), (1024, "KB")):
                if amount >= step:
                    return f"{format_number(amount / step)} {unit_label(name)}"
            return f"{format_number(amount)} {unit_label('B')}"
    amount = to_decimal(value) if isinstance(value, int | float | Decimal) or unit else None
    text = format_number(amount) if amount is not None else spec_value_label(key, str(value))
    return f"{text} {unit_label(unit)}".strip() if unit else text


def _internal_id(key: str) -> bool:
    """A provider's internal identifier (``boot_disk_id``, ``cloud_id``, ``source_image_id``...): meaningless on
    the page, kept in the provider data section."""
    return key.endswith(("_id", "_ids"))


def _spec_rows(specs: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, label, value) of the plain specs, known ones first, with units; nothing secret-looking, no internal
    id. A key the inventory does not know gets an empty label: the template shows it only when its provider
    labels it (``ProviderSpec.spec_labels``), never as a raw key ("Boot disk id")."""
    items = [(k, v) for k, v in (specs or {}).items()
             if v not in (None, "", [], {}) and not isinstance(v, dict | list) and not is_secret_key(k)
             and not _internal_id(k)]
    rank = {key: n for n, key in enumerate(SPEC_ORDER)}
    items.sort(key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))
    rows = []
    for key, value in items:
        label, unit = SPEC_LABELS.get(key, ("", ""))
        rows.append((key, str(label), _spec_value(value, unit, key)))
    return rows


@require_GET
@require_permission("resources.view")
def resources(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    try:
        queryset = selectors.resource_list(filters=filters)
    except ApplicationError as exc:  # e.g. ?connection=abc: say so, show nothing
        messages.error(request, exc.message)
        queryset = selectors.resource_queryset().none()
    summary = selectors.resource_summary(queryset=queryset)
    ordered = queryset.annotate(
        has_metrics=Exists(MetricPoint.objects.filter(resource=OuterRef("pk"))),
    ).order_by("provider", "-has_metrics", F("monthly_cost").desc(nulls_last=True), "resource_type",
               "resource_name", "id")
    page, page_query = page_of(request, ordered, per_page=PAGE_SIZE)
    page.object_list = list(page.object_list)  # read once: the charts' query needs the page's ids first
    tz = _tz(request)

    groups: dict[str, dict[str, Any]] = {}
    series = selectors.resource_metric_series_many(
        resource_pks=[r.pk for r in page.object_list if r.has_metrics],
        metrics=[metric for metric, _short in CHART_METRICS])
    spend = selectors.resource_spend_many(resources=page.object_list)
    for resource in page.object_list:
        group = groups.setdefault(resource.provider, {
            "key": resource.provider, "items": [],
            "daily_cost": Decimal(0), "monthly_cost": Decimal(0), "currency": resource.currency,
            "connections": set(), "spend": None,
        })
        charts = _charts_for(resource, tz, series=series) if resource.has_metrics else {}
        group["items"].append({"resource": resource, "charts": charts, "specs": _spec_rows(resource.specs),
                               "spend": spend.get(resource.pk)})
        if spend.get(resource.pk) is not None:  # apart from the run-rate: what unpriced resources were billed
            group["spend"] = (group["spend"] or Decimal(0)) + spend[resource.pk]
        group["daily_cost"] += resource.daily_cost or 0
        group["monthly_cost"] += resource.monthly_cost or 0
        group["connections"].add(resource.connection.name)
        if resource.currency != group["currency"]:
            group["currency"] = ""
    for group in groups.values():
        group["connections"] = sorted(group["connections"])

    options = selectors.resource_filter_options()
    return render(request, "inventory/resources.html", {
        "summary": summary,
        "spend_currency": _org_currency(request),
        "spend_days": settings.INVENTORY_SPEND_DAYS,
        "groups": list(groups.values()),
        "page": page,
        "filters": filters,
        "has_filters": bool(filters),
        "options": {
            "provider": options.get("provider", []),
            "kind": options.get("kind", []),
            "resource_type": options.get("resource_type", []),
            "status": options.get("status", []),
            "region": options.get("region", []),
        },
        "page_query": page_query,
    })


@require_GET
@require_permission("resources.view")
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        resource = selectors.resource_get(resource_pk=pk)
    except Resource.DoesNotExist as exc:
        raise Http404 from exc
    tz = _tz(request)
    history = list(selectors.resource_history(resource=resource)[:100])
    return render(request, "inventory/resource_detail.html", {
        "resource": resource,
        "spend": selectors.resource_spend_many(resources=[resource]).get(resource.pk),
        "spend_currency": _org_currency(request),
        "spend_days": settings.INVENTORY_SPEND_DAYS,
        "charts": _charts_for(resource, tz),
        "specs": _spec_rows(resource.specs),
        "provider_config": json.dumps(masked(resource.provider_config or {}), indent=2, ensure_ascii=False,
                                      sort_keys=True, default=str) if resource.provider_config else "",
        "summaries": list(resource.metric_summaries.all()),
        "history": history,
        "nav_active": "resources",
    })
