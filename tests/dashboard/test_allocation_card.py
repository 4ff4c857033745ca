"""The dashboard's «Распределение затрат» card: overall allocation coverage of the last 30 days, the required
dimension covered least and the unallocated roubles, computed by hand; cached with the organization's data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.allocation.models import Rule
from apps.allocation.services import definitions_changed
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db
NBSP = "\xa0"


def _named(day, billed, name):
    record = row(day, billed, resource=name)
    record.resource_name = name
    return record


def _estate(schema_name: str) -> None:
    """Yesterday: shop-web 300 ₽ (business unit and environment), crm-db 100 ₽ (business unit only), old-box
    100 ₽ (nothing); 40 days ago old-box 1000 ₽, outside the card's 30 days."""
    today = timezone.now().date()
    yesterday, long_ago = today - timedelta(days=1), today - timedelta(days=40)
    with schema_context(schema_name):
        ledger([_named(yesterday, "300", "shop-web"), _named(yesterday, "100", "crm-db"),
                _named(yesterday, "100", "old-box"), _named(long_ago, "1000", "old-box")])
        Rule.objects.create(order=1, name="shop", conditions=[{"field": "name", "op": "regex", "value": "^shop-"}],
                            actions={"business_unit": "shop", "environment": "prod"})
        Rule.objects.create(order=2, name="crm", conditions=[{"field": "name", "op": "regex", "value": "^crm-"}],
                            actions={"business_unit": "crm"})
        definitions_changed()
        cost_rollups_refresh(start=long_ago, end=today)


def _card(html: str) -> str:
    assert "data-dash-allocation>" in html
    return html.split("data-dash-allocation>")[1].split("</section>")[0]


def _value(card: str, name: str) -> str:
    match = re.search(rf"{name}>([^<]*)<", card)
    assert match, name
    return match.group(1).strip()


def test_the_card_shows_coverage_the_weakest_required_dimension_and_unallocated_roubles(w, client_for):
    _estate(w.alpha.schema_name)
    response = client_for(w.alice, "alpha").get("/")
    card = _card(response.content.decode())
    assert "Распределение затрат" in card
    # allocated in both required dimensions: shop-web 300 of 500 = 60,0 %
    assert _value(card, "data-dash-allocation-share") == f"60,0{NBSP}%"
    # business unit 400 of 500 = 80 %, environment 300 of 500 = 60 %: the environment is the weakest
    assert _value(card, "data-dash-allocation-lowest") == f"Окружение · 60,0{NBSP}%"
    # crm-db 100 + old-box 100 (the 1000 of 40 days ago is outside the card's period)
    assert _value(card, "data-dash-allocation-unallocated") == f"200,00{NBSP}₽"
    assert 'href="/business/"' in card


def test_a_viewer_sees_the_card_and_beta_sees_its_own(w, client_for):
    _estate(w.alpha.schema_name)
    card = _card(client_for(w.vera, "alpha").get("/").content.decode())
    assert _value(card, "data-dash-allocation-share") == f"60,0{NBSP}%"
    with schema_context(w.beta.schema_name):
        day = timezone.now().date() - timedelta(days=2)
        ledger([_named(day, "70", "beta-vm")])
        cost_rollups_refresh(start=day, end=day)
    beta = _card(client_for(w.bob, "beta").get("/").content.decode())
    assert _value(beta, "data-dash-allocation-share") == f"0,0{NBSP}%"
    assert _value(beta, "data-dash-allocation-unallocated") == f"70,00{NBSP}₽"


def test_a_warm_dashboard_reads_the_coverage_from_the_cache(w, client_for, settings):
    settings.ORGANIZATION_CACHE_SECONDS = 900
    _estate(w.alpha.schema_name)
    cache.clear()
    client = client_for(w.alice, "alpha")
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    assert _value(_card(html), "data-dash-allocation-share") == f"60,0{NBSP}%"
    assert not [q["sql"] for q in queries.captured_queries
                if '"costs_costdaily"' in q["sql"] or '"allocation_' in q["sql"]]
