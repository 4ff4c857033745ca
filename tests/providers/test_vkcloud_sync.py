"""End to end through the API: a VK Cloud connection synced against its fake, with priced estimates in the
inventory and the ledger, and the connection card saying they are estimates and from which price list."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django_tenants.utils import schema_context

from apps.costs.models import CostRecord
from apps.providers.models import ProviderConnection
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.vkcloud import DEMO_PROJECT_ID, DEMO_USER_PASSWORD, DEMO_USERNAME, KEYSTONE_PATH, FakeVKCloud

from .sync_helpers import run_sync, schema_of

TODAY = date(2030, 6, 14)
# By hand, at the shipped price list (vCPU 0.70 ₽/h, RAM 0.35 ₽/GB/h; per GB and month: ceph-ssd 12.00,
# high-iops 18.00, ceph-hdd 4.50, snapshot and image 3.00; floating IP 0.20 ₽/h):
EXPECTED = {
    "srv-3-00000": Decimal("33.60"),  # STD2-1-2 running: (0.70 + 2 x 0.35) x 24
    "disk-for-srv-3-00000-#1": Decimal("20.00"),  # 50 GB ceph-ssd: 50 x 12.00 / 30
    "disk-for-srv-3-00001-#1": Decimal("12.00"),  # 20 GB high-iops of the stopped server: 20 x 18.00 / 30
    "spare-RegionOne": Decimal("4.50"),  # 30 GB ceph-hdd, attached to nothing: 30 x 4.50 / 30
    "203.0.113.1": Decimal("4.80"),  # 0.20 x 24, attached
    "203.0.113.2": Decimal("4.80"),  # idle, still charged
    "snap-0": Decimal("1.00"),  # 10 GB: 10 x 3.00 / 30
    "golden-0": Decimal("0.20"),  # 2 GiB image: 2 x 3.00 / 30
    "pg-0": Decimal("75.20"),  # STD2-2-4 (2.80 x 24 = 67.20) + 20 GB ceph-ssd (8.00)
}
DAILY_TOTAL = Decimal("156.10")


@pytest.fixture(autouse=True)
def _noon(time_machine):
    time_machine.move_to(datetime(2030, 6, 14, 12, 0, tzinfo=UTC), tick=True)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    settings.CURRENCY_FETCH_MISSING = False
    settings.PROVIDER_COST_DAYS = 35


@pytest.fixture
def fake_vk():
    fake = FakeVKCloud(servers=2, seed=3, floating_ips=2, databases=1, clusters=1, snapshots=1, images=1,
                       stopped=(1,))
    fake.volumes[0].update(size=50, type="ceph-ssd")
    fake.volumes[1].update(size=20, type="high-iops")
    with FakeCloudServer(fake) as server:
        yield server


def _connect(client, url: str) -> int:
    body = {"provider": "vkcloud", "name": "VK Cloud", "endpoint": url + KEYSTONE_PATH, "credentials": {
        "username": DEMO_USERNAME, "password": DEMO_USER_PASSWORD, "project_id": DEMO_PROJECT_ID}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert DEMO_USER_PASSWORD not in response.content.decode()
    return response.json()["id"]


def test_a_vkcloud_sync_lists_every_service_with_priced_estimates(w, token_client, fake_vk):
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, fake_vk.url)
    run = run_sync(client, connection_id)
    assert run["status"] == "success", run
    assert run["resources_found"] == 11  # 2 servers, 3 volumes, 2 IPs, a snapshot, an image, a database, a cluster
    assert Decimal(run["total_daily_cost"]) == DAILY_TOTAL
    listed = client.get("/api/v1/resources/?page_size=100").json()["results"]
    costs = {item["resource_name"]: item["daily_cost"] for item in listed}
    assert {name: Decimal(costs[name]) for name in EXPECTED} == EXPECTED
    assert Decimal(costs["srv-3-00001"]) == 0  # stopped: its disk is priced as the volume, not the flavor
    assert costs["k8s-0"] is None  # the cluster's nodes are the project's servers
    assert {item["resource_type"] for item in listed} == {
        "server", "volume", "floating_ip", "snapshot", "image", "database_instance", "kubernetes_cluster"}
    assert "Ubuntu-22.04-202312" not in costs  # the platform's public image is not the project's
    for response in (client.get("/api/v1/resources/"), client.get(f"/api/v1/connections/{connection_id}/")):
        assert DEMO_USER_PASSWORD not in response.content.decode()
    with schema_context(schema_of("alpha")):
        assert ProviderConnection.objects.get(pk=connection_id).account_info["account_id"] == DEMO_PROJECT_ID


def test_the_sync_writes_todays_estimates_to_the_ledger_marked_with_the_price_list_date(w, token_client, fake_vk):
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, fake_vk.url)
    run_sync(client, connection_id)
    with schema_context(schema_of("alpha")):
        rows = CostRecord.objects.filter(source_key=f"provider:{connection_id}")
        assert set(rows.values_list("charge_date", flat=True)) == {TODAY}  # first seen today: no earlier days
        assert rows.aggregate(total=Sum("billed_cost"))["total"] == DAILY_TOTAL
        by_name = {r.resource_name: r for r in rows}
        assert {name: r.billed_cost for name, r in by_name.items()} == EXPECTED
        assert all(r.extras["x_estimated"] is True and r.extras["x_price_list_date"] == "2026-12-01" for r in rows)
        assert by_name["pg-0"].service_category == "Databases" and by_name["srv-3-00000"].service_category == "Compute"
        assert all(r.inventory_resource_id for r in rows) and all(r.billing_currency == "RUB" for r in rows)
    again = run_sync(client, connection_id)
    assert again["status"] == "success"
    with schema_context(schema_of("alpha")):
        assert CostRecord.objects.filter(source_key=f"provider:{connection_id}").aggregate(
            total=Sum("billed_cost"))["total"] == DAILY_TOTAL  # replaced, never doubled


def test_the_connection_card_says_the_costs_are_an_estimate_and_names_the_price_list_date(
        w, token_client, client_for, fake_vk):
    connection_id = _connect(token_client(w.alice, "alpha"), fake_vk.url)
    page = client_for(w.alice, "alpha").get("/connections/")
    assert "data-cost-estimate" not in page.content.decode()  # nothing synced yet: no estimate to speak of
    run_sync(token_client(w.alice, "alpha"), connection_id)
    page = client_for(w.alice, "alpha").get("/connections/").content.decode()
    assert "data-cost-estimate" in page
    assert "оценка · прайс-лист от 1 декабря 2026" in page
    card = client_for(w.alice, "alpha").get(f"/connections/{connection_id}/card/").content.decode()
    assert "оценка · прайс-лист от 1 декабря 2026" in card


def test_the_demo_third_clients_vk_cloud_connection_syncs_from_the_fake(w, settings, fake_vk):
    from apps.demo.services import demo_third_client_connections
    from apps.inventory.models import Resource

    settings.DEMO_FAKECLOUD_URL = fake_vk.url
    demo_third_client_connections(organization=w.gamma)
    with schema_context(w.gamma.schema_name):
        connection = ProviderConnection.objects.get(provider="vkcloud")
        assert connection.name == "VK Cloud" and connection.account_info["account_id"] == DEMO_PROJECT_ID
        assert Resource.objects.filter(connection=connection).count() == 11
