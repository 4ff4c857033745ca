"""Syncing a demo connection against the fake cloud in demo mode changes nothing visible (issue 9, point 1).

The seed writes the estate through the providers' own normalizers from ``apps.demo.payloads``; the fake cloud
in demo mode (``tests/fakecloud/demo.py``) serves the same payloads over HTTP, and a real sync reads them with
the real clients. Expected figures come from the estate definition (``apps.demo.estate``), not from the code
under test.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django_tenants.utils import schema_context

from apps.common.http import build_session
from apps.costs.models import CostRecord
from apps.dashboard.selectors import dashboard_kpis, dashboard_period, spend_top_services
from apps.demo.estate import LAST_30_TOTAL, PREVIOUS_30_TOTAL, RESOURCES, demo_cost_rows
from apps.demo.seeding import demo_costs_seed
from apps.inventory.models import MetricPoint, Resource, ResourceMetricSummary
from apps.inventory.selectors import resource_summary
from apps.providers.models import ProviderConnection, SyncRun
from apps.providers.sync import sync_run_execute, sync_run_start
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.demo import DemoSelectel, DemoYandex

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)  # 12:00 in Moscow: the same calendar day in UTC and locally
TODAY = NOW.date()


@pytest.fixture
def demo_cloud(settings, time_machine):
    time_machine.move_to(NOW, tick=True)
    with FakeCloudServer(DemoSelectel(), DemoYandex()) as server:
        settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
        settings.DEMO_FAKECLOUD_URL = server.url
        yield server


def _visible() -> dict:
    """What the pages show of the estate: resources, their prices and specs, totals, the dashboard, metrics,
    the connection cards."""
    resources = sorted(
        (r.provider, r.resource_type, r.kind, r.resource_name, r.status, r.region, r.daily_cost, r.monthly_cost,
         repr(sorted(r.specs.items())), r.is_deleted)
        for r in Resource.objects.all())
    period = dashboard_period(today=TODAY)
    kpis = dashboard_kpis(period=period)
    return {
        "resources": resources,
        "summary": resource_summary(queryset=Resource.objects.filter(is_deleted=False)),
        "kpis": {k: kpis[k] for k in ("total", "previous_total", "change_percent", "active_resources",
                                      "resources_total", "connections", "connections_failing")},
        "top_services": repr(spend_top_services(period=period, comparable=kpis["has_previous"])),
        "ledger": CostRecord.objects.aggregate(s=Sum("billed_cost"))["s"],
        "metrics": sorted(MetricPoint.objects.values_list("resource__resource_name", "metric", "ts", "value")),
        "summaries": sorted(ResourceMetricSummary.objects.values_list("resource__resource_name", "metric", "avg")),
        "cards": {c.name: c.account_info for c in ProviderConnection.objects.all()},
    }


def _pages(client) -> dict[str, str]:
    urls = ["/", "/resources/", *(f"/resources/{pk}/" for pk in Resource.objects.order_by("pk")
                                  .values_list("pk", flat=True))]
    return {url: _page(client, url) for url in urls}


def test_a_real_sync_of_every_demo_connection_against_the_demo_fake_changes_nothing_visible(w, demo_cloud,
                                                                                              client_for):
    client = client_for(w.alice, "alpha")
    with schema_context(w.alpha.schema_name):
        demo_costs_seed(today=TODAY)
        before = _visible()
        pages_before = _pages(client)
        session = build_session(retries=0, connect_timeout=2, read_timeout=10, retry_post=True)
        for connection in ProviderConnection.objects.order_by("provider"):
            run = sync_run_execute(sync_run_id=sync_run_start(connection=connection, enqueue=False).pk,
                                   plugin_options={"session": session})
            assert (run.status, run.errors) == ("success", []), connection.provider
            assert run.resources_created == run.resources_deleted == 0
        after = _visible()
        pages_after = _pages(client)
        assert SyncRun.objects.count() == 2
        # The syncs really read the fake: OpenStack, the billing statistics and Yandex Compute and Monitoring.
        assert demo_cloud.count("/selectel/ru-7/compute/v2.1/servers/detail") == 1
        assert demo_cloud.count("/selectel/api/v1/cloud_billing/statistic/consumption") >= 2
        assert demo_cloud.count("/selectel/ru-1/quota-manager/v1/projects/") == 1
        assert demo_cloud.count("/compute/v1/instances") == 1
        assert demo_cloud.count("/monitoring/v2/data/read") == 2

    for key in before:
        assert after[key] == before[key], key
    for url, html in pages_before.items():
        assert pages_after[url] == html, url


def test_the_seeded_demo_shows_the_estate_definition(w, demo_cloud):
    """Hand-counted from ``apps.demo.estate.RESOURCES``: 2 Yandex VMs with a boot disk each, a data disk, an
    unattached disk, a reserved address and a bucket, the cloud and its folder; 3 Selectel servers, a volume and a
    bucket."""
    with schema_context(w.alpha.schema_name):
        demo_costs_seed(today=TODAY)
        live = Resource.objects.filter(is_deleted=False)
        assert live.count() == 15
        assert Counter((r.provider, r.resource_type) for r in live) == {
            ("yandex", "cloud"): 1, ("yandex", "folder"): 1, ("yandex", "vm"): 2, ("yandex", "disk"): 4,
            ("yandex", "ip_address"): 1, ("yandex", "bucket"): 1, ("selectel", "server"): 3,
            ("selectel", "volume"): 1, ("selectel", "bucket"): 1}
        assert {r.name for r in RESOURCES} <= set(live.values_list("resource_name", flat=True))
        assert {"web-prod-01-boot", "api-prod-02-boot", "infrazen-demo", "prod"} <= set(
            live.values_list("resource_name", flat=True))
        # The last 30 days total 117 150,00 ₽, the 30 before 133 886,00 ₽ (-12.5 %).
        kpis = dashboard_kpis(period=dashboard_period(today=TODAY))
        assert (kpis["total"], kpis["previous_total"]) == (LAST_30_TOTAL, PREVIOUS_30_TOTAL)
        assert kpis["change_percent"].quantize(Decimal("0.1")) == Decimal("-12.5")
        assert CostRecord.objects.aggregate(s=Sum("billed_cost"))["s"] == sum(r.amount for r in demo_cost_rows(
            today=TODAY))
        # Selectel prices are yesterday's billing statistics x 30: the estate's rows of that day.
        yesterday = TODAY - timedelta(days=1)
        keys = {r.key: r for r in RESOURCES}
        for name, key in (("db-master-msk", "db"), ("analytics-spb", "analytics"), ("db-master-msk-volume",
                                                                                       "db-volume"),
                          ("stage-app-01", "stage")):
            spend = sum(row.amount for row in demo_cost_rows(today=TODAY)
                        if row.day == yesterday and row.line.resource == key)
            resource = live.get(resource_name=name)
            assert resource.resource_id == keys[key].resource_id
            assert (resource.daily_cost, resource.monthly_cost) == (spend, spend * 30)
        # Yandex's REST API quotes no price per resource: unknown, never a guess.
        assert not live.filter(provider="yandex", resource_type="vm", daily_cost__isnull=False).exists()
        card = ProviderConnection.objects.get(provider="selectel").account_info
        # db-master-msk 8 + analytics-spb 8 + stage-app-01 4 vCPU (its size since the resize)
        assert card["limits"]["compute_cores"] == {"used": "20", "limit": "40", "unit": "vCPU"}
        stage = live.get(resource_name="stage-app-01")
        assert (stage.specs["cpu_cores"], stage.specs["memory_gb"]) == (4, "8.00")


def _page(client, url: str) -> str:
    html = client.get(url).content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    # A resource's change history lists what each sync saw: the one section a sync must add to (its icon's path).
    return re.sub(r"<section\b(?:(?!<section\b).)*?M3 12a9 9 0 1 0 3-6\.7L3 8.*?</section>", "", html, flags=re.S)


def test_resource_pages_of_the_demo_show_no_raw_spec_keys_or_internal_ids(w, demo_cloud, client_for):
    """Every spec a sync stores is shown under a Russian label or not at all (internal ids like the boot disk's
    stay in the provider data section)."""
    client = client_for(w.alice, "alpha")
    with schema_context(w.alpha.schema_name):
        demo_costs_seed(today=TODAY)
        resources = list(Resource.objects.all())
    assert any("boot_disk_id" in r.specs for r in resources) and any("cloud_id" in r.specs for r in resources)
    for resource in resources:
        html = client.get(f"/resources/{resource.pk}/").content.decode()
        labels = re.findall(r"<dt>([^<]*)</dt>", html)
        raw = {key.replace("_", " ").capitalize() for key in resource.specs} | {"Boot disk id", "Cloud id",
                                                                                "Ip address"}
        assert not raw & set(labels), (resource.resource_name, raw & set(labels))
        english = [label for label in labels if not re.search("[А-Яа-яЁё]", label)]
        assert set(english) <= {"IP", "vCPU", "GPU"}, english


def _rub(amount: Decimal) -> str:
    """``1234.5`` -> ``1 234,50 ₽`` (no-break spaces), written out here rather than through the app's formatter."""
    whole, cents = f"{amount.quantize(Decimal('0.01')):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return "\xa0".join(groups) + f",{cents}\xa0₽"


def test_demo_resources_page_shows_the_yandex_vms_spend_from_the_ledger(w, demo_cloud, client_for):
    """Yandex quotes no price per VM; the cards show the VM's last 30 days of the estate's ledger instead."""
    client = client_for(w.alice, "alpha")
    with schema_context(w.alpha.schema_name):
        demo_costs_seed(today=TODAY)
        vms = {r.resource_name: r.pk for r in Resource.objects.filter(provider="yandex", resource_type="vm")}
    html = client.get("/resources/").content.decode()
    first = TODAY - timedelta(days=29)
    for name, key in (("web-prod-01", "web"), ("api-prod-02", "api")):
        spend = sum(row.amount for row in demo_cost_rows(today=TODAY)
                    if row.day >= first and row.line.resource == key and not row.resource_override)
        assert spend > 0
        start = html.index(f'id="resource-{vms[name]}"')
        card = html[start:html.index("</article>", start)]
        assert "Расход за 30 дней:</span>" in card, name
        assert _rub(spend) in card, (name, _rub(spend))
        detail = client.get(f"/resources/{vms[name]}/").content.decode()
        assert _rub(spend) in detail and "по счетам провайдера, цены по прайсу нет" in detail
