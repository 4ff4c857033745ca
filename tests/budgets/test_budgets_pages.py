"""The «Бюджеты» pages: the list with its progress bars, a budget's page (chart data: cumulative actual, the
forecast with its band, the budget; the history per period), the create / edit / delete forms with errors in
Russian, the nav link and the dashboard cards."""

from __future__ import annotations

from datetime import date

import pytest
from django_tenants.utils import schema_context

from apps.budgets import services
from apps.budgets.models import Budget
from tests.budgets.conftest import JUNE_20


@pytest.fixture
def budget(spend, june, w):
    budget = services.budget_create(actor=w.alice, name="Облако", amount="100000")
    services.budgets_evaluate(now=JUNE_20)
    return budget


def test_the_list_shows_each_budget_with_its_bar(budget, w, client_for):
    page = client_for(w.vera, "alpha").get("/budgets/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Бюджеты" in html and 'href="/budgets/"' in html  # the title and the nav link
    assert f'data-budget="{budget.pk}"' in html
    assert "pct-57" in html  # 57 000 of 100 000
    assert "57\u00a0000,00\u00a0₽" in html
    assert "data-budget-new" not in html  # a viewer cannot create


def test_the_budget_page_has_the_chart_and_the_history(budget, w, client_for):
    page = client_for(w.alice, "alpha").get(f"/budgets/{budget.pk}/")
    assert page.status_code == 200
    chart = page.context["chart"]
    assert len(chart["labels"]) == 30  # every day of June
    # Cumulative actual: 3 000 on 1 June ... 57 000 on 19 June; the forecast continues from there to 90 000.
    assert (chart["actual"][0], chart["actual"][18], chart["actual"][19]) == ("3000.00", "57000.00", None)
    assert (chart["forecast"][17], chart["forecast"][18], chart["forecast"][19], chart["forecast"][29]) == (
        None, "57000.00", "60000.00", "90000.00")
    assert (chart["lower"][29], chart["upper"][29], chart["budget"]) == ("90000.00", "90000.00", "100000.00")
    html = page.content.decode()
    assert 'id="budget-chart-data"' in html and "js/budgets.js" in html
    assert 'data-budget-period="2026-06-01"' in html and 'data-budget-event="actual:50"' in html
    assert "Израсходовано 50 %" in html
    assert "data-budget-edit" in html and "data-budget-delete" in html


def test_create_through_the_form_with_errors_in_russian(spend, june, channels, w, client_for):
    alice = client_for(w.alice, "alpha")
    assert alice.get("/budgets/new/").status_code == 200
    bad = alice.post("/budgets/new/", {"name": "Ноль", "amount": "0", "period": "month", "thresholds": "50, 80",
                                       "forecast_thresholds": "100"})
    assert bad.status_code == 400
    assert "Сумма бюджета должна быть больше нуля." in bad.content.decode()
    answer = alice.post("/budgets/new/", {"name": "Яндекс", "amount": "75 000,50", "period": "quarter",
                                          "provider": "Yandex Cloud", "tag_key": "env", "tag_value": "prod",
                                          "thresholds": "90; 50", "forecast_thresholds": "",
                                          "channels": [channels["ops"].pk]})
    with schema_context(w.alpha.schema_name):
        budget = Budget.objects.get(name="Яндекс")
        assert answer.status_code == 302 and answer["Location"] == f"/budgets/{budget.pk}/"
        assert (str(budget.amount), budget.period, budget.thresholds, budget.forecast_thresholds) == (
            "75000.50", "quarter", [50, 90], [])
        assert budget.scope == {"provider": "Yandex Cloud", "tag": {"key": "env", "value": "prod"}}
        assert [c.pk for c in budget.channels.all()] == [channels["ops"].pk]


def test_an_overlap_is_saved_with_a_warning(budget, w, client_for):
    alice = client_for(w.alice, "alpha")
    answer = alice.post("/budgets/new/", {"name": "Второй", "amount": "1000", "period": "month"}, follow=True)
    html = answer.content.decode()
    assert "Бюджет создан." in html
    assert "Область пересекается с другими бюджетами того же периода: «Облако»." in html


def test_edit_and_delete(budget, w, client_for):
    alice = client_for(w.alice, "alpha")
    form = alice.get(f"/budgets/{budget.pk}/edit/")
    assert form.status_code == 200 and 'value="100000.00"' in form.content.decode()
    saved = alice.post(f"/budgets/{budget.pk}/edit/", {"name": "Облако 2", "amount": "120000", "period": "month",
                                                       "thresholds": "50, 80, 100", "forecast_thresholds": "100"})
    assert saved.status_code == 302
    with schema_context(w.alpha.schema_name):
        budget.refresh_from_db()
        assert (budget.name, str(budget.amount)) == ("Облако 2", "120000.00")
        assert budget.events.filter(period_start=date(2026, 6, 1), threshold=50).exists()  # history stays
    assert alice.post(f"/budgets/{budget.pk}/delete/").status_code == 302
    with schema_context(w.alpha.schema_name):
        assert not Budget.objects.exists()


def test_a_viewer_cannot_change_budgets(budget, w, client_for):
    vera = client_for(w.vera, "alpha")
    assert vera.get("/budgets/new/").status_code == 403
    assert vera.post(f"/budgets/{budget.pk}/delete/").status_code == 403
    assert vera.get(f"/budgets/{budget.pk}/edit/").status_code == 403
    assert "data-budget-edit" not in vera.get(f"/budgets/{budget.pk}/").content.decode()


def test_another_organization_sees_no_budget(budget, w, client_for):
    assert client_for(w.bob, "beta").get(f"/budgets/{budget.pk}/").status_code == 404


def test_the_dashboard_shows_the_top_three_budgets(budget, w, client_for):
    for name, amount in (("Малый", "60000"), ("Средний", "80000"), ("Большой", "1000000")):
        services.budget_create(actor=w.alice, name=name, amount=amount,
                               scope={"provider": "Yandex Cloud"} if name == "Малый" else {})
    page = client_for(w.alice, "alpha").get("/")
    assert page.status_code == 200
    # Most used first: «Малый» 57 000 / 60 000 = 95 % (forecast 150 %), «Средний» 71,3 % (forecast 112,5 %),
    # «Облако» 57 % (forecast 90 %); «Большой» 5,7 % is left out.
    assert [s.budget.name for s in page.context["budgets"]] == ["Малый", "Средний", "Облако"]
    html = page.content.decode()
    assert "data-dash-budgets" in html and "pct-95" in html and "Большой" not in html
