"""budgets_evaluate: a threshold fires once per budget, period, kind and threshold (across re-evaluations and a
"restart"), again in the next period, for the forecast too, and queues one Russian alert per channel.

Spend (conftest): 3 000 ₽ a day from 1 April; on 20 June, June so far is 19 × 3 000 = 57 000 ₽ and the period-end
forecast at the same pace 30 × 3 000 = 90 000 ₽."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from apps.budgets import services
from apps.budgets.models import Budget, BudgetEvent
from apps.notifications.models import Alert
from tests.budgets.conftest import JUNE_20, MSK, daily_rows

NBSP = "\u00a0"


def _events(budget) -> set[tuple]:
    return {(e.period_start, e.kind, e.threshold) for e in BudgetEvent.objects.filter(budget=budget)}


def test_the_step_is_registered_with_the_checks_signature(in_alpha):
    assert "apps.budgets.services.budgets_evaluate" in settings.CHECKS_STEPS
    step = import_string("apps.budgets.services.budgets_evaluate")
    assert step(now=JUNE_20) == {"budgets": 0, "events": 0, "alerts": 0}


def test_a_threshold_fires_once_across_re_evaluations(spend, june, channels, w):
    budget = services.budget_create(actor=w.alice, name="Облако", amount="100000")
    # 57 000 of 100 000 = 57 %: 50 % is crossed, 80 and 100 are not; the forecast (90 %) is under 100 %.
    assert services.budgets_evaluate(now=JUNE_20) == {"budgets": 1, "events": 1, "alerts": 2}
    assert _events(budget) == {(date(2026, 6, 1), "actual", 50)}
    for _ in range(3):
        assert services.budgets_evaluate(now=JUNE_20) == {"budgets": 1, "events": 0, "alerts": 0}
    assert _events(budget) == {(date(2026, 6, 1), "actual", 50)}
    alerts = Alert.objects.filter(subject_type="budget", subject_id=str(budget.pk))
    # One row per channel subscribed to budget alerts (not the anomalies-only channel), one dedup key.
    assert sorted(a.channel.name for a in alerts) == ["Финансы", "Эксплуатация"]
    assert {a.dedup_key for a in alerts} == {f"budget:{budget.pk}:2026-06-01:actual:50"}
    alert = alerts[0]
    assert alert.kind == "budget_actual"
    assert alert.title == "Бюджет «Облако»: израсходовано 50 %"
    assert alert.text == (
        f"Расходы по бюджету «Облако» за период 1 июня 2026 – 30 июня 2026 достигли 57{NBSP}000,00{NBSP}₽ — это "
        f"57,0{NBSP}% от бюджета 100{NBSP}000,00{NBSP}₽ (порог 50 %). Прогноз на конец периода: "
        f"90{NBSP}000,00{NBSP}₽.")
    assert alert.link == f"http://alpha.infrazen.test/budgets/{budget.pk}/"
    event = BudgetEvent.objects.get(budget=budget)
    assert (event.actual, event.forecast) == (Decimal("57000.00"), Decimal("90000.00"))


def test_after_a_restart_a_fired_threshold_stays_fired_and_only_new_ones_fire(spend, june, channels, w,
                                                                              time_machine):
    budget = services.budget_create(actor=w.alice, name="Облако", amount="100000")
    services.budgets_evaluate(now=JUNE_20)
    # A "restart": no state but the database (caches emptied, the budget read anew, the outbox even emptied
    # after delivery); by 28 June June has 27 × 3 000 = 81 000 ₽, so 80 % is crossed now and 50 % not again.
    cache.clear()
    Alert.objects.all().delete()
    daily_rows(date(2026, 6, 20), date(2026, 6, 27), "3000")
    later = datetime(2026, 6, 28, 9, 0, tzinfo=MSK)
    time_machine.move_to(later, tick=False)
    assert services.budgets_evaluate(now=later) == {"budgets": 1, "events": 1, "alerts": 2}
    assert services.budgets_evaluate(now=later) == {"budgets": 1, "events": 0, "alerts": 0}
    assert _events(Budget.objects.get(pk=budget.pk)) == {(date(2026, 6, 1), "actual", 50),
                                                         (date(2026, 6, 1), "actual", 80)}
    assert set(Alert.objects.values_list("dedup_key", flat=True)) == {f"budget:{budget.pk}:2026-06-01:actual:80"}


def test_the_next_period_fires_again(spend, june, channels, w, time_machine):
    budget = services.budget_create(actor=w.alice, name="Облако", amount="100000", channels=[channels["finance"].pk])
    services.budgets_evaluate(now=JUNE_20)
    # July: 3 000 ₽ a day to 19 July = 57 000 ₽ again, 57 % of the July budget.
    daily_rows(date(2026, 6, 20), date(2026, 7, 19), "3000")
    july = datetime(2026, 7, 20, 12, 0, tzinfo=MSK)
    time_machine.move_to(july, tick=False)
    assert services.budgets_evaluate(now=july) == {"budgets": 1, "events": 1, "alerts": 1}
    assert _events(budget) == {(date(2026, 6, 1), "actual", 50), (date(2026, 7, 1), "actual", 50)}
    keys = sorted(Alert.objects.values_list("dedup_key", flat=True))
    assert keys == [f"budget:{budget.pk}:2026-06-01:actual:50", f"budget:{budget.pk}:2026-07-01:actual:50"]


def test_the_forecast_threshold_fires_once_with_its_own_alert(spend, june, channels, w):
    # 90 000 forecast of an 85 000 budget = 105,9 %: the forecast's 100 % fires; actual 57 000 = 67,1 %: 50 % only.
    budget = services.budget_create(actor=w.alice, name="Прод", amount="85000", channels=[channels["ops"].pk])
    assert services.budgets_evaluate(now=JUNE_20) == {"budgets": 1, "events": 2, "alerts": 2}
    assert services.budgets_evaluate(now=JUNE_20)["events"] == 0
    assert _events(budget) == {(date(2026, 6, 1), "actual", 50), (date(2026, 6, 1), "forecast", 100)}
    alert = Alert.objects.get(kind="budget_forecast")
    assert alert.channel == channels["ops"]  # the budget's own channel only
    assert alert.dedup_key == f"budget:{budget.pk}:2026-06-01:forecast:100"
    assert alert.title == "Бюджет «Прод»: прогноз достигает 100 %"
    assert f"составят 90{NBSP}000,00{NBSP}₽" in alert.text
    assert f"105,9{NBSP}% от бюджета 85{NBSP}000,00{NBSP}₽" in alert.text
    assert f"Уже израсходовано: 57{NBSP}000,00{NBSP}₽." in alert.text


def test_a_scope_counts_only_its_costs_and_a_scope_without_costs_fires_nothing(spend, june, channels, w):
    daily_rows(date(2026, 6, 1), date(2026, 6, 19), "1000", provider_name="Selectel", service_name="Servers")
    selectel = services.budget_create(actor=w.alice, name="Selectel", amount="20000", scope={"provider": "Selectel"},
                                      thresholds=[90], forecast_thresholds=[])
    empty = services.budget_create(actor=w.alice, name="Пусто", amount="1", scope={"provider": "AWS"})
    counts = services.budgets_evaluate(now=JUNE_20)
    # Selectel: 19 × 1 000 = 19 000 of 20 000 = 95 %: 90 % fires. AWS has no costs: 0 %, no forecast, nothing.
    assert counts == {"budgets": 2, "events": 1, "alerts": 2}
    assert _events(selectel) == {(date(2026, 6, 1), "actual", 90)}
    assert _events(empty) == set()


def test_quarter_and_year_budgets_use_their_own_period(spend, june, channels, w):
    # Q2 so far: April 30 + May 31 + June 19 days = 80 days × 3 000 = 240 000 ₽; the year's is the same.
    quarter = services.budget_create(actor=w.alice, name="Квартал", amount="300000", period="quarter",
                                     forecast_thresholds=[])
    year = services.budget_create(actor=w.alice, name="Год", amount="480000", period="year", forecast_thresholds=[])
    services.budgets_evaluate(now=JUNE_20)
    assert _events(quarter) == {(date(2026, 4, 1), "actual", 50), (date(2026, 4, 1), "actual", 80)}
    assert _events(year) == {(date(2026, 1, 1), "actual", 50)}


def test_an_allocation_dimension_scope_counts_only_its_allocated_costs(spend, june, channels, w, client_for):
    # Split cost allocation: 2 000 ₽ a day of June allocated to «team-a» (besides the 3 000 ₽ a day unallocated).
    daily_rows(date(2026, 6, 1), date(2026, 6, 19), "2000", allocated_resource_id="team-a",
               allocated_method_id="proportional")
    answer = client_for(w.alice, "alpha").post("/api/v1/budgets/", {
        "name": "Команда A", "amount": "50000", "scope": {"alloc:allocated_resource": "team-a"},
        "forecast_thresholds": []}, content_type="application/json")
    assert answer.status_code == 201, answer.content
    # 19 × 2 000 = 38 000 of 50 000 = 76 %: 50 % fires, 80 % not.
    assert (answer.json()["scope"], answer.json()["actual"], answer.json()["percent_used"]) == (
        {"alloc:allocated_resource": "team-a"}, "38000.00", "76.0")
    budget = Budget.objects.get(pk=answer.json()["id"])
    services.budgets_evaluate(now=JUNE_20)
    assert _events(budget) == {(date(2026, 6, 1), "actual", 50)}
