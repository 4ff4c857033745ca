"""POST /api/v1/allocation/rules/preview/: which resources and how many roubles a rule change would move over the
last 30 days (billed cost in the organization's currency, computed here by hand), with the conflicts; nothing is
saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import AllocationState, ResourceOverride, Rule
from apps.audit.models import AuditEvent
from apps.costs.selectors.allocation_signatures import signatures_with_cost
from apps.currency.models import ExchangeRate, RateSource
from tests.costs.explorer_data import ledger, row
from tests.utils import api_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/allocation/rules/preview/"
SHOP = {"name": "Магазин", "conditions": [{"field": "name", "op": "regex", "value": "^shop-"}],
        "actions": {"business_unit": "shop", "environment": "dev"}}


def _named(day, billed, name, **kw):
    record = row(day, billed, resource=name, **kw)
    record.resource_name = name
    return record


@pytest.fixture
def estate(w, time_machine):
    # today 20 June (Moscow): the last 30 days are 22 May .. 20 June
    time_machine.move_to("2026-06-20 12:00:00+03:00", tick=False)
    ExchangeRate.objects.create(date=date(2026, 6, 1), currency="USD", rate_rub=Decimal("90"),
                                source=RateSource.CBR)
    with schema_context(w.alpha.schema_name):
        ledger([
            _named(date(2026, 6, 10), "100", "shop-prod-web"), _named(date(2026, 6, 11), "50", "shop-prod-web"),
            _named(date(2026, 6, 10), "60", "shop-dev-web"),
            _named(date(2026, 6, 10), "10", "crm-prod-db", currency="USD", service="Managed PostgreSQL"),
            _named(date(2026, 5, 1), "1000", "shop-dev-web"),  # before the 30 days: not counted
        ])
        prod = Rule.objects.create(order=10, name="Прод", actions={"environment": "prod"},
                                   conditions=[{"field": "name", "op": "regex", "value": "-prod-"}])
        yield w, prod


def _preview(client, body):
    answer = client.post(URL, body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_the_signature_reader_sums_the_period_in_roubles(estate):
    w, _prod = estate
    with schema_context(w.alpha.schema_name):
        found = signatures_with_cost(start=date(2026, 5, 22), end=date(2026, 6, 20))
        costs = {}
        for name, cost in zip(found.names, found.costs, strict=True):
            costs[name] = costs.get(name, Decimal(0)) + cost
        # 100 + 50; 60 (the 1 000 of 1 May is outside); 10 USD x 90
        assert costs == {"shop-prod-web": Decimal("150"), "shop-dev-web": Decimal("60"),
                         "crm-prod-db": Decimal("900")}
        assert found.currency == "RUB"


def test_a_new_rule_moves_the_unallocated_shop_resources_and_conflicts_with_the_prod_rule(estate, client_for):
    w, prod = estate
    body = _preview(client_for(w.alice, "alpha"), SHOP)
    assert (body["start"], body["end"], body["currency"]) == ("2026-05-22", "2026-06-20", "RUB")
    # shop-prod-web: business unit -> shop (150); its environment stays prod (the prod rule is first)
    # shop-dev-web: business unit -> shop and environment -> dev (60)
    assert (body["moved_cost"], body["moved_resources"]) == ("210.00", 2)
    assert body["resources"] == [
        {"resource_id": "shop-prod-web", "name": "shop-prod-web", "connection_id": None, "cost": "150.00",
         "from": {"business_unit": ""}, "to": {"business_unit": "shop"}},
        {"resource_id": "shop-dev-web", "name": "shop-dev-web", "connection_id": None, "cost": "60.00",
         "from": {"business_unit": "", "environment": ""}, "to": {"business_unit": "shop", "environment": "dev"}},
    ]
    assert body["by_dimension"] == [
        {"key": "business_unit", "from": "", "to": "shop", "cost": "210.00"},
        {"key": "environment", "from": "", "to": "dev", "cost": "60.00"},
    ]
    assert body["conflicts"] == [{
        "rule": prod.pk, "rule_name": "Прод", "other": None, "other_name": "Магазин", "dimension": "environment",
        "value": "prod", "other_value": "dev", "resources": 1, "cost": "150.00"}]


def test_a_rule_changed_or_deleted(estate, client_for):
    w, prod = estate
    alice = client_for(w.alice, "alpha")
    changed = _preview(alice, {"id": prod.pk, "name": "Дев", "actions": {"environment": "prod"},
                               "conditions": [{"field": "name", "op": "regex", "value": "-dev-"}]})
    # prod -> unallocated: shop-prod-web 150 + crm-prod-db 900; unallocated -> prod: shop-dev-web 60
    assert (changed["moved_cost"], changed["moved_resources"]) == ("1110.00", 3)
    assert changed["by_dimension"] == [
        {"key": "environment", "from": "prod", "to": "", "cost": "1050.00"},
        {"key": "environment", "from": "", "to": "prod", "cost": "60.00"},
    ]
    deleted = _preview(alice, {"id": prod.pk, "delete": True})
    assert (deleted["moved_cost"], deleted["moved_resources"]) == ("1050.00", 2)
    assert [r["name"] for r in deleted["resources"]] == ["crm-prod-db", "shop-prod-web"]
    assert deleted["conflicts"] == []


def test_a_manual_allocation_still_wins_in_the_preview(estate, client_for):
    w, _prod = estate
    with schema_context(w.alpha.schema_name):
        ResourceOverride.objects.create(connection_id=None, resource_id="shop-dev-web",
                                        values={"business_unit": "lab"})
    body = _preview(client_for(w.alice, "alpha"), SHOP)
    assert body["by_dimension"] == [
        {"key": "business_unit", "from": "", "to": "shop", "cost": "150.00"},
        {"key": "environment", "from": "", "to": "dev", "cost": "60.00"},
    ]


def test_the_preview_saves_nothing(estate, client_for):
    w, _prod = estate
    with schema_context(w.alpha.schema_name):
        version = AllocationState.objects.values_list("version", flat=True).first()
    _preview(client_for(w.fiona, "alpha"), SHOP)
    with schema_context(w.alpha.schema_name):
        assert list(Rule.objects.values_list("name", flat=True)) == ["Прод"]
        assert not AuditEvent.objects.filter(action__startswith="allocation.").exists()
        assert AllocationState.objects.values_list("version", flat=True).first() == version


def test_a_bad_preview_is_explained(estate, client_for):
    w, _prod = estate
    alice = client_for(w.alice, "alpha")
    bad = {**SHOP, "conditions": [{"field": "name", "op": "regex", "value": "shop-[a"}]}
    error = api_error(alice.post(URL, bad, content_type="application/json"), 400)
    assert "Условие 1" in error["message"] and "позиции 6" in error["message"]
    api_error(alice.post(URL, {"delete": True}, content_type="application/json"), 400)
    api_error(alice.post(URL, {**SHOP, "id": 999999}, content_type="application/json"), 404)
    api_error(client_for(w.vera, "alpha").post(URL, SHOP, content_type="application/json"), 403)
