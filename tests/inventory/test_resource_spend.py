"""Resources without a list price (Yandex Cloud gives none per resource) show what they actually cost over the
last 30 days, from the cost ledger, labelled as such and never added to the list-price run-rate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.costs.services.rollups import cost_rollups_refresh
from apps.inventory.models import Resource
from apps.providers.models import ProviderConnection
from tests.costs.explorer_data import ledger, row

NBSP = "\xa0"
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
FIRST = TODAY - timedelta(days=29)  # the 30-day window is FIRST..TODAY
LABEL = "Расход за 30 дней:"
TOOLTIP = "по счетам провайдера, цены по прайсу нет"


def _money(text: str) -> str:
    return text.replace(" ", NBSP) + f"{NBSP}₽"


def _estate(schema: str, *, vm_amounts: list[tuple[date, str]], other_conn_amount: str = "50.00") -> dict:
    """Yandex connection with a VM and a disk without price, a Beget VPS with a price, their ledger rows."""
    now = timezone.now()
    with schema_context(schema):
        yc = ProviderConnection.objects.create(provider="yandex", name="Yandex prod",
                                               credentials={"oauth_token": "y0_x"})
        other = ProviderConnection.objects.create(provider="yandex", name="Yandex other",
                                                  credentials={"oauth_token": "y0_y"})
        beget = ProviderConnection.objects.create(provider="beget", name="Beget",
                                                  credentials={"login": "a", "password": "Hidden-Pass-1"})
        common = {"first_seen_at": now, "last_seen_at": now, "status": "running", "currency": "RUB"}
        vm = Resource.objects.create(connection=yc, provider="yandex", resource_id="fhm-vm-web",
                                     resource_name="web-1", resource_type="instance", service_name="Compute",
                                     **common)
        disk = Resource.objects.create(connection=yc, provider="yandex", resource_id="fhm-disk-data",
                                       resource_name="data-disk", resource_type="disk", service_name="Compute",
                                       **common)
        vps = Resource.objects.create(connection=beget, provider="beget", resource_id="vps-1",
                                      resource_name="Objective Perrin", resource_type="vps",
                                      service_name="Compute", daily_cost=Decimal("22.00"),
                                      monthly_cost=Decimal("660.00"), **common)
        rows = [row(day, amount, resource="fhm-vm-web", connection=yc) for day, amount in vm_amounts]
        rows += [
            row(FIRST - timedelta(days=1), "999.00", resource="fhm-vm-web", connection=yc),  # before the window
            row(TODAY, other_conn_amount, resource="fhm-vm-web", connection=other),  # another connection's id
            row(TODAY - timedelta(days=3), "10.25", resource="fhm-vm-web", account="focus-file"),  # no connection
            row(TODAY, "12.34", resource="fhm-disk-data", connection=yc),
            row(TODAY - timedelta(days=1), "12.34", resource="fhm-disk-data", connection=yc),
            row(TODAY - timedelta(days=2), "12.34", resource="fhm-disk-data", connection=yc),
            row(TODAY, "5000.00", resource="vps-1", connection=beget, provider="Beget"),  # priced: never shown
        ]
        ledger(rows)
        cost_rollups_refresh(start=FIRST - timedelta(days=5), end=TODAY, fetch_missing_rates=False)
    return {"vm": vm, "disk": disk, "vps": vps}


ALPHA_VM = [(TODAY, "1000.00"), (FIRST, "224.31")]  # + 10.25 without connection = 1 234,56


def _card(html: str, resource: Resource) -> str:
    start = html.index(f'id="resource-{resource.pk}"')
    return html[start:html.index("</article>", start)]


def test_resources_list_shows_ledger_spend_for_unpriced_resources_only(w, client_for):
    with time_machine.travel(NOW, tick=False):
        estate = _estate(w.alpha.schema_name, vm_amounts=ALPHA_VM)
        html = client_for(w.vera, "alpha").get("/resources/").content.decode()
    vm, disk, vps = _card(html, estate["vm"]), _card(html, estate["disk"]), _card(html, estate["vps"])
    assert LABEL in vm and _money("1 234,56") in vm and TOOLTIP in vm
    assert LABEL in disk and _money("37,02") in disk  # 3 × 12,34
    assert LABEL not in vps and _money("5 000,00") not in vps
    assert _money("22,00") in vps and _money("660,00") in vps
    # The Yandex group sums its unpriced resources' spend apart from its run-rate: 1 234,56 + 37,02.
    group = html[html.index("data-group-spend"):]
    group = group[:group.index("</div>")]
    assert "Без цены по прайсу · Расход за 30 дней:" in group and _money("1 271,58") in group
    assert html.count("data-group-spend") == 1  # Beget's VPS has a price: no spend line there
    # The run-rate of list prices stays what it was: the VPS only, spend is never added to it.
    summary = html[html.index("data-summary-monthly"):]
    assert summary[summary.index(">") + 1:].startswith(_money("660,00"))


def test_resource_page_shows_ledger_spend_of_an_unpriced_resource(w, client_for):
    with time_machine.travel(NOW, tick=False):
        estate = _estate(w.alpha.schema_name, vm_amounts=ALPHA_VM)
        client = client_for(w.vera, "alpha")
        vm_page = client.get(f"/resources/{estate['vm'].pk}/").content.decode()
        vps_page = client.get(f"/resources/{estate['vps'].pk}/").content.decode()
    assert LABEL in vm_page and _money("1 234,56") in vm_page and TOOLTIP in vm_page
    assert LABEL not in vps_page and _money("660,00") in vps_page


def test_unpriced_resource_without_ledger_rows_shows_no_spend(w, client_for):
    with time_machine.travel(NOW, tick=False):
        estate = _estate(w.alpha.schema_name, vm_amounts=[])
        with schema_context(w.alpha.schema_name):
            Resource.objects.filter(pk=estate["disk"].pk).update(resource_id="fhm-disk-unbilled")
        html = client_for(w.vera, "alpha").get("/resources/").content.decode()
    assert LABEL not in _card(html, estate["disk"])
    assert _money("10,25") in _card(html, estate["vm"])  # only the file imported without a connection


def test_another_organizations_ledger_never_shows(w, client_for):
    with time_machine.travel(NOW, tick=False):
        # Beta holds the same ids (and, schema by schema, the same connection pks) with other amounts.
        _estate(w.beta.schema_name, vm_amounts=[(TODAY, "7777.00")], other_conn_amount="8888.00")
        estate = _estate(w.alpha.schema_name, vm_amounts=ALPHA_VM)
        html = client_for(w.vera, "alpha").get("/resources/").content.decode()
        detail = client_for(w.vera, "alpha").get(f"/resources/{estate['vm'].pk}/").content.decode()
    for page in (html, detail):
        assert _money("1 234,56") in page
        assert "7" + NBSP + "777" not in page and "8" + NBSP + "888" not in page


def test_spend_costs_one_query_whatever_the_number_of_resources(w, client_for):
    with time_machine.travel(NOW, tick=False):
        estate = _estate(w.alpha.schema_name, vm_amounts=ALPHA_VM)
        client = client_for(w.vera, "alpha")
        with CaptureQueriesContext(db) as few:
            client.get("/resources/")
        with schema_context(w.alpha.schema_name):
            conn = estate["vm"].connection
            extra = [Resource(connection=conn, provider="yandex", resource_id=f"fhm-extra-{n}",
                              resource_name=f"extra-{n}", resource_type="instance", status="running",
                              first_seen_at=timezone.now(), last_seen_at=timezone.now()) for n in range(15)]
            Resource.objects.bulk_create(extra)
            ledger([row(TODAY, "1.00", resource=f"fhm-extra-{n}", connection=conn) for n in range(15)])
            cost_rollups_refresh(start=TODAY, end=TODAY, fetch_missing_rates=False)
        with CaptureQueriesContext(db) as many:
            html = client.get("/resources/").content.decode()
    assert html.count("data-resource-spend") == 2 + 15
    assert len(many.captured_queries) <= len(few.captured_queries)


def test_spend_in_another_currency_is_converted_like_the_explorer(w, client_for):
    """A USD charge counts at the rate of its charge date, in the organization's currency (the rollup's
    converted amount, as the dashboard and the explorer read it): 3 × 12,34 ₽ + 10 USD × 90,50 = 942,02 ₽."""
    from apps.currency.models import ExchangeRate, RateSource

    with time_machine.travel(NOW, tick=False):
        ExchangeRate.objects.create(date=TODAY - timedelta(days=2), currency="USD", rate_rub=Decimal("90.50"),
                                    source=RateSource.CBR)
        estate = _estate(w.alpha.schema_name, vm_amounts=[(TODAY, "100.00")])
        with schema_context(w.alpha.schema_name):
            ledger([row(TODAY - timedelta(days=2), "10.00", currency="USD", resource="fhm-disk-data",
                        connection=estate["disk"].connection)])
            cost_rollups_refresh(start=TODAY - timedelta(days=2), end=TODAY, fetch_missing_rates=False)
        html = client_for(w.vera, "alpha").get("/resources/").content.decode()
    assert _money("942,02") in _card(html, estate["disk"])
