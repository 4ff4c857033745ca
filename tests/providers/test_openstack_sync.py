"""End to end through the API: a generic ``openstack`` connection synced by the sync engine against the fake,
and the plugin's Gnocchi CPU with a frozen clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.providers.plugins.openstack.plugin import OpenStackPlugin, parse_endpoint_overrides
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.openstack import (
    DEMO_APP_CREDENTIAL_ID,
    DEMO_APP_CREDENTIAL_SECRET,
    DEMO_PROJECT_ID,
    DEMO_USER_PASSWORD,
    DEMO_USERNAME,
    FakeOpenStack,
)

from .sync_helpers import fast_session, run_sync

NOW = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True


def _fake(**options) -> FakeOpenStack:
    defaults = {"servers": 4, "seed": 5, "snapshots": 3, "images": 2, "public_images": 2, "floating_ips": 4,
                "load_balancers": 2, "gnocchi": "cpu"}
    return FakeOpenStack(**{**defaults, **options})


def _connect(client, url: str, **credentials) -> int:
    body = {"provider": "openstack", "name": "My OpenStack", "credentials": {
        "auth_url": f"{url}/openstack/identity/v3", "username": DEMO_USERNAME, "password": DEMO_USER_PASSWORD,
        "project_id": DEMO_PROJECT_ID, **credentials}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert DEMO_USER_PASSWORD not in response.content.decode()
    return response.json()["id"]


def _resources(client) -> list[dict]:
    return client.get("/api/v1/resources/?page_size=100").json()["results"]


def test_an_openstack_connection_syncs_every_kind_and_cpu_from_gnocchi(w, token_client):
    with FakeCloudServer(_fake()) as server:
        client = token_client(w.alice, "alpha")
        connection_id = _connect(client, server.url)
        run = run_sync(client, connection_id)
        assert run["status"] == "success", run
        # 4 servers, 4 disks + 1 spare per region (2), 3 snapshots, 2 own images (not the 2 public ones),
        # 4 floating IPs, 2 load balancers
        assert run["resources_found"] == run["resources_created"] == 4 + 6 + 3 + 2 + 4 + 2
        by_type: dict[str, list[dict]] = {}
        for item in _resources(client):
            by_type.setdefault(item["resource_type"], []).append(item)
        assert {t: len(v) for t, v in by_type.items()} == {"server": 4, "volume": 6, "snapshot": 3, "image": 2,
                                                           "floating_ip": 4, "load_balancer": 2}
        assert {item["provider"] for items in by_type.values() for item in items} == {"openstack"}
        assert all(item["resource_name"].startswith("image-") for item in by_type["image"])  # no public "ubuntu-N"
        assert run["metric_points"] > 0  # hourly CPU of the 4 running servers over 14 days
        assert run["total_daily_cost"] in (None, "0", "0.00")  # a generic cloud publishes no prices
        again = run_sync(client, connection_id)
        assert again["status"] == "success" and again["resources_created"] == 0
        assert again["resources_unchanged"] == 21
        assert server.count("/openstack/RegionOne/compute/v2.1/flavors/detail") == 0  # 2.47 embeds flavors


def test_a_service_missing_from_the_catalog_skips_its_kind_says_so_and_keeps_what_was_stored(w, token_client):
    fake = _fake()
    with FakeCloudServer(fake) as server:
        client = token_client(w.alice, "alpha")
        connection_id = _connect(client, server.url)
        assert run_sync(client, connection_id)["status"] == "success"
        fake.omit_services = frozenset({"image", "load-balancer"})  # e.g. the operator removed Glance from it
        run = run_sync(client, connection_id)
        assert run["status"] == "partial", run
        errors = {e["endpoint"]: e for e in run["errors"]}
        assert set(errors) == {"image/images", "load-balancer/loadbalancers"}
        assert "image" in errors["image/images"]["message"]
        assert run["resources_deleted"] == 0  # images and load balancers are kept, not marked deleted
        assert sum(1 for item in _resources(client) if item["resource_type"] in ("image", "load_balancer")) == 4


def test_a_cloud_without_octavia_lists_the_rest(w, token_client):
    with FakeCloudServer(_fake(load_balancers=None, gnocchi="")) as server:
        client = token_client(w.alice, "alpha")
        run = run_sync(client, _connect(client, server.url))
        assert run["status"] == "partial" and [e["endpoint"] for e in run["errors"]] == [
            "load-balancer/loadbalancers"]
        assert run["resources_found"] == 19 and run["metric_points"] == 0  # no Gnocchi: no CPU, no error


def test_tokens_expiring_mid_sync_are_renewed(w, token_client):
    fake = _fake(token_ttl=3)  # a token is good for three API requests
    with FakeCloudServer(fake) as server:
        client = token_client(w.alice, "alpha")
        run = run_sync(client, _connect(client, server.url))
        assert run["status"] == "success", run
        assert server.count("/openstack/identity/v3/auth/tokens") > 2


def test_an_application_credential_connection_syncs(w, token_client):
    with FakeCloudServer(_fake()) as server:
        client = token_client(w.alice, "alpha")
        body = {"provider": "openstack", "name": "App credential", "credentials": {
            "auth_url": f"{server.url}/openstack/identity/v3", "application_credential_id": DEMO_APP_CREDENTIAL_ID,
            "application_credential_secret": DEMO_APP_CREDENTIAL_SECRET}}
        response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
        assert response.status_code == 201, response.content
        assert DEMO_APP_CREDENTIAL_SECRET not in response.content.decode()
        run = run_sync(client, response.json()["id"])
        assert run["status"] == "success" and run["resources_found"] == 21


# --- the plugin alone: Gnocchi with a frozen clock, endpoint overrides ------------------------------------
def _plugin(server, **options) -> OpenStackPlugin:
    credentials = {"auth_url": f"{server.url}/openstack/identity/v3", "username": DEMO_USERNAME,
                   "password": DEMO_USER_PASSWORD, "project_id": DEMO_PROJECT_ID, **options.pop("credentials", {})}
    return OpenStackPlugin(credentials=credentials, session=fast_session(), now=lambda: NOW, **options)


@pytest.mark.parametrize("metric", ["cpu", "cpu_util"])
def test_gnocchi_cpu_of_a_server_hourly_over_14_days(metric):
    fake = _fake(gnocchi=metric, clock=lambda: NOW)
    with FakeCloudServer(fake) as server:
        plugin = _plugin(server)
        servers = {r.resource_name: r for r in plugin._servers()}
        first, second = servers["srv-5-00000"], servers["srv-5-00001"]
        [series] = plugin.metrics(first)
        [other] = plugin.metrics(second)
        assert plugin.metrics(plugin._volumes()[0]) == []  # only servers have CPU
    # The window: 2026-11-17 12:00 (12:30 - 14 days, on the hour) to the last whole hour, 11:00 on 12-01:
    # 14 x 24 = 336 hourly points; the cumulative counter gives one fewer (differences of neighbours).
    hours = [t for t, _ in series.points]
    assert len(hours) == (335 if metric == "cpu" else 336)
    assert hours[-1] == datetime(2026, 12, 1, 11, tzinfo=UTC)
    assert hours[0] == datetime(2026, 11, 17, 13 if metric == "cpu" else 12, tzinfo=UTC)
    assert all(b - a == timedelta(hours=1) for a, b in zip(hours, hours[1:], strict=False))
    # The fake's servers 0 and 1 run at a steady 5 % and 15 % of their vCPUs.
    assert {v for _, v in series.points} == {Decimal("5.00")} and {v for _, v in other.points} == {Decimal("15.00")}
    assert series.metric == "cpu_percent" and series.resource_id == first.resource_id


def test_endpoint_overrides_from_the_credential_replace_the_catalog():
    with FakeCloudServer(_fake()) as server:
        compute_two = f"{server.url}/openstack/RegionTwo/compute/v2.1"
        plugin = _plugin(server, credentials={"endpoint_overrides": f"compute={compute_two}\nbogus=ftp://x",
                                              "region": "RegionTwo"})
        assert plugin.client.endpoint_overrides == {"compute": compute_two}
        assert {r.region for r in plugin._servers()} == {"RegionTwo"} and len(plugin._servers()) == 2
    assert parse_endpoint_overrides('{"image": "https://glance.example/", "x": 1}') == {
        "image": "https://glance.example"}
