"""The MSP console: figures computed inside each client's schema into ClientSnapshot / ClientMonthCost (public),
margins from billing rules, the /console/ page and the partner clients API (isolation, sorting, filters, refresh).

Ledger (billed cost, RUB, organization currency RUB), today = 2026-03-15 (Moscow):
alpha  2025-02-20 Yandex Cloud / Compute Cloud   80      (14 months back: not kept)
       2025-03-05 Yandex Cloud / Compute Cloud   70      (the 13th month back: kept)
       2026-02-01..10 Yandex Cloud / Compute Cloud 10 × 100 = 1000
       2026-02-05 Beget / Hosting               500      -> February 1500.00
       2026-03-01..15 Yandex Cloud / Compute Cloud 15 × 100 = 1500
       2026-03-02 Beget / Hosting               300      -> March (month to date) 1800.00
gamma  2026-03-03 Selectel / Cloud servers      200      -> March 200.00, February 0
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.anomalies.models import Anomaly
from apps.budgets.models import Budget
from apps.costs.services.rollups import cost_rollups_refresh
from apps.partners.models import BillingRule, ClientMonthCost, ClientSnapshot
from apps.partners.refresh import client_figures_refresh
from apps.partners.tasks import partner_clients_refresh_now
from apps.providers.models import ProviderConnection
from apps.tenants.models import Partner
from tests.costs.explorer_data import ledger, row
from tests.utils import api_error, russian

NOW = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
CLIENTS_URL = "/api/v1/partner/clients/"


def _alpha_ledger():
    rows = [row(date(2025, 2, 20), "80"), row(date(2025, 3, 5), "70")]
    rows += [row(date(2026, 2, d), "100") for d in range(1, 11)]
    rows.append(row(date(2026, 2, 5), "500", provider="Beget", service="Hosting", account="beget-1"))
    rows += [row(date(2026, 3, d), "100") for d in range(1, 16)]
    rows.append(row(date(2026, 3, 2), "300", provider="Beget", service="Hosting", account="beget-1"))
    ledger(rows)
    cost_rollups_refresh(start=date(2025, 2, 1), end=date(2026, 3, 31), fetch_missing_rates=False)


@pytest.fixture
def figures(w):
    """Ledger, a budget, an open anomaly and a balance in alpha; a stale connection in gamma; billing rules of the
    MSP for alpha (10 % markup on Yandex Cloud, a 1 000 ₽ fixed fee); both refreshed."""
    with time_machine.travel(NOW, tick=False):
        with schema_context(w.alpha.schema_name):
            _alpha_ledger()
            Budget.objects.create(name="Всё", amount=Decimal("1000.00"))  # 1 800 spent: over
            Anomaly.objects.create(scope_type="service", scope_key="Compute Cloud", first_date=date(2026, 3, 10),
                                   date=date(2026, 3, 10), kind="spike", expected=Decimal(100),
                                   actual=Decimal(300), impact=Decimal(200), currency="RUB")
            # balance 1 000 USD, the provider's 30 USD a day: 33.3 days -> 33
            ProviderConnection.objects.create(provider="beget", name="Beget", last_sync_at=NOW - timedelta(hours=2),
                                              account_info={"balance": "1000", "currency": "USD",
                                                            "daily_rate": "30"})
        with schema_context(w.gamma.schema_name):
            ledger([row(date(2026, 3, 3), "200", provider="Selectel", service="Cloud servers")])
            cost_rollups_refresh(start=date(2026, 3, 1), end=date(2026, 3, 31), fetch_missing_rates=False)
            ProviderConnection.objects.create(provider="beget", name="Old", last_sync_at=NOW - timedelta(days=3))
        BillingRule.objects.create(partner=w.partner, organization=w.alpha, provider="Yandex Cloud",
                                   markup_percent=Decimal("10"))
        BillingRule.objects.create(partner=w.partner, organization=w.alpha, fixed_monthly_fee=Decimal("1000"))
        assert partner_clients_refresh_now(w.partner) == 2
    connection.set_schema_to_public()
    return w


def test_refresh_computes_the_client_figures_by_hand(figures):
    alpha = ClientSnapshot.objects.get(organization=figures.alpha)
    assert alpha.partner == figures.partner and alpha.currency == "RUB"
    assert alpha.month == date(2026, 3, 1)
    assert alpha.spend_month == Decimal("1800.00")  # 15 × 100 + 300
    assert alpha.spend_prev_month == Decimal("1500.00")  # 10 × 100 + 500
    assert alpha.forecast_month >= alpha.spend_month
    assert alpha.potential_savings == Decimal("0.00")
    assert alpha.budget_status == "over"  # 1 800 of 1 000
    assert alpha.runway_days == 33  # 1 000 / 30 = 33.3
    assert alpha.sync_health == "ok" and alpha.last_sync_at == NOW - timedelta(hours=2)
    assert alpha.open_alerts == 1
    assert alpha.refreshed_at == NOW and alpha.error == ""
    # Bill of March: Yandex 1 500 × 1.10 = 1 650.00; Beget 300 at cost (the client's general rule, no markup);
    # the fixed fee 1 000.00 -> 2 950.00 without VAT; VAT 20 % = 590.00; margin 2 950 − 1 800 = 1 150.00.
    assert alpha.billed_month == Decimal("2950.00")
    assert alpha.vat_month == Decimal("590.00")
    assert alpha.margin_month == Decimal("1150.00")

    gamma = ClientSnapshot.objects.get(organization=figures.gamma)
    assert (gamma.spend_month, gamma.spend_prev_month) == (Decimal("200.00"), Decimal("0.00"))
    assert gamma.billed_month == Decimal("200.00") and gamma.vat_month == Decimal("40.00")  # no rule: at cost
    assert gamma.budget_status == "none" and gamma.runway_days is None and gamma.open_alerts == 0
    assert gamma.sync_health == "stale"  # synced 3 days ago
    assert not ClientSnapshot.objects.filter(organization=figures.beta).exists()  # no partner: no console row


def test_month_costs_by_provider_and_service_for_13_months(figures):
    rows = {(r.month, r.provider, r.service): r.cost
            for r in ClientMonthCost.objects.filter(organization=figures.alpha)}
    assert rows == {
        (date(2025, 3, 1), "Yandex Cloud", "Compute Cloud"): Decimal("70.00"),  # 2025-02 is 14 months back: out
        (date(2026, 2, 1), "Yandex Cloud", "Compute Cloud"): Decimal("1000.00"),
        (date(2026, 2, 1), "Beget", "Hosting"): Decimal("500.00"),
        (date(2026, 3, 1), "Yandex Cloud", "Compute Cloud"): Decimal("1500.00"),
        (date(2026, 3, 1), "Beget", "Hosting"): Decimal("300.00"),
    }
    assert set(ClientMonthCost.objects.filter(organization=figures.alpha).values_list("partner", flat=True)) == {
        figures.partner.pk}


def test_a_failed_refresh_keeps_the_last_figures_and_stores_the_error(figures, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("rollup unavailable")

    monkeypatch.setattr("apps.partners.refresh.spend_total", broken)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False), schema_context(figures.alpha.schema_name):
        client_figures_refresh()
    alpha = ClientSnapshot.objects.get(organization=figures.alpha)
    assert alpha.spend_month == Decimal("1800.00") and alpha.refreshed_at == NOW
    assert "rollup unavailable" in alpha.error


def test_the_month_follows_the_organization_time_zone(w):
    """2026-03-31 22:30 UTC is already April 1st in Moscow: April's month to date is empty, March is last month."""
    with schema_context(w.alpha.schema_name):
        _alpha_ledger()
        client_figures_refresh(now=datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
    connection.set_schema_to_public()
    alpha = ClientSnapshot.objects.get(organization=w.alpha)
    assert alpha.month == date(2026, 4, 1)
    assert (alpha.spend_month, alpha.spend_prev_month) == (Decimal("0.00"), Decimal("1800.00"))


# --- API ----------------------------------------------------------------------------------------------------------

def test_api_lists_the_partners_clients_with_money_as_strings(figures, client_for):
    response = client_for(figures.oscar).get(CLIENTS_URL)
    assert response.status_code == 200
    items = {item["slug"]: item for item in response.json()["results"]}
    assert set(items) == {"alpha", "gamma"}
    alpha = items["alpha"]
    assert alpha["id"] == figures.alpha.pk and alpha["name"] == "Alpha LLC" and alpha["currency"] == "RUB"
    assert alpha["spend_month"] == "1800.00" and alpha["spend_prev_month"] == "1500.00"
    assert alpha["billed_month"] == "2950.00" and alpha["vat_month"] == "590.00"
    assert alpha["margin_month"] == "1150.00"
    assert alpha["margin_percent"] == "39.0"  # 1 150 / 2 950 × 100 = 38.98
    assert alpha["potential_savings"] == "0.00"
    assert alpha["budget_status"] == "over" and alpha["runway_days"] == 33 and alpha["open_alerts"] == 1
    assert alpha["sync_health"] == "ok" and alpha["refreshed_at"]
    assert Decimal(alpha["forecast_month"]) >= Decimal("1800.00")
    gamma = items["gamma"]
    assert gamma["margin_month"] == "0.00" and gamma["margin_percent"] == "0.0"


def test_api_another_partners_client_is_never_listed(figures, client_for):
    other = Partner.objects.create(slug="other-msp", name="Other MSP")
    figures.beta.partner = other
    figures.beta.save(update_fields=["partner"])
    ClientSnapshot.objects.create(organization=figures.beta, partner=other, month=date(2026, 3, 1),
                                  spend_month=Decimal("999.00"))
    slugs = [item["slug"] for item in client_for(figures.oscar).get(CLIENTS_URL).json()["results"]]
    assert sorted(slugs) == ["alpha", "gamma"]
    # oscar naming a partner he does not operate: 404, nothing of it
    api_error(client_for(figures.oscar).get(CLIENTS_URL + "?partner=other-msp"), 404, "not_found")


def test_api_is_for_partner_members_only(figures, client_for):
    api_error(client_for(figures.bob).get(CLIENTS_URL), 403, "permission_denied")
    api_error(client_for(figures.alice).post(CLIENTS_URL + "refresh/"), 403, "permission_denied")
    assert client_for(None).get(CLIENTS_URL).status_code in (401, 403)


def test_api_token_auth_and_sorting(figures, token_client):
    response = token_client(figures.oscar).get(CLIENTS_URL + "?sort=-spend")
    assert response.status_code == 200
    assert [item["slug"] for item in response.json()["results"]] == ["alpha", "gamma"]  # 1 800 before 200
    response = token_client(figures.oscar).get(CLIENTS_URL + "?sort=margin")
    assert [item["slug"] for item in response.json()["results"]] == ["gamma", "alpha"]  # 0 before 1 150


def test_api_refresh_queues_one_task_per_client(figures, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(figures.oscar).post(CLIENTS_URL + "refresh/")
    assert response.status_code == 202 and response.json() == {"queued": 2}
    assert len(callbacks) == 2


# --- page ---------------------------------------------------------------------------------------------------------

def _slugs(response) -> list[str]:
    return [r.slug for r in response.context["rows"]]


def test_console_page_shows_figures_and_margins_in_russian(figures, client_for):
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        response = client_for(figures.oscar, HTTP_ACCEPT_LANGUAGE="ru").get("/console/")
    assert response.status_code == 200
    html = response.content.decode()
    assert russian("MSP console") in html and "Маржа" in html and "Выставлено без НДС" in html
    assert "1 150,00 ₽" in html.replace("\xa0", " ")  # alpha's margin
    assert "2 950,00 ₽" in html.replace("\xa0", " ")
    assert 'href="/go/alpha/"' in html  # the hand-off into the client
    assert "Обновлено" in html
    # totals: spend 1 800 + 200 = 2 000; billed 2 950 + 200 = 3 150; margin 1 150
    (total,) = response.context["totals"]
    assert (total.spend_month, total.billed_month, total.margin_month) == (
        Decimal("2000.00"), Decimal("3150.00"), Decimal("1150.00"))
    assert "data-margin-chart" in html
    # tabs of pages not built yet render disabled
    assert "Правила тарификации" in html


def test_console_page_sorts_and_filters(figures, client_for):
    client = client_for(figures.oscar)
    assert _slugs(client.get("/console/")) == ["alpha", "gamma"]  # by name
    assert _slugs(client.get("/console/?sort=spend")) == ["gamma", "alpha"]
    assert _slugs(client.get("/console/?sort=-spend")) == ["alpha", "gamma"]
    assert _slugs(client.get("/console/?sort=-name")) == ["gamma", "alpha"]
    assert _slugs(client.get("/console/?sort=-margin_percent")) == ["alpha", "gamma"]  # 39.0 before 0.0
    assert _slugs(client.get("/console/?sort=nonsense")) == ["alpha", "gamma"]
    assert _slugs(client.get("/console/?q=gam")) == ["gamma"]
    assert _slugs(client.get("/console/?budget_over=1")) == ["alpha"]
    assert _slugs(client.get("/console/?alerts=1")) == ["alpha"]
    assert _slugs(client.get("/console/?sync_errors=1")) == []


def test_console_page_reads_the_public_snapshot_only(figures, client_for):
    client = client_for(figures.oscar)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/console/").status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    # only the public schema is ever set, and no tenant table (costs, budgets, providers ...) is read
    assert all(s == 'SET search_path = "public"' for s in statements if s.upper().startswith("SET SEARCH_PATH"))
    assert not [s for s in statements if '"costs_' in s or '"budgets_' in s or '"providers_' in s]
    assert len(queries.captured_queries) <= 20  # a constant number, whatever the number of clients


def test_console_page_is_for_partner_members_only(figures, client_for):
    assert client_for(figures.bob).get("/console/").status_code == 403
    assert client_for(figures.alice).get("/console/").status_code == 403
    assert client_for(figures.oscar).get("/console/?partner=nope").status_code == 404


def test_console_refresh_button_queues_and_says_so(figures, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(figures.oscar, HTTP_ACCEPT_LANGUAGE="ru").post("/console/refresh/", follow=True)
    assert response.status_code == 200 and len(callbacks) == 2
    assert "Показатели клиентов (2) обновятся в течение минуты." in response.content.decode()


def test_orgs_page_links_to_the_console_and_client_pages_link_back(figures, client_for):
    html = client_for(figures.oscar).get("/orgs/").content.decode()
    assert 'href="/console/"' in html
    html = client_for(figures.oscar, "alpha").get("/").content.decode()
    assert "data-msp-back" in html and "/console/?partner=msp" in html
    html = client_for(figures.alice, "alpha").get("/").content.decode()
    assert "data-msp-back" not in html


def test_a_client_whose_refresh_waits_in_the_queue_is_not_queued_twice(w, django_capture_on_commit_callbacks):
    from apps.partners.tasks import partner_clients_refresh

    with django_capture_on_commit_callbacks(execute=True) as first:
        assert partner_clients_refresh(w.partner) == 2
    assert len(first) == 2  # alpha and gamma queued
    with django_capture_on_commit_callbacks(execute=True) as second:
        assert partner_clients_refresh(w.partner) == 2
    assert second == []  # both wait already


def test_sync_and_import_finished_steps_queue_a_refresh_of_a_client_only(w, django_capture_on_commit_callbacks):
    from apps.partners.tasks import console_import_finished_step, console_sync_finished_step

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with schema_context(w.alpha.schema_name):
            console_sync_finished_step(None)
        with schema_context(w.beta.schema_name):  # no partner: no console row to refresh
            console_import_finished_step(None)
    assert len(callbacks) == 1


def test_a_synchronous_import_of_a_clients_file_queues_its_refresh_too(w, monkeypatch):
    """``manage.py import_focus`` imports without the queue; the console hears of it as of a queued import."""
    from apps.costs.services.imports import focus_file_import
    from apps.partners import tasks
    from tests.costs.conftest import DATA

    queued = []
    monkeypatch.setattr(tasks, "client_figures_enqueue", queued.append)
    with schema_context(w.alpha.schema_name):
        billing_import = focus_file_import(path=str(DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"))
    assert billing_import.status == "success"
    assert queued == [w.alpha.schema_name]
