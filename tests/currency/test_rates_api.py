"""``GET /api/v1/rates/?date=``: the rate each currency uses on a date, so people and scripts can check a figure.

The values come from the Bank's own XML (the real 08.10.2024 excerpt plus two rows quoted per 100 units, see
tests/fakecloud/samples/cbr/README.md) fetched over HTTP from the fake Bank; the per-unit rates are computed by
hand from ``Value / Nominal``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.currency.models import ExchangeRate, RateSource
from apps.currency.selectors import rate_for
from apps.currency.services import rate_set_manual, rates_fetch_cbr
from tests.fakecloud.cbr import SAMPLE_NOMINAL_100
from tests.utils import api_error

pytestmark = pytest.mark.django_db

RATES = "/api/v1/rates/"
TUESDAY, WEDNESDAY = date(2024, 10, 8), date(2024, 10, 9)


@pytest.fixture
def sample_day(fake_cbr, w):
    fake_cbr.bank.serve_sample(SAMPLE_NOMINAL_100)
    rates_fetch_cbr(day=TUESDAY)


def test_the_rates_of_a_day_come_with_their_nominal_source_and_date(w, client_for, sample_day):
    response = client_for(w.vera, "alpha").get(RATES, {"date": "2024-10-08"})
    assert response.status_code == 200
    # By hand from the XML: AUD 65,7852 / 1; AZN 56,5088 / 1; JPY 64,9412 / 100 = 0,649412; KZT 19,8016 / 100.
    assert response.json() == {"date": "2024-10-08", "rates": [
        {"currency": "AUD", "rate": "65.7852", "nominal": 1, "source": "cbr", "source_date": "2024-10-08"},
        {"currency": "AZN", "rate": "56.5088", "nominal": 1, "source": "cbr", "source_date": "2024-10-08"},
        {"currency": "JPY", "rate": "0.649412", "nominal": 100, "source": "cbr", "source_date": "2024-10-08"},
        {"currency": "KZT", "rate": "0.198016", "nominal": 100, "source": "cbr", "source_date": "2024-10-08"},
    ]}


def test_a_day_without_its_own_rates_uses_the_last_ones_before_it(w, client_for, sample_day):
    body = client_for(w.alice, "alpha").get(RATES, {"date": WEDNESDAY.isoformat()}).json()
    assert body["date"] == "2024-10-09"
    assert {r["currency"]: (r["rate"], r["source_date"]) for r in body["rates"]}["AUD"] == ("65.7852", "2024-10-08")
    assert client_for(w.alice, "alpha").get(RATES, {"date": "2024-10-07"}).json() == {"date": "2024-10-07",
                                                                                      "rates": []}


def test_a_saturday_uses_the_fridays_rate(w, client_for):
    friday, saturday, monday = date(2026, 5, 15), date(2026, 5, 16), date(2026, 5, 18)
    ExchangeRate.objects.create(date=friday, currency="USD", rate_rub=Decimal("80.1234"), source=RateSource.CBR)
    ExchangeRate.objects.create(date=monday, currency="USD", rate_rub=Decimal("81"), source=RateSource.CBR)
    assert rate_for(currency="USD", day=saturday) == Decimal("80.1234")
    body = client_for(w.alice, "alpha").get(RATES, {"date": "2026-05-16"}).json()
    assert body["rates"] == [{"currency": "USD", "rate": "80.1234", "nominal": 1, "source": "cbr",
                              "source_date": "2026-05-15"}]


def test_the_organizations_manual_rate_wins_and_no_other_organization_sees_it(w, client_for, sample_day):
    with schema_context(w.alpha.schema_name):
        rate_set_manual(day=WEDNESDAY, currency="KZT", rate_rub=Decimal("20.5"), nominal=100,
                        schema_name=w.alpha.schema_name)
    alpha = {r["currency"]: r for r in client_for(w.alice, "alpha").get(RATES, {"date": "2024-10-10"}).json()["rates"]}
    # 20,5 RUB per 100 KZT -> 0.205 per tenge.
    assert alpha["KZT"] == {"currency": "KZT", "rate": "0.2050", "nominal": 100, "source": "manual",
                            "source_date": "2024-10-09"}
    beta = {r["currency"]: r for r in client_for(w.bob, "beta").get(RATES, {"date": "2024-10-10"}).json()["rates"]}
    assert beta["KZT"]["source"] == "cbr" and beta["KZT"]["rate"] == "0.198016"


def test_a_date_that_is_not_one_is_refused_in_the_error_shape(w, client_for):
    for value in ("2026-13-01", "06.12.2026", "yesterday"):
        error = api_error(client_for(w.alice, "alpha").get(RATES, {"date": value}), 400, "invalid")
        assert set(error["details"]) == {"date"}


def test_without_a_date_it_answers_for_today_in_moscow(w, client_for, time_machine):
    time_machine.move_to("2026-12-06 22:30:00+00:00", tick=False)  # already 7 December in Moscow
    assert client_for(w.alice, "alpha").get(RATES).json() == {"date": "2026-12-07", "rates": []}


def test_only_members_read_rates(w, client_for):
    assert client_for(w.charlie, "alpha").get(RATES, {"date": "2026-05-16"}).status_code == 403
    assert client_for(None, "alpha").get(RATES, {"date": "2026-05-16"}).status_code == 401


def test_the_schema_documents_the_rates_operation(w, client_for):
    document = client_for(None, "alpha").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = document["paths"]["/api/v1/rates/"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["date"]
    assert {"200", "400"} <= set(operation["responses"])
    output = document["components"]["schemas"]["RatesOutput"]
    assert set(output["properties"]) == {"date", "rates"}
    item = document["components"]["schemas"]["DayRate"]
    assert set(item["properties"]) == {"currency", "rate", "nominal", "source", "source_date"}
