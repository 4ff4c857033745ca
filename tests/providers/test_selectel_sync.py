"""End to end through the API: a Selectel connection synced by the sync engine against the fake."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.fakecloud import FakeCloudServer
from tests.fakecloud.selectel import DEMO_PROJECT_ID, DEMO_TOKEN, DEMO_USER_PASSWORD, DEMO_USERNAME, FakeSelectel

from .sync_helpers import run_sync


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True


@pytest.fixture
def fake_selectel():
    with FakeCloudServer(FakeSelectel(servers=4, seed=5)) as server:
        yield server


def _connect(client, url: str) -> int:
    body = {"provider": "selectel", "name": "Selectel", "endpoint": url, "credentials": {
        "token": DEMO_TOKEN, "username": DEMO_USERNAME, "password": DEMO_USER_PASSWORD, "project_id": DEMO_PROJECT_ID}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_selectel_connection_syncs_servers_volumes_and_billed_services_with_costs(w, token_client, fake_selectel):
    client = token_client(w.alice, "alpha")
    fake = fake_selectel.providers[0]
    connection_id = _connect(client, fake_selectel.url)
    run = run_sync(client, connection_id)
    assert run["status"] == "success", run
    expected = len(fake.servers) + len(fake.volumes) + 1  # + the managed database seen only in billing
    assert run["resources_found"] == expected and run["resources_created"] == expected
    assert Decimal(run["total_daily_cost"]) == Decimal(fake.daily_kopecks()) / 100
    listed = client.get("/api/v1/resources/?page_size=100").json()
    assert {item["provider"] for item in listed["results"]} == {"selectel"}
    assert {item["resource_type"] for item in listed["results"]} == {"server", "volume", "cloud_service"}
    for response in (client.get("/api/v1/resources/"), client.get(f"/api/v1/connections/{connection_id}/")):
        assert DEMO_TOKEN not in response.content.decode() and DEMO_USER_PASSWORD not in response.content.decode()
    again = run_sync(client, connection_id)
    assert again["status"] == "success" and again["resources_created"] == 0
    assert again["resources_unchanged"] == expected


def test_a_forbidden_volume_region_makes_the_run_partial_and_keeps_the_volumes(w, token_client, fake_selectel):
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, fake_selectel.url)
    assert run_sync(client, connection_id)["status"] == "success"
    fake_selectel.add_fault("/selectel/ru-3/volume/", "forbid", times=None)
    run = run_sync(client, connection_id)
    assert run["status"] == "partial"
    assert run["resources_deleted"] == 0
    assert [e["endpoint"] for e in run["errors"]] == ["volume/volumes"]
