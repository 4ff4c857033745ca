"""Budget CRUD through the services: defaults, validation in Russian, overlapping scopes as a warning, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.audit.models import AuditEvent
from apps.budgets import selectors, services
from apps.budgets.models import Budget
from apps.common.errors import ApplicationError


def test_create_with_defaults_and_audit(in_alpha, w):
    budget = services.budget_create(actor=w.alice, name=" Облако ", amount="150000.50")
    budget.refresh_from_db()
    assert (budget.name, budget.amount, budget.period, budget.scope) == ("Облако", Decimal("150000.50"), "month", {})
    assert (budget.thresholds, budget.forecast_thresholds, list(budget.channels.all())) == ([50, 80, 100], [100], [])
    assert budget.created_by_id == w.alice.pk
    assert AuditEvent.objects.filter(action="budget.created", actor_id=w.alice.pk).count() == 1


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"amount": "0"}, "amount", "Сумма бюджета должна быть больше нуля."),
    ({"amount": "-100"}, "amount", "Сумма бюджета должна быть больше нуля."),
    ({"amount": "много"}, "amount", "Укажите сумму бюджета числом."),
    ({"amount": "10.005"}, "amount", "В сумме бюджета не больше двух знаков после запятой и 15 цифр до неё."),
    ({"name": "  "}, "name", "Укажите название бюджета."),
    ({"period": "week"}, "period", "Период — месяц, квартал или год."),
    ({"thresholds": [0, 50]}, "thresholds", "Порог — целое число процентов от 1 до 1000."),
    ({"forecast_thresholds": ["abc"]}, "forecast_thresholds", "Пороги — это список процентов, например 50, 80, 100."),
    ({"scope": {"project": "x"}}, "scope",
     "Неизвестные ключи области: project. Допустимы: provider, connection, service, region, tag, "
     "alloc:allocation_method, alloc:allocated_resource."),
    ({"scope": {"tag": "env"}}, "scope", "tag в области — объект {key, value}."),
    ({"channels": [999999]}, "channels", "Нет таких каналов уведомлений: 999999."),
])
def test_bad_input_is_refused_in_russian(in_alpha, w, values, field, message):
    args = {"name": "Облако", "amount": "1000", **values}
    with pytest.raises(ApplicationError) as caught:
        services.budget_create(actor=w.alice, **args)
    assert caught.value.message == message
    assert caught.value.extra["fields"] == {field: message}
    assert not Budget.objects.exists()


def test_update_validates_too_and_keeps_the_budget(in_alpha, w):
    budget = services.budget_create(actor=w.alice, name="Облако", amount="1000")
    with pytest.raises(ApplicationError, match="больше нуля"):
        services.budget_update(budget=budget, actor=w.alice, amount="0")
    assert Budget.objects.get(pk=budget.pk).amount == Decimal("1000.00")
    services.budget_update(budget=budget, actor=w.alice, amount="2000", thresholds=[100, 90, 90])
    budget.refresh_from_db()
    assert (budget.amount, budget.thresholds) == (Decimal("2000.00"), [90, 100])


def test_overlapping_scopes_of_one_period_are_allowed_with_a_warning(in_alpha, w):
    whole = services.budget_create(actor=w.alice, name="Всё", amount="1000")
    yandex = services.budget_create(actor=w.alice, name="Яндекс", amount="500", scope={"provider": "Yandex Cloud"})
    selectel = services.budget_create(actor=w.alice, name="Selectel", amount="500", scope={"provider": "Selectel"})
    yearly = services.budget_create(actor=w.alice, name="Год", amount="9000", period="year")
    assert selectors.budget_warnings(budget=yandex) == [
        "Область пересекается с другими бюджетами того же периода: «Всё». Общие расходы учитываются в каждом из них."]
    # The whole organization overlaps both providers; the two providers do not overlap; another period never does.
    assert [b.name for b in selectors.budget_overlaps(scope=whole.scope, period="month", exclude_pk=whole.pk)] == [
        "Selectel", "Яндекс"]
    assert [b.name for b in selectors.budget_overlaps(scope=selectel.scope, period="month",
                                                      exclude_pk=selectel.pk)] == ["Всё"]
    assert selectors.budget_warnings(budget=yearly) == []


def test_tags_overlap_unless_one_key_has_two_values():
    prod, dev = {"tag": {"key": "env", "value": "prod"}}, {"tag": {"key": "env", "value": "dev"}}
    assert not selectors.scopes_overlap(prod, dev)
    assert selectors.scopes_overlap(prod, {"tag": {"key": "env", "value": None}})
    assert selectors.scopes_overlap(prod, {"tag": {"key": "team", "value": "a"}})
    assert not selectors.scopes_overlap({"connection": 1}, {"connection": 2})


def test_delete_removes_the_budget_and_its_events(in_alpha, w):
    budget = services.budget_create(actor=w.alice, name="Облако", amount="1000")
    services.budget_delete(budget=budget, actor=w.alice)
    assert not Budget.objects.exists()
    assert AuditEvent.objects.filter(action="budget.deleted").count() == 1


def test_the_forecast_is_kept_until_the_costs_change_while_the_actual_is_live(spend, june, w, settings):
    from datetime import date as day

    from django.core.cache import cache

    from apps.common.cache import organization_data_changed
    from tests.budgets.conftest import daily_rows

    settings.ORGANIZATION_CACHE_SECONDS = 900
    cache.clear()
    budget = services.budget_create(actor=w.alice, name="Облако", amount="100000")
    first = selectors.budget_status(budget=budget)
    assert (first.actual, first.forecast.forecast) == (Decimal("57000.00"), Decimal("90000.00"))
    # 1 000 ₽ more on 19 June, written without a new data version: the actual sees it, the cached forecast not.
    daily_rows(day(2026, 6, 19), day(2026, 6, 19), "1000")
    second = selectors.budget_status(budget=budget)
    assert (second.actual, second.forecast.forecast) == (Decimal("58000.00"), Decimal("90000.00"))
    organization_data_changed()  # what a sync or an import does
    third = selectors.budget_status(budget=budget)
    assert third.forecast.forecast != Decimal("90000.00")
    assert third.forecast.actual_to_date == Decimal("58000.00")
