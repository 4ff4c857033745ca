"""Native cost pulls: a sync's "costs" stage writes the provider's daily costs to the FOCUS ledger.

Every provider is driven over real HTTP: Beget and Selectel against their fakes, AWS through the
fault-injecting front to a moto server; the sync runs through the API as a client would start it.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.costs.models import CostDaily, CostRecord
from apps.costs.services.provider_costs import focus_service_category, provider_costs_import, provider_costs_window
from apps.inventory.models import Resource
from apps.providers import registry
from apps.providers.models import ProviderConnection
from apps.providers.plugins.base import BillingExportSource, Capability, CostLine, CostSource
from apps.providers.sync import sync_run_execute
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.aws import (
    ACCOUNT_ID,
    TEST_KEY_ID,
    TEST_SECRET,
    AwsFakeServer,
    cost_results,
    queue_cost_results,
    reset_moto,
    seed_account,
    start_moto,
)
from tests.fakecloud.beget import FakeBeget
from tests.fakecloud.selectel import DEMO_PROJECT_ID, DEMO_TOKEN, DEMO_USER_PASSWORD, DEMO_USERNAME, FakeSelectel
from tests.providers.sync_helpers import create_connection, run_sync, schema_of

VPS_MAIN = "a1f3c2d4-1b2c-4d5e-8f90-000000000001"
DEMO_DAILY = Decimal("121.46")


@pytest.fixture(autouse=True)
def _noon(time_machine):
    """The sync dates its rows by the clock and the tests count days back from it: hold it at noon UTC."""
    time_machine.move_to(datetime(2030, 6, 14, 12, 0, tzinfo=UTC), tick=True)


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    settings.CURRENCY_FETCH_MISSING = False
    settings.PROVIDER_COST_DAYS = 35


@pytest.fixture
def alice(w, token_client):
    return token_client(w.alice, "alpha")


@pytest.fixture
def fake_beget():
    with FakeCloudServer(FakeBeget()) as server:
        yield server


@pytest.fixture
def fake_selectel():
    with FakeCloudServer(FakeSelectel(servers=3, seed=11)) as server:
        yield server


@pytest.fixture(scope="module")
def moto_url():
    server, url = start_moto()
    yield url
    server.stop()


@pytest.fixture
def aws_front(moto_url):
    reset_moto(moto_url)
    seed_account(moto_url, seed=5, instances=1, regions=("eu-central-1",))
    server = AwsFakeServer(moto_url)
    server.start()
    yield server
    server.stop()


def today() -> date:
    return timezone.now().astimezone(UTC).date()


def ledger(connection_id: int):
    return CostRecord.objects.filter(source_key=f"provider:{connection_id}")


def day_totals(connection_id: int) -> dict[date, Decimal]:
    rows = ledger(connection_id).values("charge_date").annotate(total=Sum("billed_cost"))
    return {row["charge_date"]: row["total"] for row in rows}


def backdate_first_seen(connection_id: int, days: int) -> None:
    Resource.objects.filter(connection_id=connection_id).update(first_seen_at=timezone.now() - timedelta(days=days))


# --- Beget: estimates from prices -----------------------------------------------------------------
def test_a_beget_sync_writes_todays_estimated_costs_equal_to_the_inventory_daily_total(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run = run_sync(alice, connection_id)
    assert run["status"] == "success", run
    assert run["errors"] == [] and run["phase"] == "done"
    with schema_context(schema_of("alpha")):
        # First seen today: nothing is invented for the 34 earlier days of the window.
        assert day_totals(connection_id) == {today(): DEMO_DAILY}
        assert Decimal(run["total_daily_cost"]) == DEMO_DAILY
        assert run["cost_records"] == ledger(connection_id).count() > 0
        account_id = ProviderConnection.objects.get(pk=connection_id).account_info["account_id"]
        vps = ledger(connection_id).select_related("inventory_resource").get(resource_id=VPS_MAIN)
        assert vps.inventory_resource is not None and vps.inventory_resource.resource_id == VPS_MAIN
        assert (vps.billed_cost, vps.effective_cost, vps.list_cost, vps.contracted_cost) == (Decimal(22),) * 4
        assert vps.billing_currency == "RUB" and vps.provider_name == "Beget"
        assert vps.publisher_name == vps.invoice_issuer_name == "Beget"
        assert vps.billing_account_id == account_id and account_id
        assert vps.charge_period_start == datetime.combine(today(), datetime.min.time(), tzinfo=UTC)
        assert vps.charge_period_end - vps.charge_period_start == timedelta(days=1)
        assert vps.billing_period_start.day == 1 and vps.charge_date == today()
        assert (vps.charge_category, vps.charge_frequency) == ("Usage", "Usage-Based")
        assert (vps.service_name, vps.service_category) == ("Compute", "Compute")
        assert vps.resource_type == "vps" and vps.resource_name == "Objective Perrin" and vps.region_id == "ru1"
        assert vps.extras["x_estimated"] is True and vps.extras["x_price_period"] == "monthly"
        assert all(r.extras.get("x_estimated") for r in ledger(connection_id))
        assert not ledger(connection_id).filter(inventory_resource__isnull=True).exists()
        assert CostDaily.objects.filter(connection_id=connection_id, charge_date=today()).aggregate(
            total=Sum("billed_cost"))["total"] == DEMO_DAILY


def test_a_beget_resync_replaces_the_estimates_and_never_duplicates_them(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    with schema_context(schema_of("alpha")):
        first_count = ledger(connection_id).count()
    again = run_sync(alice, connection_id)
    assert again["status"] == "success" and again["cost_records"] == first_count
    with schema_context(schema_of("alpha")):
        assert ledger(connection_id).count() == first_count
        assert day_totals(connection_id) == {today(): DEMO_DAILY}


def test_beget_estimates_cover_each_day_since_the_resource_was_first_seen(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    with schema_context(schema_of("alpha")):
        backdate_first_seen(connection_id, 3)
    run_sync(alice, connection_id)
    with schema_context(schema_of("alpha")):
        assert day_totals(connection_id) == {today() - timedelta(days=n): DEMO_DAILY for n in range(4)}


def test_a_deleted_beget_vps_keeps_its_earlier_estimates_and_gets_no_new_ones(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    with schema_context(schema_of("alpha")):
        backdate_first_seen(connection_id, 2)
    run_sync(alice, connection_id)
    fake_beget.providers[0].vps = [v for v in fake_beget.providers[0].vps if v["id"] != VPS_MAIN]
    with schema_context(schema_of("alpha")):
        # The VPS disappears two days later: its rows up to then stay, the others are renewed.
        ledger(connection_id).filter(resource_id=VPS_MAIN, charge_date=today()).delete()
    run = run_sync(alice, connection_id)
    assert run["status"] == "success" and run["resources_deleted"] == 1
    with schema_context(schema_of("alpha")):
        kept = ledger(connection_id).filter(resource_id=VPS_MAIN)
        assert sorted(kept.values_list("charge_date", flat=True)) == [today() - timedelta(days=2),
                                                                       today() - timedelta(days=1)]
        assert day_totals(connection_id)[today()] == DEMO_DAILY - 22


def test_a_failed_beget_endpoint_keeps_the_earlier_estimates_of_its_resources(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    fake_beget.add_fault("/v1/vps/server/list", kind="forbid", times=None)
    run = run_sync(alice, connection_id)
    assert run["status"] == "partial"
    assert [e["endpoint"] for e in run["errors"]] == ["v1/vps/server/list"]
    with schema_context(schema_of("alpha")):
        assert day_totals(connection_id) == {today(): DEMO_DAILY}


def test_the_cost_summary_api_shows_the_synced_beget_costs_by_service(alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    day = today().isoformat()
    response = alice.get(f"/api/v1/costs/summary/?start={day}&end={day}&group_by=service&metric=billed")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["currency"] == "RUB" and Decimal(data["total"]) == DEMO_DAILY
    groups = {g["key"]: Decimal(g["total"]) for g in data["groups"]}
    assert groups["Compute"] == Decimal("31.73")  # 660 / 30 + 291.90 / 30
    assert sum(groups.values()) == DEMO_DAILY
    by_connection = alice.get(f"/api/v1/costs/summary/?start={day}&end={day}&group_by=connection").json()
    assert [g["key"] for g in by_connection["groups"]] == [str(connection_id)]


def test_a_sync_without_a_cost_window_writes_no_costs(alice, fake_beget, settings):
    settings.PROVIDER_COST_DAYS = 0
    connection_id = create_connection(alice, fake_beget.url)
    run = run_sync(alice, connection_id)
    assert run["status"] == "success" and run["cost_records"] == 0
    with schema_context(schema_of("alpha")):
        assert not ledger(connection_id).exists()


# --- Selectel: billed consumption -----------------------------------------------------------------
def _selectel_connection(client, url: str) -> int:
    body = {"provider": "selectel", "name": "Selectel", "endpoint": url, "credentials": {
        "token": DEMO_TOKEN, "username": DEMO_USERNAME, "password": DEMO_USER_PASSWORD,
        "project_id": DEMO_PROJECT_ID}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_selectel_sync_writes_rouble_rows_for_every_day_of_the_window(alice, fake_selectel):
    connection_id = _selectel_connection(alice, fake_selectel.url)
    run = run_sync(alice, connection_id)
    assert run["status"] == "success", run
    fake = fake_selectel.providers[0]
    start, end = provider_costs_window(days=35, today=today())
    daily = Decimal(fake.daily_kopecks()) / 100
    with schema_context(schema_of("alpha")):
        assert day_totals(connection_id) == {start + timedelta(days=n): daily for n in range((end - start).days)}
        rows = ledger(connection_id)
        assert set(rows.values_list("billing_currency", flat=True)) == {"RUB"}
        assert set(rows.values_list("provider_name", flat=True)) == {"Selectel"}
        assert set(rows.values_list("service_category", flat=True)) == {"Compute", "Storage", "Databases"}
        servers = rows.filter(resource_type="server")
        assert servers.exists() and not servers.filter(inventory_resource__isnull=True).exists()
        assert not rows.filter(extras__has_key="x_estimated").exists()
        count = rows.count()
    run_sync(alice, connection_id)
    with schema_context(schema_of("alpha")):
        assert ledger(connection_id).count() == count


# --- AWS: Cost Explorer ---------------------------------------------------------------------------
def _aws_connection(client, url: str) -> int:
    body = {"provider": "aws", "name": "AWS prod", "endpoint": url, "credentials": {
        "access_key_id": TEST_KEY_ID, "secret_access_key": TEST_SECRET, "regions": "eu-central-1"}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _aws_sync(client, connection_id: int) -> dict:
    response = client.post(f"/api/v1/connections/{connection_id}/sync/")
    assert response.status_code == 202, response.content
    with schema_context(schema_of("alpha")):
        sync_run_execute(sync_run_id=response.json()["id"], plugin_options={"max_attempts": 1, "read_timeout": 5})
    run = client.get(f"/api/v1/sync/runs/{response.json()['id']}/")
    assert TEST_SECRET not in run.content.decode()
    return run.json()


def test_an_aws_sync_writes_usd_rows_per_service_from_cost_explorer(alice, aws_front, moto_url):
    start, _end = provider_costs_window(days=35, today=today())
    answer = cost_results(start=start, days=34, seed=8)  # Cost Explorer stops before today
    queue_cost_results(moto_url, answer)
    connection_id = _aws_connection(alice, aws_front.url)
    run = _aws_sync(alice, connection_id)
    assert run["status"] == "success", run
    assert aws_front.count("/ce/GetCostAndUsage") == 1
    expected = sum(Decimal(g["Metrics"]["UnblendedCost"]["Amount"]) for r in answer["ResultsByTime"]
                   for g in r["Groups"])
    with schema_context(schema_of("alpha")):
        rows = ledger(connection_id)
        assert rows.aggregate(total=Sum("billed_cost"))["total"] == expected
        assert set(rows.values_list("billing_currency", flat=True)) == {"USD"}
        assert set(rows.values_list("billing_account_id", flat=True)) == {ACCOUNT_ID}
        assert set(rows.values_list("resource_id", flat=True)) == {""}  # account-level charges
        assert rows.get(charge_date=start, service_name="Amazon Simple Storage Service").service_category == "Storage"
        assert rows.filter(charge_date=start).count() == len(answer["ResultsByTime"][0]["Groups"])
        assert max(rows.values_list("charge_date", flat=True)) == today() - timedelta(days=1)


def test_a_failing_cost_stage_keeps_the_previous_ledger_and_makes_the_run_partial(alice, aws_front, moto_url):
    start, _end = provider_costs_window(days=35, today=today())
    queue_cost_results(moto_url, cost_results(start=start, days=34, seed=9))
    connection_id = _aws_connection(alice, aws_front.url)
    assert _aws_sync(alice, connection_id)["status"] == "success"
    with schema_context(schema_of("alpha")):
        before = sorted(ledger(connection_id).values_list("charge_date", "service_name", "billed_cost"))
        rollup = CostDaily.objects.filter(connection_id=connection_id).aggregate(total=Sum("billed_cost"))
    aws_front.add_fault("/ce/GetCostAndUsage", status=403, times=None)
    run = _aws_sync(alice, connection_id)
    assert run["status"] == "partial" and run["resources_found"] > 0
    [error] = run["errors"]
    assert (error["endpoint"], error["code"]) == ("costs", "provider_permission")
    assert error["message"] and TEST_SECRET not in error["message"]
    with schema_context(schema_of("alpha")):
        assert sorted(ledger(connection_id).values_list("charge_date", "service_name", "billed_cost")) == before
        assert CostDaily.objects.filter(connection_id=connection_id).aggregate(total=Sum("billed_cost")) == rollup


def test_an_unreadable_cost_answer_is_a_costs_error_that_changes_nothing(alice, aws_front, moto_url):
    start, _end = provider_costs_window(days=35, today=today())
    queue_cost_results(moto_url, cost_results(start=start, days=34, seed=10))
    connection_id = _aws_connection(alice, aws_front.url)
    _aws_sync(alice, connection_id)
    with schema_context(schema_of("alpha")):
        count = ledger(connection_id).count()
    aws_front.add_fault("/ce/GetCostAndUsage", kind="malformed", times=None)
    run = _aws_sync(alice, connection_id)
    assert run["status"] == "partial"
    assert [(e["endpoint"], e["code"]) for e in run["errors"]] == [("costs", "provider_bad_response")]
    with schema_context(schema_of("alpha")):
        assert ledger(connection_id).count() == count > 0


# --- the protocol and the mapping -----------------------------------------------------------------
def test_providers_with_a_cost_api_declare_it_and_implement_cost_lines():
    for key in ("aws", "selectel", "beget"):
        spec = registry.get_spec(key)
        assert Capability.COSTS in spec.capabilities
        assert isinstance(registry.build_plugin(key, credentials={}, endpoint="http://127.0.0.1:9"), CostSource)
    # Yandex Cloud's costs come from its billing export files (BillingExportSource) when a bucket is set, else
    # from its usage reports (cost lines).
    assert Capability.COSTS in registry.get_spec("yandex").capabilities
    yandex = registry.build_plugin("yandex", credentials={}, endpoint="http://127.0.0.1:9")
    assert isinstance(yandex, BillingExportSource) and isinstance(yandex, CostSource)


@pytest.mark.parametrize(("names", "provider", "category"), [
    (("Amazon Elastic Compute Cloud - Compute",), "aws", "Compute"),
    (("EC2 - Other",), "aws", "Compute"),
    (("Amazon Simple Storage Service",), "aws", "Storage"),
    (("Amazon Relational Database Service",), "aws", "Databases"),
    (("Amazon Route 53",), "aws", "Networking"),
    (("Amazon ElastiCache",), "aws", "Databases"),
    (("EC2 - Other",), "beget", "Other"),  # AWS's own words mean nothing for another provider
    (("Managed Kubernetes", "mks"), "selectel", "Compute"),
    (("Database", "hosting_mysql"), "beget", "Databases"),
    (("Network", "domain"), "beget", "Networking"),
    (("Hosting", "hosting_plan"), "beget", "Compute"),
    (("", "s3"), "beget", "Storage"),
    (("Tax",), "aws", "Other"),
])
def test_service_names_map_to_focus_service_categories(names, provider, category):
    words = registry.get_spec(provider).service_categories
    assert focus_service_category(*names, provider_words=words) == category


@pytest.mark.parametrize(("kind", "category"), [
    ("compute", "Compute"), ("volume", "Storage"), ("bucket", "Storage"), ("database", "Databases"),
    ("ip_address", "Networking"), ("load_balancer", "Networking"), ("domain", "Networking"),
    ("hosting_plan", "Compute"), ("kubernetes", "Compute"),
])
def test_the_resource_kind_decides_the_category_before_any_name(kind, category):
    assert focus_service_category("Tax", "unknown_type", kind=kind) == category


def test_lines_outside_the_window_are_ignored_and_tags_come_from_the_inventory(w, alice, fake_beget):
    connection_id = create_connection(alice, fake_beget.url)
    run_sync(alice, connection_id)
    with schema_context(schema_of("alpha")):
        connection = ProviderConnection.objects.get(pk=connection_id)
        resource = Resource.objects.get(connection=connection, resource_id=VPS_MAIN)
        resource.tags.create(key="team", value="web")
        day = date(2025, 1, 15)
        lines = [CostLine(provider="beget", resource_id=VPS_MAIN, day=day, amount=Decimal("1.5")),
                 CostLine(provider="beget", resource_id=VPS_MAIN, day=day + timedelta(days=1), amount=Decimal(7))]
        written = provider_costs_import(connection=connection, start=day, end=day + timedelta(days=1), lines=lines)
        assert written == 1
        row = ledger(connection_id).get(charge_date=day)
        assert row.billed_cost == Decimal("1.5") and row.tags == {"team": "web"}
        assert row.inventory_resource_id == resource.pk and row.resource_type == "vps"
        assert CostDaily.objects.get(charge_date=day).billed_cost == Decimal("1.5")


# --- the bill wins over the API ---------------------------------------------------------------------
FOCUS_ONE_DAY = (
    "BilledCost,EffectiveCost,ListCost,ContractedCost,BillingCurrency,BillingAccountId,BillingPeriodStart,"
    "BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,PublisherName,"
    "InvoiceIssuerName,ServiceName,ServiceCategory,ResourceId\n"
    "40.00,40.00,40.00,40.00,RUB,acc-1,2030-06-01T00:00:00Z,2030-07-01T00:00:00Z,{day}T00:00:00Z,{next}T00:00:00Z,"
    "Usage,Selectel,Selectel,Selectel,Cloud servers,Compute,srv-1\n")


def _bill(tmp_path, connection, day: date):
    from apps.costs.services.imports import focus_file_import

    path = tmp_path / f"bill-{day}.csv"
    path.write_text(FOCUS_ONE_DAY.format(day=day, next=day + timedelta(days=1)), encoding="utf-8")
    billing_import = focus_file_import(path=str(path), connection=connection)
    assert billing_import.status == "success", (billing_import.error, billing_import.report)
    return billing_import


def test_a_billing_file_of_the_connection_replaces_its_api_lines_for_its_days_and_never_counts_twice(w, tmp_path):
    """Usage-report lines (not estimates) for three days; a bill attached to the connection for the middle day:
    the import deletes that day's API line and the next pull writes none for it. Hand count: 3 x 10 ₽ from the API,
    then 10 + 40 + 10."""
    d1, d2, d3 = date(2030, 6, 10), date(2030, 6, 11), date(2030, 6, 12)
    with schema_context(schema_of("alpha")):
        connection = ProviderConnection.objects.create(provider="selectel", name="Selectel")
        lines = [CostLine(provider="selectel", resource_id="srv-1", day=d, amount=Decimal("10"),
                          service_name="Cloud servers") for d in (d1, d2, d3)]
        provider_costs_import(connection=connection, start=d1, end=d3 + timedelta(days=1), lines=lines)
        assert day_totals(connection.pk) == {d1: Decimal("10"), d2: Decimal("10"), d3: Decimal("10")}
        billing_import = _bill(tmp_path, connection, d2)
        assert billing_import.rows_replaced == 1  # the API's line of that day
        all_rows = CostRecord.objects.filter(connection=connection).values("charge_date").annotate(t=Sum("billed_cost"))
        assert {r["charge_date"]: r["t"] for r in all_rows} == {d1: Decimal("10"), d2: Decimal("40"), d3: Decimal("10")}
        provider_costs_import(connection=connection, start=d1, end=d3 + timedelta(days=1), lines=lines)  # next pull
        assert day_totals(connection.pk) == {d1: Decimal("10"), d3: Decimal("10")}
        total = CostRecord.objects.filter(connection=connection).aggregate(t=Sum("billed_cost"))["t"]
        assert total == Decimal("60")
