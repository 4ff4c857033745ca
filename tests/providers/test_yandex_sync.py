"""End to end through the API: a Yandex Cloud connection synced by the sync engine against the fake."""

from __future__ import annotations

import json

import pytest

from apps.providers.plugins.yandex import client as yc
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.yandex import DEMO_OAUTH_TOKEN, FakeYandex

from .sync_helpers import run_sync

EXPECTED = {"cloud": 1, "folder": 2, "vm": 4, "disk": 6, "snapshot": 1, "ip_address": 2}


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    yc.TOKEN_CACHE.clear()


@pytest.fixture
def fake_yandex():
    with FakeCloudServer(FakeYandex()) as server:
        yield server


def _connect(client, url: str) -> int:
    body = {"provider": "yandex", "name": "Yandex Cloud", "endpoint": url,
            "credentials": {"oauth_token": DEMO_OAUTH_TOKEN}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_yandex_connection_syncs_its_inventory_and_cpu_metrics_and_resyncs_without_changes(
        w, token_client, fake_yandex):
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, fake_yandex.url)
    run = run_sync(client, connection_id)
    assert run["status"] == "success", run
    assert run["resources_found"] == run["resources_created"] == sum(EXPECTED.values())
    listed = client.get("/api/v1/resources/?provider=yandex&page_size=100").json()
    counts: dict[str, int] = {}
    for item in listed["results"]:
        counts[item["resource_type"]] = counts.get(item["resource_type"], 0) + 1
    assert counts == EXPECTED
    web = next(item for item in listed["results"] if item["resource_name"] == "web-1")
    assert web["status"] == "running" and web["region"] == "ru-central1-a" and web["daily_cost"] is None
    metrics = client.get(f"/api/v1/resources/{web['id']}/metrics/").json()
    cpu = next(m for m in metrics["metrics"] if m["metric"] == "cpu_percent")
    assert len(cpu["points"]) == 168 and cpu["summary"]["tier"] in {"low", "medium", "high"}
    for url in ("/api/v1/resources/?page_size=100", f"/api/v1/connections/{connection_id}/"):
        response = client.get(url)
        assert DEMO_OAUTH_TOKEN not in response.content.decode()
    again = run_sync(client, connection_id)
    assert again["status"] == "success" and again["resources_created"] == 0
    assert again["resources_unchanged"] == sum(EXPECTED.values())


def test_a_forbidden_disk_list_makes_the_run_partial_and_keeps_the_disks(w, token_client, fake_yandex):
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, fake_yandex.url)
    assert run_sync(client, connection_id)["status"] == "success"
    fake_yandex.add_fault("/compute/v1/disks", "forbid", times=None)
    run = run_sync(client, connection_id)
    assert run["status"] == "partial"
    assert run["resources_deleted"] == 0
    assert [e["endpoint"] for e in run["errors"]] == ["compute/v1/disks"]
    disks = client.get("/api/v1/resources/?provider=yandex&resource_type=disk&page_size=100").json()
    assert disks["count"] == EXPECTED["disk"]
