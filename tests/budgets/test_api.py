"""GET /api/v1/forecasts/ and /api/v1/runway/: the contract, permissions, runway from a connection's account
information with a hand-computed date, tenant isolation. Costs are daily rollup rows (what the selectors read)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from apps.costs.models import CostDaily, CostDailyTag
from apps.providers.models import ProviderConnection
from tests.utils import api_error, russian

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=MSK)  # yesterday = 9 December, the last complete day
YESTERDAY = date(2026, 12, 9)
KEYS = {"currency", "actual_to_date", "forecast", "lower", "upper", "method", "message", "series", "months"}


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def _row(model, day: date, amount, **dims):
    amount = Decimal(amount)
    return model(charge_date=day, billing_currency="RUB", billed_cost=amount, effective_cost=amount,
                 list_cost=amount, billed_cost_org=amount, effective_cost_org=amount, org_currency="RUB",
                 row_count=1, **dims)


@pytest.fixture
def alpha(w):
    """Beget (40 days at 50 ₽, balance 1000 ₽), Selectel (no costs, balance 3000 ₽, 30 days to block), Yandex (no
    balance, 40 days at 100 ₽ of Compute Cloud); a tag env=prod on 10 days at 40 ₽."""
    with schema_context(w.alpha.schema_name):
        beget = ProviderConnection.objects.create(
            provider="beget", name="Бегет", credentials={},
            account_info={"balance": "1000.00", "currency": "RUB", "daily_rate": "80.00", "days_to_block": 12})
        selectel = ProviderConnection.objects.create(
            provider="selectel", name="Селектел", credentials={},
            account_info={"balance": "3000.00", "currency": "RUB", "daily_rate": None, "days_to_block": 30})
        yandex = ProviderConnection.objects.create(provider="yandex", name="Яндекс", credentials={},
                                                   account_info={"balance": None, "currency": "RUB"})
        rows = []
        for i in range(40):
            day = YESTERDAY - timedelta(days=i)
            rows.append(_row(CostDaily, day, 50, connection_id=beget.pk, provider_name="Beget",
                             service_name="Hosting"))
            rows.append(_row(CostDaily, day, 100, connection_id=yandex.pk, provider_name="Yandex Cloud",
                             service_name="Compute Cloud", region_id="ru-central1"))
        CostDaily.objects.bulk_create(rows)
        CostDailyTag.objects.bulk_create([
            _row(CostDailyTag, YESTERDAY - timedelta(days=i), 40, connection_id=yandex.pk, tag_key="env",
                 tag_value="prod", service_name="Compute Cloud") for i in range(10)])
    return {"beget": beget, "selectel": selectel, "yandex": yandex}


def test_the_forecast_of_a_connection_follows_the_contract(w, client_for, alpha, frozen):
    answer = client_for(w.alice, "alpha").get("/api/v1/forecasts/", {"connection": alpha["beget"].pk})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert set(body) == KEYS
    assert body["currency"] == "RUB" and body["method"] == "ets"
    # 1-9 December at 50 ₽ = 450; 22 more days at 50 = 1100; 1550 in all.
    assert body["actual_to_date"] == "450.00"
    assert abs(Decimal(body["forecast"]) - 1550) <= Decimal("15.5")
    assert Decimal(body["lower"]) <= Decimal(body["forecast"]) <= Decimal(body["upper"])
    assert len(body["series"]) == 31
    assert body["series"][0] == {"date": "2026-12-01", "actual": "50.00", "forecast": None, "lower": None,
                                 "upper": None}
    tenth = body["series"][9]
    assert tenth["date"] == "2026-12-10" and tenth["actual"] is None and tenth["forecast"] is not None
    assert [m["month"] for m in body["months"]] == ["2027-01-01", "2027-02-01", "2027-03-01"]
    assert set(body["months"][0]) == {"month", "forecast", "lower", "upper"}


def test_quarter_and_months_parameters(w, client_for, alpha, frozen):
    body = client_for(w.alice, "alpha").get("/api/v1/forecasts/", {"period": "quarter", "months": 1,
                                                                       "provider": "Yandex Cloud"}).json()
    # The quarter is October-December: 92 days; the Yandex costs began on 31 October (40 days to 9 December):
    # 31 October + 30 November days + 9 December days = 40 days × 100 = 4000 so far.
    assert len(body["series"]) == 92
    assert body["actual_to_date"] == "4000.00"
    assert abs(Decimal(body["forecast"]) - 6200) <= 62  # + 22 days × 100
    assert [m["month"] for m in body["months"]] == ["2027-01-01"]


def test_a_short_tag_history_uses_the_run_rate(w, client_for, alpha, frozen):
    body = client_for(w.alice, "alpha").get("/api/v1/forecasts/", {"tag": "env:prod"}).json()
    # 10 days at 40 ₽: 9 of them in December = 360; the run-rate 40 × 22 = 880 ± 440.
    assert body["method"] == "run_rate"
    assert (body["actual_to_date"], body["forecast"], body["lower"], body["upper"]) == (
        "360.00", "1240.00", "800.00", "1680.00")
    assert body["message"] == russian("Only %(days)s days of history (an ETS model needs %(min)s): run-rate of the "
                                      "last %(n)s days, with a wide band (±%(band)s %%).", days=10, min=28, n=7,
                                      band=50)


def test_a_scope_without_costs_says_so_without_numbers(w, client_for, alpha, frozen):
    answer = client_for(w.alice, "alpha").get("/api/v1/forecasts/", {"service": "Object Storage"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["method"] == "none"
    assert (body["actual_to_date"], body["forecast"], body["lower"], body["upper"]) == (None, None, None, None)
    assert body["series"] == []
    assert all(m["forecast"] is None and m["lower"] is None and m["upper"] is None for m in body["months"])
    assert body["message"] == russian("No costs in this scope yet: nothing to forecast from.")
    assert any("а" <= ch <= "я" for ch in body["message"].lower())


@pytest.mark.parametrize("query", [{"period": "year"}, {"months": 0}, {"months": 13}, {"connection": "abc"},
                                   {"tag": ":prod"}])
def test_bad_parameters_are_a_400(w, client_for, alpha, query):
    api_error(client_for(w.alice, "alpha").get("/api/v1/forecasts/", query), 400)


def test_runway_per_connection_with_a_balance(w, client_for, alpha, frozen):
    answer = client_for(w.vera, "alpha").get("/api/v1/runway/")
    assert answer.status_code == 200
    found = {item["connection"]["provider"]: item for item in answer.json()}
    assert set(found) == {"beget", "selectel"}  # Yandex reports no balance
    # Beget: 1000 ₽ at the forecast 50 ₽ a day (not the provider's 80) = 20 days: 10 + 20 = 30 December.
    assert found["beget"] == {
        "connection": {"id": alpha["beget"].pk, "name": "Бегет", "provider": "beget"}, "balance": "1000.00",
        "currency": "RUB", "daily_spend": "50.00", "days_left": "20.0", "date": "2026-12-30", "source": "forecast"}
    # Selectel: no costs in the ledger; 3000 ₽ over the 30 days to block the provider reports = 100 ₽ a day:
    # 30 days, 10 December + 30 = 9 January.
    assert found["selectel"]["daily_spend"] == "100.00"
    assert (found["selectel"]["days_left"], found["selectel"]["date"]) == ("30.0", "2027-01-09")
    assert found["selectel"]["source"] == "provider_days"


def test_runway_of_an_overdrawn_and_an_idle_balance(w, client_for, alpha, frozen):
    with schema_context(w.alpha.schema_name):
        ProviderConnection.objects.filter(pk=alpha["beget"].pk).update(
            account_info={"balance": "-5.00", "currency": "RUB"})
        ProviderConnection.objects.filter(pk=alpha["selectel"].pk).update(
            account_info={"balance": "10.00", "currency": "RUB"})
    found = {i["connection"]["provider"]: i for i in client_for(w.alice, "alpha").get("/api/v1/runway/").json()}
    assert (found["beget"]["days_left"], found["beget"]["date"]) == ("0.0", "2026-12-10")
    # No costs and nothing reported: the daily spend is unknown, no date is made up.
    assert (found["selectel"]["daily_spend"], found["selectel"]["days_left"], found["selectel"]["date"]) == (
        None, None, None)


def test_anonymous_and_outsiders_are_refused(w, client_for, alpha):
    for path in ("/api/v1/forecasts/", "/api/v1/runway/"):
        assert client_for(None, "alpha").get(path).status_code in (401, 403)
        assert client_for(w.charlie, "alpha").get(path).status_code in (403, 404)
        assert client_for(w.vera, "alpha").get(path).status_code == 200


def test_another_organization_sees_none_of_it(w, client_for, alpha, frozen):
    client = client_for(w.bob, "beta")
    body = client.get("/api/v1/forecasts/", {"connection": alpha["beget"].pk}).json()
    assert body["method"] == "none" and body["forecast"] is None
    assert client.get("/api/v1/forecasts/").json()["method"] == "none"
    assert client.get("/api/v1/runway/").json() == []
