from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from apps.inventory.models import MetricPoint, Resource
from apps.providers.models import ProviderConnection, ResourceState, SyncRun
from tests.fakecloud.beget import FakeBeget
from tests.utils import CYRILLIC, api_error

from .sync_helpers import assert_no_secrets, create_connection, run_sync, schema_of, start_sync

VPS_MAIN = "a1f3c2d4-1b2c-4d5e-8f90-000000000001"


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True


@pytest.fixture
def alice(w, token_client):
    return token_client(w.alice, "alpha")


def _fake(server) -> FakeBeget:
    return server.providers[0]


def test_a_beget_connection_synced_through_the_api_reproduces_the_demo_account(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run = run_sync(alice, connection_id)
    assert run["status"] == "success", run
    assert run["phase"] == "done" and run["errors"] == []
    assert run["resources_found"] == 11 and run["resources_created"] == 11
    assert run["endpoints_ok"] == 7 and run["endpoints_failed"] == 0
    assert run["total_monthly_cost"] == "3668.90" and run["total_daily_cost"] == "121.46"

    summary = alice.get("/api/v1/resources/summary/").json()
    assert summary == {"total": 11, "active": 6, "stopped": 0, "daily_cost": "121.46",
                       "monthly_cost": "3668.90", "currency": "RUB"}
    listed = alice.get("/api/v1/resources/")
    assert_no_secrets(listed)
    data = listed.json()
    assert data["count"] == 11  # plan, 6 domains, 2 VPS, MySQL, S3
    vps = next(item for item in data["results"] if item["resource_id"] == VPS_MAIN)
    assert {k: vps[k] for k in ("resource_name", "resource_type", "service_name", "status", "region",
                                "daily_cost", "monthly_cost", "currency", "provider")} == {
        "resource_name": "Objective Perrin", "resource_type": "vps", "service_name": "Compute",
        "status": "running", "region": "ru1", "daily_cost": "22.0000", "monthly_cost": "660.00",
        "currency": "RUB", "provider": "beget"}
    assert vps["connection"] == connection_id and vps["specs"]["cpu_cores"] == 2
    connection = alice.get(f"/api/v1/connections/{connection_id}/").json()
    assert connection["status"] == "ok" and connection["last_sync_at"]
    assert connection["account_info"]["balance"] == "174.51"


def test_the_daily_cost_baseline_keeps_the_original_price_and_period(alice, fake_beget):
    run_sync(alice, create_connection(alice, fake_beget.url))
    with schema_context(schema_of("alpha")):
        runner = Resource.objects.get(resource_id="a1f3c2d4-1b2c-4d5e-8f90-000000000002")
    assert runner.original_price == Decimal("291.9") and runner.original_period == "monthly"
    assert runner.daily_cost == Decimal("9.73") and runner.monthly_cost == Decimal("291.90")


def test_a_second_sync_finds_everything_unchanged_and_duplicates_nothing(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    second = run_sync(alice, connection_id)
    assert second["status"] == "success"
    assert (second["resources_unchanged"], second["resources_created"], second["resources_updated"],
            second["resources_deleted"]) == (11, 0, 0, 0)
    with schema_context(schema_of("alpha")):
        assert Resource.objects.count() == 11
        assert MetricPoint.objects.count() == 2 * 2 * 24  # two VPS, cpu + memory, 24 hourly points
        states = ResourceState.objects.filter(sync_run_id=second["id"])
        assert states.count() == 11 and set(states.values_list("state", flat=True)) == {"unchanged"}


def test_a_vps_removed_at_the_provider_is_marked_deleted_with_its_history(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    _fake(fake_beget).vps = [v for v in _fake(fake_beget).vps if v["id"] != VPS_MAIN]
    run = run_sync(alice, connection_id)
    assert run["status"] == "success" and run["resources_deleted"] == 1 and run["resources_unchanged"] == 10
    assert alice.get("/api/v1/resources/summary/").json()["monthly_cost"] == "3008.90"
    listed = alice.get("/api/v1/resources/").json()["results"]
    assert len(listed) == 10 and all(r["resource_id"] != VPS_MAIN for r in listed)
    with_deleted = alice.get("/api/v1/resources/?deleted=1").json()["results"]
    gone = next(r for r in with_deleted if r["resource_id"] == VPS_MAIN)
    assert gone["is_deleted"] is True
    detail = alice.get(f"/api/v1/resources/{gone['id']}/").json()
    assert [h["state"] for h in detail["history"]] == ["deleted", "created"]
    assert detail["history"][0]["status_changed"] is True


def test_a_price_change_is_an_update_with_the_cost_flag(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    _fake(fake_beget).vps[1]["configuration"]["price_month"] = "330"  # now a string, as Beget sometimes sends
    _fake(fake_beget).vps[1]["configuration"]["price_day"] = "11"
    run = run_sync(alice, connection_id)
    assert run["resources_updated"] == 1 and run["resources_unchanged"] == 10
    with schema_context(schema_of("alpha")):
        state = ResourceState.objects.get(sync_run_id=run["id"], state="updated")
    assert state.cost_changed and not state.status_changed and not state.config_changed
    assert state.previous_monthly_cost == Decimal("291.90") and state.current_monthly_cost == Decimal("330.00")


def test_a_forbidden_endpoint_makes_the_run_partial_and_keeps_its_resources(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    fake_beget.add_fault("/v1/vps/server/list", kind="forbid", times=None)
    run = run_sync(alice, connection_id)
    assert run["status"] == "partial"
    assert run["endpoints_ok"] == 6 and run["endpoints_failed"] == 1
    assert run["errors"][0]["endpoint"] == "v1/vps/server/list"
    assert run["errors"][0]["code"] == "provider_permission" and run["errors"][0]["message"]
    assert run["resources_deleted"] == 0
    summary = alice.get("/api/v1/resources/summary/").json()
    assert summary["total"] == 11 and summary["monthly_cost"] == "3668.90"


def test_a_forbidden_legacy_method_does_not_stop_the_others(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    fake_beget.add_fault("/api/domain/getList", kind="forbid", times=None)
    run = run_sync(alice, connection_id)
    assert run["status"] == "partial" and run["resources_created"] == 5  # all but the 6 domains
    # (The account info counts no mailbox, so the mailbox endpoint needs no domain list here.)
    assert [e["endpoint"] for e in run["errors"]] == ["domain/getList"]


@pytest.mark.parametrize("fault", [{"kind": "malformed"}, {"kind": "status", "status": 500}],
                         ids=["malformed-json", "server-error"])
def test_when_every_endpoint_fails_the_run_errors_and_the_last_inventory_stays(alice, fake_beget, fault):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    fake_beget.add_fault("/", times=None, **fault)
    run = run_sync(alice, connection_id)
    assert run["status"] == "error"
    assert run["endpoints_ok"] == 0 and run["endpoints_failed"] == 7
    assert run["error_message"] and all(e["code"] for e in run["errors"])
    assert alice.get("/api/v1/resources/summary/").json()["monthly_cost"] == "3668.90"
    with schema_context(schema_of("alpha")):
        assert ResourceState.objects.filter(sync_run_id=run["id"]).count() == 0
        assert not Resource.objects.filter(is_deleted=True).exists()
    connection = alice.get(f"/api/v1/connections/{connection_id}/").json()
    assert connection["status"] == "error" and connection["last_error_code"]


def test_rejected_credentials_end_the_run_in_error_with_a_clear_code(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url, password="wrong-password-1")
    run = run_sync(alice, connection_id)
    assert run["status"] == "error"
    assert run["errors"][0]["code"] == "provider_auth"
    connection = alice.get(f"/api/v1/connections/{connection_id}/").json()
    assert connection["last_error_code"] == "provider_auth"
    assert "wrong-password-1" not in json.dumps(run) + json.dumps(connection)
    assert alice.get("/api/v1/resources/summary/").json()["total"] == 0


def test_a_second_sync_is_refused_while_one_is_queued(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    start_sync(alice, connection_id)
    response = alice.post(f"/api/v1/connections/{connection_id}/sync/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "sync_already_running"


def test_the_database_refuses_two_active_runs_of_one_connection(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    with schema_context(schema_of("alpha")):
        SyncRun.objects.create(connection_id=connection_id, status="running")
        with pytest.raises(IntegrityError), transaction.atomic():
            SyncRun.objects.create(connection_id=connection_id, status="queued")
        SyncRun.objects.create(connection_id=connection_id, status="success")


def test_a_run_delivered_twice_executes_once(alice, fake_beget):
    from apps.providers.sync import sync_run_execute

    connection_id = create_connection(alice, fake_beget.url)
    run = run_sync(alice, connection_id)
    with schema_context(schema_of("alpha")):
        assert sync_run_execute(sync_run_id=run["id"]) is None
        assert ResourceState.objects.filter(sync_run_id=run["id"]).count() == 11


def test_viewer_cannot_start_a_sync_but_can_read_runs_and_resources(w, alice, token_client, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run = run_sync(alice, connection_id)
    vera = token_client(w.vera, "alpha")
    assert vera.post(f"/api/v1/connections/{connection_id}/sync/").status_code == 403
    assert vera.get("/api/v1/sync/runs/").json()["count"] == 1
    assert vera.get(f"/api/v1/sync/runs/{run['id']}/").status_code == 200
    assert vera.get("/api/v1/resources/").json()["count"] == 11


def test_another_organization_sees_none_of_the_runs_or_resources(w, alice, token_client, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run = run_sync(alice, connection_id)
    resource_id = alice.get("/api/v1/resources/").json()["results"][0]["id"]
    bob = token_client(w.bob, "beta")
    assert bob.get(f"/api/v1/sync/runs/{run['id']}/").status_code == 404
    assert bob.get(f"/api/v1/resources/{resource_id}/").status_code == 404
    assert bob.get("/api/v1/resources/").json()["count"] == 0
    assert bob.get("/api/v1/sync/runs/").json()["count"] == 0
    assert token_client(w.bob, "alpha").get("/api/v1/sync/runs/").status_code == 403


def test_runs_list_filters_by_connection(alice, fake_beget):
    first = create_connection(alice, fake_beget.url, name="First")
    second = create_connection(alice, fake_beget.url, name="Second")
    run_sync(alice, first)
    run_sync(alice, second)
    assert alice.get("/api/v1/sync/runs/").json()["count"] == 2
    only = alice.get(f"/api/v1/sync/runs/?connection={first}").json()
    assert only["count"] == 1 and only["results"][0]["connection"] == first


def test_runs_list_filters_by_status_and_trigger_and_refuses_unknown_values(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    fake_beget.add_fault("/api/domain/getList", kind="forbid", times=None)
    partial = run_sync(alice, connection_id)
    runs = alice.get("/api/v1/sync/runs/", {"status": "partial"}).json()
    assert [r["id"] for r in runs["results"]] == [partial["id"]]
    assert alice.get("/api/v1/sync/runs/", {"trigger": "api", "connection": connection_id}).json()["count"] == 2
    assert alice.get("/api/v1/sync/runs/", {"trigger": "scheduled"}).json()["count"] == 0
    for query in ({"status": "finished"}, {"connection": "abc"}):
        error = api_error(alice.get("/api/v1/sync/runs/", query), 400, "invalid")
        assert set(error["details"]) == set(query) and CYRILLIC.search(error["message"])


def test_metrics_are_stored_with_a_summary_and_a_tier(alice, fake_beget):
    run_sync(alice, create_connection(alice, fake_beget.url))
    vps = next(r for r in alice.get("/api/v1/resources/?resource_type=vps").json()["results"]
               if r["resource_id"] == VPS_MAIN)
    data = alice.get(f"/api/v1/resources/{vps['id']}/metrics/").json()
    assert data["resource"] == vps["id"]
    assert [m["metric"] for m in data["metrics"]] == ["cpu_percent", "memory_mb"]  # each series once
    cpu = next(m for m in data["metrics"] if m["metric"] == "cpu_percent")
    assert len(cpu["points"]) == 24 and isinstance(cpu["points"][0][1], str)
    values = [Decimal(v) for _ts, v in cpu["points"]]
    assert Decimal(cpu["summary"]["max"]) == max(values) and Decimal(cpu["summary"]["min"]) == min(values)
    assert cpu["summary"]["tier"] == "low"  # the fake's CPU stays between 2 and 35 %
    detail = alice.get(f"/api/v1/resources/{vps['id']}/").json()
    assert {s["metric"] for s in detail["metric_summaries"]} == {"cpu_percent", "memory_mb"}


def test_deleting_a_connection_removes_its_inventory(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    assert alice.delete(f"/api/v1/connections/{connection_id}/").status_code == 204
    with schema_context(schema_of("alpha")):
        assert not ProviderConnection.objects.filter(pk=connection_id).exists()
        assert Resource.objects.count() == 0 and SyncRun.objects.count() == 0


def test_mailboxes_are_inventoried_and_kept_while_their_endpoint_fails(alice):
    from tests.fakecloud import FakeCloudServer
    from tests.fakecloud.beget import DEMO_LOGIN, DEMO_PASSWORD, Account

    account = Account(DEMO_LOGIN, DEMO_PASSWORD, DEMO_PASSWORD,
                      mailboxes={"infrazen-demo.ru": ["info", "billing"]})
    with FakeCloudServer(FakeBeget(accounts=[account])) as server:
        connection_id = create_connection(alice, server.url)
        run = run_sync(alice, connection_id)
        assert run["status"] == "success" and run["resources_created"] == 13
        listed = alice.get("/api/v1/resources/", {"resource_type": "mailbox"}).json()["results"]
        assert sorted(r["resource_name"] for r in listed) == ["billing@infrazen-demo.ru", "info@infrazen-demo.ru"]
        assert alice.get("/api/v1/resources/summary/").json()["monthly_cost"] == "3668.90"  # mail is in the plan

        server.add_fault("/api/mail/getMailboxList", kind="forbid", times=None)
        account.mailboxes = {"infrazen-demo.ru": ["info"]}
        run = run_sync(alice, connection_id)
        assert run["status"] == "partial" and run["resources_deleted"] == 0  # unknown is not gone

        server.clear()
        run = run_sync(alice, connection_id)
        assert run["status"] == "success" and run["resources_deleted"] == 1
        listed = alice.get("/api/v1/resources/", {"resource_type": "mailbox"}).json()["results"]
        assert [r["resource_name"] for r in listed] == ["info@infrazen-demo.ru"]  # deleted ones are hidden
