"""Seeding the demo estate (``apps.demo.estate``) into the current tenant schema, as a sync would write it.

The inventory is what the providers' own normalizers make of the demo payloads (``apps.demo.payloads``, which
the fake cloud serves in demo mode), the account cards too; metrics and the FOCUS ledger come from the
estate. The connections are never synced here (their credentials are the fake cloud's demo ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.inventory.vocabulary import ResourceStatus

from .estate import (
    _BY_KEY,
    CENT,
    CONNECTION_NAMES,
    DEMO_CREDENTIALS,
    DEMO_KINDS,
    METRIC_DAYS,
    PROVIDER_NAMES,
    RESOURCES,
    SEL_ACCOUNT,
    SEL_PROJECT,
    SELECTEL,
    SOURCE_PREFIX,
    YANDEX,
    YC_BILLING_ACCOUNT,
    YC_CLOUD,
    YC_FOLDER,
    _metric_plan,
    _months_back,
    _Row,
    _utc,
    demo_cost_rows,
    demo_metric_value,
)

# The resized server's story (``DemoResource.resized_days_ago``): found by the rightsizing rule, accepted and
# applied on the day it was resized; the ledger then verifies the saving.
RESIZE_RULE = "rightsizing_vm"
# The unattached disk's cleanup finding is accepted (someone is on it); the backlog keeps it.
ACCEPTED = ("unattached_volume", "promo-disk")
# The demo company decides on commitments with next year's budget: its owner snoozed those findings (they come
# back on their own); the open backlog is the product description's rightsizing, cleanup and storage policy.
SNOOZED_RULES = ("commitment_steady",)
SNOOZE_DAYS = 45


def _connections() -> dict[str, Any]:
    from apps.providers.models import ProviderConnection
    from apps.providers.services import connection_create, connection_update

    endpoint = getattr(settings, "DEMO_FAKECLOUD_URL", "") if settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS else ""
    out = {}
    for provider in (YANDEX, SELECTEL):
        name = CONNECTION_NAMES[provider]
        connection = ProviderConnection.objects.filter(provider=provider, name=name).first()
        if connection is None:
            connection = connection_create(provider=provider, name=name, credentials=DEMO_CREDENTIALS[provider],
                                           endpoint=endpoint, auto_sync=False)
        else:
            connection = connection_update(connection=connection, credentials=DEMO_CREDENTIALS[provider],
                                           endpoint=endpoint, auto_sync=False)
        out[provider] = connection
    return out


@dataclass(frozen=True)
class _DemoRecord:
    """A demo resource no plugin lists yet (object storage buckets), in the shape the inventory stores
    (``apps.inventory.diff.IncomingRecord``): a sync never touches a type it does not list."""

    provider: str
    resource_id: str
    resource_name: str
    resource_type: str
    kind: str
    service_name: str
    region: str
    account_id: str
    project_id: str
    provider_status: str
    daily_cost: Decimal
    monthly_cost: Decimal
    original_price: Decimal
    billing_period: str
    created_at: datetime
    specs: dict[str, Any]
    tags: dict[str, str]
    status: str = ResourceStatus.RUNNING
    currency: str = "RUB"
    pricing_model: str = "on_demand"
    provider_config: dict[str, Any] = field(default_factory=dict)


def _bucket_records(provider: str, rows: list[_Row], today: date) -> list[_DemoRecord]:
    from apps.inventory.models import CostPeriod

    last_start = today - timedelta(days=29)
    records = []
    for spec in RESOURCES:
        if spec.provider != provider or spec.resource_type != "bucket":
            continue
        spend = sum((r.amount for r in rows if r.day >= last_start and r.line.resource == spec.key), Decimal(0))
        daily = (spend / 30).quantize(Decimal("0.0001"))
        records.append(_DemoRecord(
            provider=provider, resource_id=spec.resource_id, resource_name=spec.name,
            resource_type=spec.resource_type, kind=DEMO_KINDS[spec.resource_type], service_name=spec.service_name,
            region=spec.region, account_id=YC_CLOUD if provider == YANDEX else SEL_ACCOUNT,
            project_id=YC_FOLDER if provider == YANDEX else SEL_PROJECT, provider_status="",
            daily_cost=daily, monthly_cost=(daily * 30).quantize(CENT), original_price=(daily * 30).quantize(CENT),
            billing_period=CostPeriod.MONTHLY, created_at=_utc(today - timedelta(days=spec.created_days_ago)),
            specs=spec.specs, tags=spec.tags))
    return records


def _yandex_fetched(today: date) -> tuple[list[Any], Any, tuple[str, ...]]:
    """What a sync of the demo Yandex connection reads: records, account card and the types it lists."""
    from apps.providers.plugins.yandex import normalize as yc

    from .payloads import yandex_payloads

    p = yandex_payloads(today=today)
    records = [*yc.cloud_records(p["clouds"]), *yc.folder_records(p["folders"]),
               *yc.instance_records(p["instances"], cloud_id=YC_CLOUD),
               *yc.disk_records(p["disks"], cloud_id=YC_CLOUD),
               *yc.snapshot_records(p["snapshots"], cloud_id=YC_CLOUD),
               *yc.address_records(p["addresses"], cloud_id=YC_CLOUD)]
    info = yc.account_info(yc.pick_billing_account(p["billing_accounts"]), fallback_id=YC_CLOUD)
    return records, info, (yc.CLOUD, yc.FOLDER, yc.VM, yc.DISK, yc.SNAPSHOT, yc.ADDRESS)


def _selectel_fetched(today: date, before_resize: bool = False) -> tuple[list[Any], Any, tuple[str, ...]]:
    """What a sync of the demo Selectel connection reads (OpenStack lists, billing prices)."""
    from apps.providers.plugins.openstack import normalize as openstack
    from apps.providers.plugins.selectel import normalize as sel

    from .payloads import (
        grouped_by_region,
        selectel_balances,
        selectel_consumption,
        selectel_flavors,
        selectel_prediction,
        selectel_quotas,
        selectel_servers,
        selectel_volumes,
    )

    day = timezone.localdate() - timedelta(days=1)  # the plugin's last whole day
    day_rows = sel.consumption_rows({"status": "success",
                                     "data": selectel_consumption(today=today, start=day, end=day)})
    costs = sel.daily_costs(day_rows)
    flavors = {str(f["id"]): f for f in selectel_flavors()}
    records = []
    for region, servers in sorted(grouped_by_region(selectel_servers(today=today,
                                                                     before_resize=before_resize)).items()):
        records += openstack.server_records(servers, provider=sel.PROVIDER, region=region, currency=sel.CURRENCY,
                                            flavors=flavors, costs=costs, account_id=SEL_ACCOUNT)
    for region, volumes in sorted(grouped_by_region(selectel_volumes(today=today)).items()):
        records += openstack.volume_records(volumes, provider=sel.PROVIDER, region=region, currency=sel.CURRENCY,
                                            costs=costs, account_id=SEL_ACCOUNT)
    records += sel.consumption_records(day_rows, account_id=SEL_ACCOUNT,
                                       exclude_types=frozenset({sel.SERVER, sel.VOLUME}))
    info = sel.account_info(account_id=SEL_ACCOUNT, balances_payload=selectel_balances(),
                            prediction_payload=selectel_prediction(today=today),
                            daily_rate=sum(costs.values(), Decimal(0)),
                            limits=sel.quota_limits({SEL_PROJECT: selectel_quotas()}))
    return records, info, (sel.SERVER, sel.VOLUME, sel.CLOUD_SERVICE)


def _resources(connections: dict[str, Any], rows: list[_Row], today: date,
               before_resize: bool = False) -> dict[tuple[str, str], Any]:
    """The resources a sync of each demo connection finds, normalized from the demo payloads by the providers'
    own normalizers and written by the inventory as a sync writes them, plus the buckets (no plugin lists
    object storage). Returns {(provider, resource id): Resource}. ``before_resize``: what a sync found before
    the resized server was resized."""
    from apps.inventory.diff import incoming_resource
    from apps.inventory.models import Resource
    from apps.inventory.services import resource_context_update, resource_sync
    from apps.providers.services import connection_mark_connected

    now = timezone.now()
    pks: dict[tuple[str, str], int] = {}
    fetchers = {YANDEX: _yandex_fetched, SELECTEL: _selectel_fetched}
    for provider, connection in connections.items():
        records, info, listed = (fetchers[provider](today, before_resize) if provider == SELECTEL
                                 else fetchers[provider](today))
        incoming = {}
        for record in [*records, *_bucket_records(provider, rows, today)]:
            item = incoming_resource(record)
            incoming[item.key] = item
        written = resource_sync(connection=connection, incoming=incoming, listed_types=listed, now=now)
        pks.update({(provider, key[1]): pk for key, pk in written.pks.items() if key in incoming})
        # Demo connections look synced: the account card is what the provider's answers give.
        connections[provider] = connection_mark_connected(connection=connection, account_info=info.as_json(),
                                                          replace=True)
    tags_by_id = {(spec.provider, spec.resource_id): spec.tags for spec in RESOURCES}
    for (provider, resource_id), pk in pks.items():
        tags = tags_by_id.get((provider, resource_id))
        if tags:
            resource_context_update(resource_pk=pk, team=tags.get("team", ""), project=tags.get("project", ""),
                                    environment=tags.get("env", ""))
    stored = Resource.objects.in_bulk(list(pks.values()))
    return {key: stored[pk] for key, pk in pks.items()}


def _metrics(resources: dict[tuple[str, str], Any]) -> None:
    """Hourly samples for the last week, replacing earlier ones; the inventory recomputes their summaries
    (the utilization panel's input)."""
    from apps.inventory.services import MetricSamples, metric_points_store

    end = timezone.now().replace(minute=0, second=0, microsecond=0)
    series: dict[int, list[MetricSamples]] = {}
    for spec in RESOURCES:
        samples = series.setdefault(resources[(spec.provider, spec.resource_id)].pk, [])
        for metric, _average, _capacity in _metric_plan(spec):
            # The hours of the last week before the current one, as the Yandex plugin asks Monitoring for them.
            stamps = [end - timedelta(hours=METRIC_DAYS * 24 - hour) for hour in range(METRIC_DAYS * 24)]
            samples.append(MetricSamples(metric, [(ts, demo_metric_value(spec, metric, ts)) for ts in stamps]))
    metric_points_store(series=series, replace=True)


def _from_billing_statistics(row: _Row, start: date, end: date) -> bool:
    """A Selectel row a sync imports from the billing statistics (servers and volumes, the sync's cost window)."""
    spec = _BY_KEY.get(row.line.resource)
    return (row.line.provider == SELECTEL and not row.resource_override and spec is not None
            and spec.resource_type in ("server", "volume") and start <= row.day < end)


def _ledger(connections: dict[str, Any], resources: dict[tuple[str, str], Any], rows: list[_Row],
            today: date) -> int:
    """Replace the demo's ledger rows (every ``demo:`` source) and refresh the rollups they touch.

    The Selectel servers' and volumes' costs of the last ``PROVIDER_COST_DAYS`` days are what a sync imports
    from the billing statistics: they are written by that import (source ``provider:<connection>``), from the
    same consumption rows the fake cloud serves, so a sync replaces them with identical rows."""
    from apps.costs.models import CostRecord
    from apps.costs.services.ledger import cost_records_replace
    from apps.costs.services.provider_costs import provider_costs_import, provider_costs_window, source_key
    from apps.providers.plugins.selectel import normalize as sel

    from .payloads import selectel_consumption

    start, end = provider_costs_window(days=int(getattr(settings, "PROVIDER_COST_DAYS", 35)), today=today)
    selectel = connections[SELECTEL]
    CostRecord.objects.filter(source_key=source_key(selectel)).delete()  # an earlier seed's window
    written = cost_records_replace(source_prefix=SOURCE_PREFIX, records=(
        _record(row, connections, resources) for row in rows if not _from_billing_statistics(row, start, end)))
    consumption = sel.consumption_rows({"status": "success", "data": selectel_consumption(
        today=today, start=start, end=end - timedelta(days=1))})
    return written + provider_costs_import(connection=selectel, start=start, end=end,
                                           lines=sel.cost_lines(consumption))


def _record(row: _Row, connections: dict[str, Any], resources: dict[str, Any]):
    from apps.costs.models import CostRecord

    line = row.line
    spec = _BY_KEY.get(line.resource)
    resource = resources.get((spec.provider, spec.resource_id)) if spec is not None else None
    override = row.resource_override
    if spec is not None and not override:
        resource_id, resource_name, resource_type = spec.resource_id, spec.name, spec.resource_type
        zone = spec.specs.get("zone", spec.region if spec.provider == SELECTEL else "")
        tags = spec.tags
    elif override:
        resource = None
        resource_id, resource_name = override["resource_id"], override["resource_name"]
        resource_type, zone = override["resource_type"], "ru-central1-a"
        tags = {"env": "sandbox", "team": "ml", "project": "recsys"}
    else:
        resource = None
        resource_id, resource_name, resource_type = line.resource_id, line.resource_name, line.resource_type
        zone, tags = line.zone, line.tags
    region_id, region_name = _region(line.provider, zone or line.region)
    month_start = row.day.replace(day=1)
    next_month = _months_back(month_start, -1)
    yandex = line.provider == YANDEX
    return CostRecord(
        billed_cost=row.amount, effective_cost=row.amount, list_cost=row.amount, contracted_cost=row.amount,
        billing_currency="RUB",
        billing_period_start=_utc(month_start), billing_period_end=_utc(next_month),
        charge_period_start=_utc(row.day), charge_period_end=_utc(row.day + timedelta(days=1)),
        charge_date=row.day, charge_category="Usage", charge_class="", charge_frequency="Usage-Based",
        charge_description=row.description or line.description,
        provider_name=PROVIDER_NAMES[line.provider], publisher_name=PROVIDER_NAMES[line.provider],
        invoice_issuer_name="ООО «Яндекс.Облако»" if yandex else "АО «Селектел»",
        billing_account_id=YC_BILLING_ACCOUNT if yandex else SEL_ACCOUNT,
        billing_account_name="infrazen-demo" if yandex else "Договор 478587",
        sub_account_id=YC_FOLDER if yandex else SEL_PROJECT,
        sub_account_name="prod" if yandex else "My First Project",
        region_id=region_id, region_name=region_name, availability_zone=zone,
        service_name=line.service, service_category=line.category,
        resource_id=resource_id, resource_name=resource_name, resource_type=resource_type,
        sku_id=override.get("sku", line.sku), pricing_category="Standard",
        pricing_quantity=row.quantity, pricing_unit=line.unit, consumed_quantity=row.quantity,
        consumed_unit=line.unit, tags=dict(tags), extras={"x_demo": True},
        connection=connections[line.provider], inventory_resource=resource,
        source_key=f"{SOURCE_PREFIX}{line.provider}",
    )


def _region(provider: str, zone: str) -> tuple[str, str]:
    if provider == YANDEX:
        return "ru-central1", "Россия, Центральный"
    region = zone[:-1] if zone[-1:].isalpha() else zone  # ru-1a -> ru-1
    return region, "Санкт-Петербург" if region == "ru-1" else "Москва"


def _resized_pending() -> list[Any]:
    """The resized servers whose rightsizing finding is not applied yet (none when the rule is not registered)."""
    from apps.recommendations.models import Finding
    from apps.recommendations.registry import rule_paths
    from apps.recommendations.vocabulary import Status

    if RESIZE_RULE not in rule_paths():
        return []
    done = set(Finding.objects.filter(rule=RESIZE_RULE, status__in=(Status.APPLIED, Status.VERIFIED))
               .values_list("resource__resource_id", flat=True))
    return [spec for spec in RESOURCES if spec.resized_days_ago is not None and spec.resource_id not in done]


def _resize_story(specs: list[Any], connections: dict[str, Any], resources: dict[tuple[str, str], Any],
                  today: date, owner) -> None:
    """Before the resize: the old size's metrics, an evaluation of the server's connection as of the day before
    the resize (what the post-sync step did then), the finding accepted and applied on the resize day."""
    from apps.inventory.services import MetricSamples, metric_points_store
    from apps.recommendations.models import Finding
    from apps.recommendations.services import evaluate_now, finding_accept, finding_apply
    from apps.recommendations.vocabulary import RunTrigger, Status

    for spec in specs:
        resource = resources[(spec.provider, spec.resource_id)]
        resized_on = today - timedelta(days=spec.resized_days_ago)
        end = timezone.make_aware(datetime.combine(resized_on - timedelta(days=1), time(10)))
        stamps = [end - timedelta(hours=METRIC_DAYS * 24 - hour) for hour in range(METRIC_DAYS * 24)]
        metric_points_store(series={resource.pk: [
            MetricSamples(metric, [(ts, demo_metric_value(spec, metric, ts, before=True)) for ts in stamps])
            for metric, _average, _capacity in _metric_plan(spec, before=True)]}, replace=True)
        evaluate_now(trigger=RunTrigger.SYNC, connection=connections[spec.provider], now=end)
        finding = Finding.objects.filter(rule=RESIZE_RULE, resource=resource).first()
        if finding is None:
            continue  # the rule does not flag it (not registered with these thresholds): nothing to apply
        if finding.status != Status.ACCEPTED:
            finding_accept(finding=finding, actor=owner)
        finding_apply(finding=finding, actor=owner, applied_on=resized_on)


def demo_recommendations_seed(*, owner=None) -> Any:
    """The demo's backlog, through the rules: an evaluation of everything, the commitment findings snoozed and the
    accepted finding, by the owner; returns the evaluation run."""
    from apps.recommendations.models import Finding
    from apps.recommendations.services import evaluate_now, finding_accept, finding_snooze
    from apps.recommendations.vocabulary import RunTrigger, Status

    run = evaluate_now(trigger=RunTrigger.COMMAND)
    until = timezone.localdate() + timedelta(days=SNOOZE_DAYS)
    for finding in Finding.objects.filter(rule__in=SNOOZED_RULES, status=Status.OPEN):
        finding_snooze(finding=finding, actor=owner, until=until)
    rule, key = ACCEPTED
    spec = _BY_KEY[key]
    finding = Finding.objects.filter(rule=rule, resource__provider=spec.provider,
                                     resource__resource_id=spec.resource_id, status=Status.OPEN).first()
    if finding is not None:
        finding_accept(finding=finding, actor=owner)
        run = evaluate_now(trigger=RunTrigger.COMMAND)
    return run


@transaction.atomic
def demo_costs_seed(*, today: date | None = None, owner=None, recommendations: bool = True) -> dict[str, int]:
    """Seed (or re-seed) the demo estate in the CURRENT tenant schema; returns what it wrote.

    The recommendations come from the rules over what was written (``recommendations``): a resized server's
    finding is found on its old size, accepted and applied by ``owner`` (the demo's owner) on the day it was
    resized, then the inventory and metrics become what a sync finds now, and a last evaluation builds the
    backlog and verifies the applied finding from the ledger."""
    today = today or timezone.now().date()
    rows = demo_cost_rows(today=today)
    connections = _connections()
    pending = _resized_pending() if recommendations else []
    resources = _resources(connections, rows, today, before_resize=bool(pending))
    written = _ledger(connections, resources, rows, today)
    if pending:
        _resize_story(pending, connections, resources, today, owner)
        resources = _resources(connections, rows, today)  # the resize, as the next sync finds it
    _metrics(resources)
    out = {"connections": len(connections), "resources": len(resources), "cost_records": written}
    if recommendations:
        out["findings_open"] = demo_recommendations_seed(owner=owner).findings_open
    return out
