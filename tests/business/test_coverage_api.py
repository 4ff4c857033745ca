"""``GET /api/v1/allocation/coverage/`` and ``/api/v1/allocation/unallocated/``: shares and roubles computed by hand
from the estate of ``conftest.py`` (total 420 ₽ over 1-2 May 2025, five resources)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger

from .conftest import D1, D2, named

pytestmark = pytest.mark.django_db

COVERAGE = "/api/v1/allocation/coverage/"
UNALLOCATED = "/api/v1/allocation/unallocated/"
PERIOD = {"start": "2025-05-01", "end": "2025-05-02"}


def test_coverage_answers_the_documented_shape_with_hand_computed_shares(estate, client_for):
    body = client_for(estate.alice, "alpha").get(COVERAGE, PERIOD).json()
    assert set(body) == {"start", "end", "currency", "overall", "dimensions"}
    assert (body["start"], body["end"], body["currency"]) == ("2025-05-01", "2025-05-02", "RUB")
    # allocated overall (business unit and environment): shop 260 + the split network 90 = 350 of 420;
    # resources: shop-prod-web, shop-dev-web, shared-net = 3 of 5
    assert body["overall"] == {"cost_share": "0.8333", "resource_share": "0.6000"}
    dims = {d["key"]: d for d in body["dimensions"]}
    assert all(set(d) == {"key", "cost_share", "resource_share", "unallocated_cost"} for d in body["dimensions"])
    assert set(dims) == {"business_unit", "project", "environment", "cost_center", "product", "owner"}
    # business unit: shop 260 + crm 40 + network 90 = 390 of 420; legacy-box 30 left; 4 of 5 resources
    assert dims["business_unit"] == {"key": "business_unit", "cost_share": "0.9286", "resource_share": "0.8000",
                                     "unallocated_cost": "30.00"}
    # environment: shop 260 (the split network's rows carry no environment); crm 40 + legacy 30 + network 90 =
    # 160 left; 2 of 5 resources
    assert dims["environment"] == {"key": "environment", "cost_share": "0.6190", "resource_share": "0.4000",
                                   "unallocated_cost": "160.00"}
    # no rule sets a project, nor does the split (it sets the business unit): nothing of 420
    assert dims["project"] == {"key": "project", "cost_share": "0.0000", "resource_share": "0.0000",
                               "unallocated_cost": "420.00"}


def test_dates_are_inclusive(estate, client_for):
    body = client_for(estate.alice, "alpha").get(COVERAGE, {"start": "2025-05-02", "end": "2025-05-02"}).json()
    # 2 May holds only shop-prod-web's 100, allocated in both required dimensions
    assert body["overall"] == {"cost_share": "1.0000", "resource_share": "1.0000"}
    dims = {d["key"]: d for d in body["dimensions"]}
    assert dims["business_unit"]["unallocated_cost"] == "0.00"
    assert dims["project"]["unallocated_cost"] == "100.00"


def test_the_default_period_is_the_last_30_days_ending_today_in_moscow(estate, client_for):
    body = client_for(estate.alice, "alpha").get(COVERAGE).json()
    today = timezone.now().astimezone(ZoneInfo("Europe/Moscow")).date()
    assert (body["start"], body["end"]) == ((today - timedelta(days=29)).isoformat(), today.isoformat())
    # nothing in the ledger in that period: no share, nothing unallocated
    assert body["overall"] == {"cost_share": "0.0000", "resource_share": "0.0000"}
    assert {d["unallocated_cost"] for d in body["dimensions"]} == {"0.00"}


def test_largest_unallocated_lists_resources_most_expensive_first(estate, client_for):
    client = client_for(estate.alice, "alpha")
    body = client.get(UNALLOCATED, PERIOD).json()
    assert (body["start"], body["end"], body["currency"], body["key"]) == ("2025-05-01", "2025-05-02", "RUB", None)
    # overall: crm-prod-db has no environment (40), legacy-box nothing (30); the split network is allocated
    assert [(i["name"], i["service"], i["cost"]) for i in body["items"]] == [
        ("crm-prod-db", "Managed PostgreSQL", "40.00"), ("legacy-box", "Compute Cloud", "30.00")]
    assert body["items"][0] == {"connection": None, "connection_name": "", "provider": "Yandex Cloud",
                                "service": "Managed PostgreSQL", "resource_id": "crm-prod-db",
                                "name": "crm-prod-db", "cost": "40.00"}

    by_unit = client.get(UNALLOCATED, {**PERIOD, "key": "business_unit"}).json()
    assert [(i["resource_id"], i["cost"]) for i in by_unit["items"]] == [("legacy-box", "30.00")]

    by_project = client.get(UNALLOCATED, {**PERIOD, "key": "project"}).json()
    assert [(i["resource_id"], i["cost"]) for i in by_project["items"]] == [
        ("shop-prod-web", "200.00"), ("shop-dev-web", "60.00"), ("crm-prod-db", "40.00"), ("legacy-box", "30.00")]


def test_costs_without_a_resource_are_grouped_by_service(estate, client_for):
    with schema_context(estate.alpha.schema_name):
        ledger([named(D1, "15", "", service="Support"), named(D2, "25", "", service="Support"),
                named(D1, "500", "", service="Object Storage")])
        cost_rollups_refresh(start=D1, end=D2)
    items = client_for(estate.alice, "alpha").get(UNALLOCATED, PERIOD).json()["items"]
    assert [(i["resource_id"], i["service"], i["cost"]) for i in items] == [
        ("", "Object Storage", "500.00"), ("", "Support", "40.00"),
        ("crm-prod-db", "Managed PostgreSQL", "40.00"), ("legacy-box", "Compute Cloud", "30.00")]


@pytest.mark.parametrize("persona", ["alice", "adam", "fiona", "erin", "vera"])
def test_every_role_reads_the_coverage(estate, client_for, persona):
    client = client_for(getattr(estate, persona), "alpha")
    assert client.get(COVERAGE, PERIOD).status_code == 200
    assert client.get(UNALLOCATED, PERIOD).status_code == 200


def test_strangers_and_anonymous_users_are_refused(estate, client_for, token_client):
    assert client_for(None, "alpha").get(COVERAGE).status_code == 401
    assert token_client(estate.charlie, "alpha").get(COVERAGE).status_code == 403


def test_beta_sees_only_its_own_costs(estate, client_for):
    with schema_context(estate.beta.schema_name):
        ledger([named(D1, "50", "beta-vm")])
        cost_rollups_refresh(start=D1, end=D2)
    client = client_for(estate.bob, "beta")
    body = client.get(COVERAGE, PERIOD).json()
    assert body["overall"] == {"cost_share": "0.0000", "resource_share": "0.0000"}
    assert {d["unallocated_cost"] for d in body["dimensions"]} == {"50.00"}
    items = client.get(UNALLOCATED, PERIOD).json()["items"]
    assert [(i["resource_id"], i["cost"]) for i in items] == [("beta-vm", "50.00")]


@pytest.mark.parametrize("query, field", [
    ({"start": "2025-13-01", "end": "2025-05-02"}, "start"),
    ({"start": "2025-05-02", "end": "2025-05-01"}, "end"),
    ({"period": "forever"}, "period"),
])
def test_bad_dates_are_refused_with_a_russian_message(estate, client_for, query, field):
    response = client_for(estate.alice, "alpha").get(COVERAGE, query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["details"]
    assert any(ch in error["message"] + str(error["details"]) for ch in "аеиоуя")


def test_an_unknown_dimension_is_refused(estate, client_for):
    response = client_for(estate.alice, "alpha").get(UNALLOCATED, {**PERIOD, "key": "nope"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Неизвестное измерение распределения."


def test_an_unallocated_resource_carries_its_connection_and_inventory_name(estate, client_for, monkeypatch):
    from apps.business import views
    from apps.inventory.models import Resource
    from apps.providers.models import ProviderConnection

    with schema_context(estate.alpha.schema_name):
        conn = ProviderConnection.objects.create(provider="selectel", name="Selectel prod", credentials={"token": "x"})
        now = timezone.now()
        Resource.objects.create(connection=conn, provider="selectel", resource_id="srv-9", resource_name="billing-api",
                                resource_type="server", status="running", first_seen_at=now, last_seen_at=now)
        ledger([named(D2, "1000", "srv-9", provider="Selectel", service="Cloud servers", connection=conn)])
        cost_rollups_refresh(start=D1, end=D2)
    client = client_for(estate.alice, "alpha")
    first = client.get(UNALLOCATED, PERIOD).json()["items"][0]
    # the ledger names it srv-9; the inventory's name wins
    assert first == {"connection": conn.pk, "connection_name": "Selectel prod", "provider": "Selectel",
                     "service": "Cloud servers", "resource_id": "srv-9", "name": "billing-api", "cost": "1000.00"}
    # the page's manual assignment link names the connection and the resource
    monkeypatch.setattr(views, "_url", lambda name: "/assign/" if name == "business_override_edit" else None)
    html = client.get("/business/?start=2025-05-01&end=2025-05-02").content.decode()
    assert f'href="/assign/?connection={conn.pk}&amp;resource=srv-9"' in html
    assert "billing-api" in html and "Selectel prod" in html
