"""End to end through the API: a Cloud.ru Evolution connection synced by the sync engine against the fake,
its VMs and disks in the inventory and its consumption (without VAT, VAT beside it) in the FOCUS ledger.

Daily figures by hand (see test_cloudru_client.py): 281.325 ₽ a day without VAT over both projects;
per resource web-1 47.40, db-1 130.80, disks 6.25 + 12.50 + 62.50 + 6.25 + 15.625.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django_tenants.utils import schema_context

from apps.costs.models import CostRecord
from apps.providers.plugins.cloudru import client as cr
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.cloudru import DEMO_CUSTOMER_ID, DEMO_KEY_ID, DEMO_KEY_SECRET, FakeCloudRu

from .sync_helpers import run_sync, schema_of

TODAY = date(2030, 6, 14)
DAILY = Decimal("281.325")


@pytest.fixture(autouse=True)
def _settings(settings, time_machine):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    settings.CURRENCY_FETCH_MISSING = False
    settings.PROVIDER_COST_DAYS = 3
    time_machine.move_to(datetime(2030, 6, 14, 12, 0, tzinfo=UTC), tick=True)
    cr.TOKEN_CACHE.clear()
    yield
    cr.TOKEN_CACHE.clear()


@pytest.fixture
def fake_cloudru():
    with FakeCloudServer(FakeCloudRu()) as server:
        yield server


def _connect(client, url: str) -> int:
    body = {"provider": "cloudru", "name": "Cloud.ru", "endpoint": url, "credentials": {
        "key_id": DEMO_KEY_ID, "key_secret": DEMO_KEY_SECRET, "customer_id": DEMO_CUSTOMER_ID}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert DEMO_KEY_SECRET not in response.content.decode()
    return response.json()["id"]


def _ledger(connection_id: int):
    return CostRecord.objects.filter(source_key=f"provider:{connection_id}")


def _day_totals(connection_id: int) -> dict[date, Decimal]:
    rows = _ledger(connection_id).values("charge_date").annotate(total=Sum("billed_cost"))
    return {row["charge_date"]: row["total"] for row in rows}


def test_a_cloudru_connection_syncs_vms_disks_and_the_consumption_into_the_ledger(w, token_client, fake_cloudru):
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, fake_cloudru.url)
    run = run_sync(client, connection_id)
    assert run["status"] == "success", run
    assert run["resources_found"] == run["resources_created"] == 8
    assert Decimal(run["total_daily_cost"]) == Decimal("281.33")  # yesterday per resource, rounded to kopecks
    listed = client.get("/api/v1/resources/?provider=cloudru&page_size=100").json()
    counts: dict[str, int] = {}
    for item in listed["results"]:
        counts[item["resource_type"]] = counts.get(item["resource_type"], 0) + 1
    assert counts == {"vm": 3, "disk": 5}
    web = next(item for item in listed["results"] if item["resource_name"] == "web-1")
    assert web["status"] == "running" and Decimal(web["daily_cost"]) == Decimal("47.40")
    with schema_context(schema_of("alpha")):
        assert _day_totals(connection_id) == {TODAY - timedelta(days=n): DAILY for n in range(3)}
        rows = _ledger(connection_id)
        assert set(rows.values_list("billing_currency", flat=True)) == {"RUB"}
        assert not rows.filter(inventory_resource__isnull=True).exists()  # every line is a listed VM or disk
        assert set(rows.values_list("service_category", flat=True)) == {"Compute", "Storage"}
        web_cpu = rows.get(charge_date=TODAY - timedelta(days=1), resource_name="web-1", sku_id="evo-vm-vcpu-ll")
        assert web_cpu.billed_cost == Decimal("29.40") and web_cpu.resource_type == "vm"
        assert Decimal(web_cpu.extras["x_VatAmount"]) == Decimal("6.468")
        assert Decimal(web_cpu.extras["x_AmountWithVat"]) == Decimal("35.868")
        count = rows.count()
    card = client.get(f"/api/v1/connections/{connection_id}/")
    assert DEMO_KEY_SECRET not in card.content.decode()
    again = run_sync(client, connection_id)
    assert again["status"] == "success" and again["resources_created"] == 0 and again["resources_unchanged"] == 8
    with schema_context(schema_of("alpha")):
        assert _ledger(connection_id).count() == count  # replaced, never duplicated


def test_a_page_token_loop_makes_the_run_partial_and_keeps_the_ledger(w, token_client, fake_cloudru):
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, fake_cloudru.url)
    assert run_sync(client, connection_id)["status"] == "success"
    with schema_context(schema_of("alpha")):
        before = sorted(_ledger(connection_id).values_list("charge_date", "sku_id", "resource_id", "billed_cost"))
    fake_cloudru.add_fault("/cloudru/organization/v2/consumption", "loop", times=None)
    # One page holds a whole day of a project by default; a loop needs at least two pages: small pages.
    run = _sync_with_page_size(client, connection_id, 5)
    assert run["status"] == "partial", run
    [error] = run["errors"]
    assert (error["endpoint"], error["code"]) == ("costs", "provider_bad_response")
    assert "токен страницы" in error["message"]  # the clear Russian message, not a bare "bad response"
    assert fake_cloudru.count("/cloudru/organization/v2/consumption") > 0
    with schema_context(schema_of("alpha")):
        after = sorted(_ledger(connection_id).values_list("charge_date", "sku_id", "resource_id", "billed_cost"))
    assert after == before


def _sync_with_page_size(client, connection_id: int, page_size: int) -> dict:
    from apps.common.http import build_session
    from apps.providers.sync import sync_run_execute

    response = client.post(f"/api/v1/connections/{connection_id}/sync/")
    assert response.status_code == 202, response.content
    session = build_session(retry_post=True, retries=1, backoff_factor=0, read_timeout=5, connect_timeout=2)
    with schema_context(schema_of("alpha")):
        sync_run_execute(sync_run_id=response.json()["id"],
                         plugin_options={"session": session, "consumption_page_size": page_size})
    return client.get(f"/api/v1/sync/runs/{response.json()['id']}/").json()
