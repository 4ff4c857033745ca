"""Allocation suggestions inferred from a hand-made estate: names, prefixes, partial tags, the provider hierarchy;
their gains in roubles computed by hand; accepting one creates the rule and, once the history is recalculated,
the explorer's ``alloc:environment`` groups change. Duplicates are skipped; viewers cannot accept; beta sees
nothing of alpha."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import DimensionValue, Rule
from apps.allocation.services import definitions_changed
from apps.audit.models import AuditEvent
from apps.costs.selectors.explorer import cost_summary
from apps.costs.services.allocation_apply import allocation_history_apply
from apps.costs.services.rollups import cost_rollups_refresh
from apps.inventory.models import Resource, ResourceTag
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

TODAY = datetime(2025, 5, 30, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
D1, D2 = date(2025, 5, 1), date(2025, 5, 2)
OLD = date(2025, 4, 20)  # before the 30-day window (1-30 May)
NBSP = "\xa0"
PROD_REGEX = "(?i)(^|[-_. ])(prod|production|prd|прод)([-_. ]|$)"
SUGGESTIONS = "/api/v1/allocation/suggestions/"


def _named(day, billed, name, **kw):
    record = row(day, billed, resource=name, **kw)
    record.resource_name = name
    return record


@pytest.fixture
def estate(w, time_machine):
    time_machine.move_to(TODAY, tick=False)
    with schema_context(w.alpha.schema_name):
        ledger([
            _named(D1, "100", "shop-prod-web"), _named(D2, "100", "shop-prod-web"),
            _named(D1, "60", "shop-dev-api"),
            _named(D1, "40", "crm-prod-db"),
            _named(D1, "20", "crm-stage-queue"),
            _named(D1, "30", "legacy-box"),
            _named(D1, "25", "billing-svc", tags={"env": "production"}),
            _named(OLD, "1000", "shop-prod-old"),  # outside the window: counts nowhere
        ])
        cost_rollups_refresh(start=OLD, end=D2)
    return w


def _by_title(payload):
    return {item["title"]: item for item in payload["items"]}


def _env_groups():
    summary = cost_summary(start=D1, end=D2, group_by="alloc:environment")
    return {g["key"]: g["total"] for g in summary["groups"]}


def test_suggestions_found_with_hand_computed_gains(estate, client_for):
    response = client_for(estate.alice, "alpha").get(SUGGESTIONS)
    assert response.status_code == 200
    payload = response.json()
    assert (payload["start"], payload["end"], payload["currency"]) == ("2025-05-01", "2025-05-30", "RUB")
    found = [(i["dimension"], i["value"], i["coverage_gain"], i["resources"]) for i in payload["items"]]
    # shop: 200 + 60; prod by name: shop-prod-web 200 + crm-prod-db 40; crm: 40 + 20; dev: 60;
    # env tag «production» of billing-svc: 25; stage: crm-stage-queue 20. legacy-box has no convention.
    assert found == [
        ("business_unit", "shop", "260.00", 2),
        ("environment", "prod", "240.00", 2),
        ("business_unit", "crm", "60.00", 2),
        ("environment", "dev", "60.00", 1),
        ("environment", "prod", "25.00", 1),
        ("environment", "stage", "20.00", 1),
    ]
    titles = _by_title(payload)
    prod = titles["Окружение prod по имени: 2 ресурса"]
    assert prod["rule"]["conditions"] == [{"field": "name", "op": "regex", "value": PROD_REGEX}]
    assert prod["rule"]["actions"] == {"environment": "prod"}
    assert prod["examples"] == ["shop-prod-web", "crm-prod-db"]
    tag = titles["Окружение prod по тегу env: 1 ресурс"]
    assert tag["rule"]["conditions"] == [{"field": "tag:env", "op": "equals", "value": "production"}]
    shop = titles["Бизнес-направление shop по префиксу имени «shop»: 2 ресурса"]
    assert shop["rule"]["conditions"] == [{"field": "name", "op": "regex", "value": "(?i)^shop[-_. ]"}]
    assert sorted(shop["examples"]) == ["shop-dev-api", "shop-prod-web"]
    # ids are stable
    again = client_for(estate.alice, "alpha").get(SUGGESTIONS).json()
    assert [i["id"] for i in again["items"]] == [i["id"] for i in payload["items"]]


def test_accept_creates_the_rule_and_the_recalculated_history_changes_the_explorer(estate, client_for):
    client = client_for(estate.alice, "alpha")
    with schema_context(estate.alpha.schema_name):
        Rule.objects.create(order=7, name="other", conditions=[{"field": "name", "op": "regex", "value": "^zzz"}],
                            actions={"owner": "nobody"})
        assert _env_groups() == {"": Decimal("375")}
    prod = _by_title(client.get(SUGGESTIONS).json())["Окружение prod по имени: 2 ресурса"]
    response = client.post(f"{SUGGESTIONS}{prod['id']}/accept/")
    assert response.status_code == 201, response.content
    rule = response.json()
    assert rule["order"] == 8  # after the existing rules
    assert rule["conditions"] == [{"field": "name", "op": "regex", "value": PROD_REGEX}]
    assert rule["actions"] == {"environment": "prod"}
    assert rule["name"] == "Окружение prod по имени"
    with schema_context(estate.alpha.schema_name):
        stored = Rule.objects.get(pk=rule["id"])
        assert stored.source == f"suggestion:{prod['id']}"
        assert stored.created_by_id == estate.alice.pk
        assert DimensionValue.objects.filter(dimension__key="environment", value="prod").exists()
        assert AuditEvent.objects.filter(action="allocation.suggestion_accepted").count() == 1
        allocation_history_apply()
        # prod: shop-prod-web 200 + crm-prod-db 40; the rest 60 + 20 + 30 + 25 = 135 stays unallocated
        assert _env_groups() == {"prod": Decimal("240"), "": Decimal("135")}
    # accepted: gone from the list; accepting it again is a clear 404
    after = client.get(SUGGESTIONS).json()
    assert prod["id"] not in [i["id"] for i in after["items"]]
    # billing-svc's tag still allocates 25 that the name rule does not
    assert [(i["value"], i["coverage_gain"]) for i in after["items"] if i["dimension"] == "environment"] == [
        ("dev", "60.00"), ("prod", "25.00"), ("stage", "20.00")]
    again = client.post(f"{SUGGESTIONS}{prod['id']}/accept/")
    assert again.status_code == 404
    assert "не найдено" in again.json()["error"]["message"]


def test_duplicates_of_existing_rules_and_allocated_cost_are_skipped(estate, client_for):
    with schema_context(estate.alpha.schema_name):
        Rule.objects.create(order=1, name="prod by hand", conditions=[
            {"field": "name", "op": "regex", "value": PROD_REGEX}], actions={"environment": "production"})
        Rule.objects.create(order=2, name="shop", conditions=[{"field": "name", "op": "regex", "value": "^shop-"}],
                            actions={"business_unit": "shop"})
        definitions_changed()
        cost_rollups_refresh(start=D1, end=D2)
    items = client_for(estate.alice, "alpha").get(SUGGESTIONS).json()["items"]
    found = [(i["dimension"], i["value"], i["coverage_gain"]) for i in items]
    # the prod-by-name rule exists (same conditions, same dimension); shop is allocated already (gain 0);
    # billing-svc (tag) is not matched by the name rule: still 25.
    assert found == [
        ("business_unit", "crm", "60.00"),
        ("environment", "dev", "60.00"),
        ("environment", "prod", "25.00"),
        ("environment", "stage", "20.00"),
    ]


def test_hierarchy_inventory_names_and_fields(estate, client_for):
    with schema_context(estate.alpha.schema_name):
        ledger([_named(D1, "70", "vm-1a", sub_account="marketing-prod"),
                _named(D1, "15", "vm-2b", sub_account="marketing-prod")])
        cost_rollups_refresh(start=D1, end=D2)
    items = client_for(estate.alice, "alpha").get(SUGGESTIONS).json()["items"]
    by = {(i["dimension"], i["value"], i["rule"]["conditions"][0]["field"]): i for i in items}
    env = by[("environment", "prod", "hierarchy")]
    assert env["rule"]["conditions"] == [{"field": "hierarchy", "op": "equals", "value": "marketing-prod"}]
    assert (env["coverage_gain"], env["resources"]) == ("85.00", 2)
    assert env["title"] == "Окружение prod по облаку, каталогу или проекту: 2 ресурса"
    bu = by[("business_unit", "marketing", "hierarchy")]
    assert bu["coverage_gain"] == "85.00"


def test_inventory_tags_and_business_fields(w, time_machine, client_for):
    from apps.providers.models import ProviderConnection

    time_machine.move_to(TODAY, tick=False)
    with schema_context(w.alpha.schema_name):
        conn = ProviderConnection.objects.create(name="YC", provider="yandex")
        now = TODAY
        common = {"connection": conn, "provider": "yandex", "resource_type": "vm", "first_seen_at": now,
                  "last_seen_at": now}
        a = Resource.objects.create(resource_id="r-a", resource_name="alpha-one", **common)
        Resource.objects.create(resource_id="r-b", resource_name="beta-two", team="payments", **common)
        ResourceTag.objects.create(resource=a, key="Owner", value="ivanov")
        ledger([row(D1, "11", resource="r-a", connection=conn), row(D1, "13", resource="r-b", connection=conn)])
        cost_rollups_refresh(start=D1, end=D2)
    items = client_for(w.alice, "alpha").get(SUGGESTIONS).json()["items"]
    found = {(i["dimension"], i["value"]): i for i in items}
    owner = found[("owner", "ivanov")]
    assert owner["rule"]["conditions"] == [{"field": "tag:Owner", "op": "equals", "value": "ivanov"}]
    assert (owner["coverage_gain"], owner["examples"]) == ("11.00", ["alpha-one"])
    team = found[("business_unit", "payments")]
    assert team["rule"]["conditions"] == [{"field": "name", "op": "in", "value": ["r-b"]}]
    assert team["coverage_gain"] == "13.00"


def test_viewer_reads_but_cannot_accept_and_unknown_id_is_refused(estate, client_for):
    viewer = client_for(estate.vera, "alpha")
    items = viewer.get(SUGGESTIONS).json()["items"]
    assert items
    assert viewer.post(f"{SUGGESTIONS}{items[0]['id']}/accept/").status_code == 403
    page = viewer.get("/business/suggestions/")
    assert page.status_code == 200
    assert "data-suggestion-accept" not in page.content.decode()
    assert viewer.post(f"/business/suggestions/{items[0]['id']}/accept/").status_code == 403
    with schema_context(estate.alpha.schema_name):
        assert not Rule.objects.exists()
    response = client_for(estate.alice, "alpha").post(f"{SUGGESTIONS}nope/accept/")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        "Предложение не найдено или устарело: обновите список.")


def test_beta_sees_nothing_of_alpha(estate, client_for):
    response = client_for(estate.bob, "beta").get(SUGGESTIONS)
    assert response.status_code == 200
    assert response.json()["items"] == []
    alpha_id = client_for(estate.alice, "alpha").get(SUGGESTIONS).json()["items"][0]["id"]
    assert client_for(estate.bob, "beta").post(f"{SUGGESTIONS}{alpha_id}/accept/").status_code == 404
    assert client_for(estate.bob, "alpha").get(SUGGESTIONS).status_code in (302, 403, 404)


def test_the_page_shows_coverage_cards_and_accepts_in_one_click(estate, client_for):
    client = client_for(estate.alice, "alpha")
    with schema_context(estate.alpha.schema_name):
        Rule.objects.create(order=1, name="billing", conditions=[{"field": "name", "op": "equals",
                                                                  "value": "billing-svc"}],
                            actions={"business_unit": "billing", "environment": "prod"})
        definitions_changed()
        cost_rollups_refresh(start=D1, end=D2)
    html = client.get("/business/suggestions/").content.decode()
    # billing-svc 25 of 375 has both required dimensions: 6.67 % -> «7 %»
    assert f"Распределено 7{NBSP}% затрат" in html
    assert "Окружение prod по имени: 2 ресурса" in html
    assert f"+240,00{NBSP}₽" in html
    assert "shop-prod-web, crm-prod-db" in html
    assert "Если имя ресурса соответствует «(?i)(^|[-_. ])(prod|production|prd|прод)([-_. ]|$)», то Окружение = prod" \
        in html
    prod = _by_title(client.get(SUGGESTIONS).json())["Окружение prod по имени: 2 ресурса"]
    response = client.post(f"/business/suggestions/{prod['id']}/accept/", follow=True)
    assert response.redirect_chain[-1][0].endswith("/business/suggestions/")
    assert "история пересчитывается" in response.content.decode()
    with schema_context(estate.alpha.schema_name):
        assert Rule.objects.filter(source=f"suggestion:{prod['id']}").count() == 1
