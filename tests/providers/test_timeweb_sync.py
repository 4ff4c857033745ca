"""End to end through the API: a Timeweb Cloud connection tested and synced against the fake, its balance and
runway shown, the estimated daily costs landing in the ledger for the last full Moscow day, and faults.

The fake's account (tests/fakecloud/timeweb.py) prices its services at (₽ a month): web-1 1 650 + an extra IPv4
150 = 1 800, app-2 990, legacy-worker 477, orders-db 1 470, media-assets 199, front-lb 272, apps-k8s 1 180 + 2 400 =
3 580, a floating IP 150 and mail 109: 9 047 ₽, i.e. 301.5666 ₽ a day at month / 30 (each rounded to 0.0001:
60 + 33 + 15.9 + 49 + 6.6333 + 9.0667 + 119.3333 + 5 + 3.6333). Balance 5 000 ₽; hourly cost 9 047 / 732 =
12.359289...; hours_left = 404 (5 000 / 12.3593 = 404.55, whole hours); days to block 404 // 24 = 16.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.costs.models import CostRecord
from apps.inventory.models import MetricPoint, Resource
from apps.providers.plugins.timeweb.plugin import TimewebPlugin
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.timeweb import DEMO_TOKEN, FakeTimeweb

from .sync_helpers import fast_session, run_sync, schema_of

FAKE_SECRETS = ("fake-vnc-secret", "fake-root-secret", "fake-cloud-init-secret", "fake-s3-secret-key", DEMO_TOKEN)
# 10:00 in Moscow on 10 December: the last full Moscow day is 9 December.
NOW = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True


@pytest.fixture
def fake_timeweb():
    with FakeCloudServer(FakeTimeweb()) as server:
        yield server


def _connect(client, url: str) -> int:
    body = {"provider": "timeweb", "name": "Timeweb Cloud", "endpoint": url, "credentials": {"token": DEMO_TOKEN}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert DEMO_TOKEN not in response.content.decode()
    return response.json()["id"]


def _no_secrets(*responses) -> None:
    for response in responses:
        body = response.content.decode()
        for secret in FAKE_SECRETS:
            assert secret not in body


def test_a_timeweb_connection_syncs_with_balance_runway_projects_and_costs(w, token_client, fake_timeweb,
                                                                           time_machine):
    time_machine.move_to(NOW, tick=False)
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, fake_timeweb.url)
    tested = client.post(f"/api/v1/connections/{connection_id}/test/")
    assert tested.status_code == 200, tested.content

    run = run_sync(client, connection_id)
    assert run["status"] == "success", run
    assert run["resources_found"] == 10 and run["resources_created"] == 10
    assert Decimal(run["total_daily_cost"]) == Decimal("301.57")  # shown in kopecks

    connection = client.get(f"/api/v1/connections/{connection_id}/")
    info = connection.json()["account_info"]
    assert Decimal(info["balance"]) == Decimal(5000) and info["currency"] == "RUB"
    assert Decimal(info["monthly_rate"]) == Decimal(9047)
    assert info["daily_rate"] == "296.62"  # 12.359289617... × 24 = 296.6229...
    assert info["days_to_block"] == 16
    assert info["account_id"] == "cp41872"

    runway = {item["connection"]["id"]: item for item in client.get("/api/v1/runway/").json()}[connection_id]
    # No ledger history yet: the provider's daily rate, 5 000 / 296.62 = 16.856 days -> 16.8; 10 + 16 = 26 December.
    assert runway["source"] == "provider_rate"
    assert (runway["balance"], runway["daily_spend"]) == ("5000.00", "296.62")
    assert (runway["days_left"], runway["date"]) == ("16.8", "2026-12-26")

    listed = client.get("/api/v1/resources/?page_size=100")
    _no_secrets(listed, connection)
    by_name = {item["resource_name"]: item for item in listed.json()["results"]}
    web = by_name["web-1"]
    assert (web["resource_type"], web["kind"], web["status"], web["provider_status"]) == (
        "server", "compute", "running", "on")
    assert (web["project_id"], web["tags"]) == ("101", [{"key": "project", "value": "Сайт"}])
    assert web["account_id"] == "cp41872"
    assert Decimal(web["daily_cost"]) == Decimal("60.0000") and Decimal(web["monthly_cost"]) == Decimal("1800.00")
    assert web["specs"]["ip_addresses"] == ["185.226.40.17", "185.226.40.18", "192.168.0.23"]  # 3105521 % 250 + 2
    assert by_name["legacy-worker"]["status"] == "stopped"
    assert by_name["apps-k8s"]["project_id"] == "102"
    assert by_name["orders-db"]["resource_type"] == "postgresql_cluster"
    assert by_name["Почта"]["resource_type"] == "cloud_service"

    with schema_context(schema_of("alpha")):
        # Metrics of the two running servers: CPU, memory, network for the last day, and disk use now.
        metrics = set(MetricPoint.objects.filter(resource__resource_id="3105521").values_list("metric", flat=True))
        assert metrics == {"cpu_percent", "memory_percent", "memory_used_mb", "network_in", "network_out",
                           "disk_used_gb", "disk_used_percent"}
        # Estimates start on the day InfraZen first saw a resource: none before today, and today is not over.
        assert not CostRecord.objects.filter(connection_id=connection_id).exists()
        Resource.objects.filter(connection_id=connection_id).update(first_seen_at=datetime(2026, 12, 1, tzinfo=UTC))

    again = run_sync(client, connection_id)
    assert again["status"] == "success" and again["resources_unchanged"] == 10
    with schema_context(schema_of("alpha")):
        rows = CostRecord.objects.filter(connection_id=connection_id)
        days = sorted(set(rows.values_list("charge_date", flat=True)))
        assert days == [date(2026, 12, n) for n in range(1, 10)]  # 1..9 December: up to the last full Moscow day
        day = rows.filter(charge_date=date(2026, 12, 9))
        assert day.count() == 9  # every priced resource (the floating IP itself has no price of its own)
        assert sum(r.billed_cost for r in day) == Decimal("301.5666")
        assert all(r.extras.get("x_estimated") for r in day)


def test_costs_end_with_the_last_full_day_in_moscow(fake_timeweb):
    # 22:30 UTC on 9 December is 01:30 on 10 December in Moscow: 9 December is complete there.
    plugin = TimewebPlugin(credentials={"token": DEMO_TOKEN}, endpoint=fake_timeweb.url, session=fast_session(),
                           now=lambda: datetime(2026, 12, 9, 22, 30, tzinfo=UTC))
    assert plugin.last_full_day() == date(2026, 12, 9)
    lines = list(plugin.cost_lines(start=date(2026, 12, 8), end=date(2026, 12, 11)))
    assert sorted({line.day for line in lines}) == [date(2026, 12, 8), date(2026, 12, 9)]
    web = [line for line in lines if line.resource_id == "3105521"]
    assert [line.amount for line in web] == [Decimal("60.0000")] * 2  # 1 800 / 30
    assert web[0].extras == {"x_estimated": True, "x_price": "1800.0000", "x_price_period": "monthly"}
    assert sum(line.amount for line in lines if line.day == date(2026, 12, 9)) == Decimal("301.5666")


def test_a_forbidden_listing_makes_the_run_partial_and_keeps_its_resources(w, token_client, fake_timeweb,
                                                                           time_machine):
    time_machine.move_to(NOW, tick=False)
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, fake_timeweb.url)
    assert run_sync(client, connection_id)["status"] == "success"
    fake_timeweb.providers[0].forbidden.add("/api/v1/balancers")
    run = run_sync(client, connection_id)
    assert run["status"] == "partial"
    assert run["resources_deleted"] == 0
    errors = {e["endpoint"]: e for e in run["errors"]}
    assert errors["balancers"]["code"] == "provider_permission"
    names = {i["resource_name"] for i in client.get("/api/v1/resources/?page_size=100").json()["results"]}
    assert "front-lb" in names


def test_a_wrong_token_fails_the_credentials_test_clearly(w, token_client, fake_timeweb):
    client = token_client(w.alice, "alpha")
    body = {"provider": "timeweb", "endpoint": fake_timeweb.url, "credentials": {"token": "not-the-token"}}
    response = client.post("/api/v1/connections/test/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "provider_auth"
    assert "not-the-token" not in response.content.decode()


def test_the_connection_card_shows_timewebs_rates_in_russian(w, token_client, client_for, fake_timeweb,
                                                             time_machine):
    time_machine.move_to(NOW, tick=False)
    connection_id = _connect(token_client(w.alice, "alpha"), fake_timeweb.url)
    assert token_client(w.alice, "alpha").post(f"/api/v1/connections/{connection_id}/test/").status_code == 200
    html = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/connections/").content.decode()
    assert "Все услуги: стоимость часа × 24" in html and "Все услуги: в месяц" in html
    assert 'data-rate="daily_rate"' in html and 'data-rate="monthly_rate"' in html
    assert DEMO_TOKEN not in html
