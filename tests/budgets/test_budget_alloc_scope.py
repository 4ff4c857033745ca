"""A budget scoped to an allocation dimension value (``alloc:<dimension key>: <value>``): it counts only the cost
allocated that value, through the API and the form; an unknown dimension is refused in Russian."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import Rule
from apps.allocation.services import definitions_changed
from apps.budgets import services
from apps.budgets.models import Budget
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row
from tests.utils import api_error

pytestmark = pytest.mark.django_db
JUNE_1, JUNE_19 = date(2026, 6, 1), date(2026, 6, 19)


def _named(day, billed, name):
    record = row(day, billed, resource=name)
    record.resource_name = name
    return record


@pytest.fixture
def shop_and_crm(june, w):
    """1 June .. 19 June 2026 (yesterday): shop-web 1 000 ₽ a day, crm-db 500 ₽, legacy-box 300 ₽ (no business
    unit). Shop's June so far: 19 × 1 000 = 19 000 ₽ (of 34 200 ₽ in all); at that pace June ends at 30 000 ₽."""
    with schema_context(w.alpha.schema_name):
        rows, day = [], JUNE_1
        while day <= JUNE_19:
            rows += [_named(day, "1000", "shop-web"), _named(day, "500", "crm-db"), _named(day, "300", "legacy-box")]
            day += timedelta(days=1)
        ledger(rows)
        Rule.objects.create(order=1, name="shop", conditions=[{"field": "name", "op": "regex", "value": "^shop-"}],
                            actions={"business_unit": "shop"})
        Rule.objects.create(order=2, name="crm", conditions=[{"field": "name", "op": "regex", "value": "^crm-"}],
                            actions={"business_unit": "crm"})
        definitions_changed()
        cost_rollups_refresh(start=JUNE_1, end=JUNE_19, fetch_missing_rates=False)
    return w


def test_a_budget_scoped_to_a_business_unit_sees_only_its_roubles(shop_and_crm, client_for):
    w = shop_and_crm
    answer = client_for(w.fiona, "alpha").post(
        "/api/v1/budgets/", {"name": "Магазин", "amount": "40000", "scope": {"alloc:business_unit": "shop"}},
        content_type="application/json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["scope"] == {"alloc:business_unit": "shop"}
    # 19 000 of 40 000 = 47.5 %; forecast 30 × 1 000
    assert (body["actual"], body["percent_used"], body["forecast"]) == ("19000.00", "47.5", "30000.00")

    crm = client_for(w.alice, "alpha").post(
        "/api/v1/budgets/", {"name": "CRM", "amount": "10000", "period": "quarter",
                             "scope": {"alloc:business_unit": "crm", "provider": "Yandex Cloud"}},
        content_type="application/json").json()
    assert (crm["actual"], crm["scope"]) == (
        "9500.00", {"provider": "Yandex Cloud", "alloc:business_unit": "crm"})  # 19 × 500


def test_an_unknown_dimension_is_refused_in_russian(shop_and_crm, client_for):
    w = shop_and_crm
    answer = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").post(
        "/api/v1/budgets/", {"name": "Цвет", "amount": "1000", "scope": {"alloc:colour": "red"}},
        content_type="application/json")
    error = api_error(answer, 400, "invalid")
    assert error["message"] == "Неизвестные измерения распределения в области: alloc:colour."
    with schema_context(w.alpha.schema_name):
        assert not Budget.objects.filter(name="Цвет").exists()
        with pytest.raises(Exception, match="alloc:colour"):
            services.budget_create(actor=w.alice, name="Цвет", amount="1000", scope={"alloc:colour": ""})


def test_the_form_chooses_a_dimension_and_a_value_and_the_page_names_them(shop_and_crm, client_for):
    w = shop_and_crm
    alice = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    form = alice.get("/budgets/new/").content.decode()
    assert 'name="alloc_dimension"' in form and '<option value="business_unit">Бизнес-направление</option>' in form
    missing = alice.post("/budgets/new/", {"name": "Магазин", "amount": "40000", "period": "month",
                                           "alloc_dimension": "business_unit", "alloc_value": ""})
    assert missing.status_code == 400
    assert "Укажите значение измерения распределения." in missing.content.decode()
    answer = alice.post("/budgets/new/", {"name": "Магазин", "amount": "40000", "period": "month",
                                          "alloc_dimension": "business_unit", "alloc_value": "shop",
                                          "thresholds": "80", "forecast_thresholds": "100"})
    with schema_context(w.alpha.schema_name):
        budget = Budget.objects.get(name="Магазин")
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert budget.scope == {"alloc:business_unit": "shop"}
    detail = alice.get(f"/budgets/{budget.pk}/")
    assert ("Бизнес-направление", "shop") in detail.context["scope_parts"]
    assert "19\u00a0000,00\u00a0₽" in detail.content.decode()
    edit = alice.get(f"/budgets/{budget.pk}/edit/")
    assert edit.context["form"].initial["alloc_dimension"] == "business_unit"
    assert edit.context["form"].initial["alloc_value"] == "shop"


def test_budgets_of_different_values_of_a_dimension_do_not_overlap(shop_and_crm):
    w = shop_and_crm
    with schema_context(w.alpha.schema_name):
        services.budget_create(actor=w.alice, name="Магазин", amount="40000", scope={"alloc:business_unit": "shop"})
        crm = services.budget_create(actor=w.alice, name="CRM", amount="20000", scope={"alloc:business_unit": "crm"})
        from apps.budgets.selectors import budget_warnings

        assert budget_warnings(budget=crm) == []
        whole = services.budget_create(actor=w.alice, name="Всё", amount="90000")
        assert budget_warnings(budget=whole) != []


def test_a_viewer_cannot_create_a_scoped_budget(shop_and_crm, client_for):
    answer = client_for(shop_and_crm.vera, "alpha").post(
        "/api/v1/budgets/", {"name": "Магазин", "amount": "40000", "scope": {"alloc:business_unit": "shop"}},
        content_type="application/json")
    assert answer.status_code == 403


def test_the_forecast_api_reads_a_dimension_value(shop_and_crm, client_for):
    client = client_for(shop_and_crm.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    shop = client.get("/api/v1/forecasts/?alloc:business_unit=shop")
    assert shop.status_code == 200, shop.content
    assert (shop.json()["actual_to_date"], shop.json()["forecast"]) == ("19000.00", "30000.00")
    unallocated = client.get("/api/v1/forecasts/?alloc:business_unit=").json()  # legacy-box: 19 × 300
    assert unallocated["actual_to_date"] == "5700.00"
    error = api_error(client.get("/api/v1/forecasts/?alloc:colour=red"), 400, "invalid")
    assert "Неизвестное измерение распределения." in str(error)
