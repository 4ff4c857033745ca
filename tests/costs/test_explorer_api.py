from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from apps.costs.services.rollups import cost_rollups_refresh
from apps.currency.models import ExchangeRate, RateSource
from apps.currency.services import rate_set_manual
from tests.costs.explorer_data import ledger, row
from tests.utils import russian

pytestmark = pytest.mark.django_db

D1, D2, D3, D4 = date(2025, 5, 1), date(2025, 5, 2), date(2025, 5, 3), date(2025, 5, 4)
SUMMARY = "/api/v1/costs/summary/"


def _load(w, rows, start=date(2025, 4, 1), end=date(2025, 5, 31), schema=None):
    with schema_context(schema or w.alpha.schema_name):
        ledger(rows)
        cost_rollups_refresh(start=start, end=end, fetch_missing_rates=False)


def _summary(client, **params):
    response = client.get(SUMMARY, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def mixed(w):
    """Three services over four days, one without a ServiceName, one row in USD."""
    ExchangeRate.objects.create(date=D1, currency="USD", rate_rub=Decimal("90.1234"), source=RateSource.CBR)
    rows = [
        row(D1, "100.005", effective="90.005"), row(D2, "0.0049"), row(D3, "12.34"),
        row(D1, "50.10", service="Object Storage", region="ru-central1-b"),
        row(D4, "7.77", service="Object Storage"),
        row(D2, "3.21", service=""),
        row(D3, "2", currency="USD", service="Compute Cloud"),
        row(date(2025, 4, 30), "1000"),  # outside the range
    ]
    _load(w, rows)
    return rows


def test_summary_totals_equal_an_independent_sum_per_service_and_overall(w, client_for, mixed):
    body = _summary(client_for(w.alice, "alpha"), start="2025-05-01", end="2025-05-04", group_by="service",
                    metric="billed")
    inside = [r for r in mixed if D1 <= r.charge_date <= D4]
    expected: dict[str, Decimal] = {}
    for r in inside:
        rub = r.billed_cost * (Decimal("90.1234") if r.billing_currency == "USD" else 1)
        expected[r.service_name] = expected.get(r.service_name, Decimal(0)) + rub
    assert body["currency"] == "RUB"
    assert {g["key"]: Decimal(g["total"]) for g in body["groups"]} == expected
    assert Decimal(body["total"]) == sum(expected.values())
    assert all(g["currency"] == "RUB" for g in body["groups"])
    assert Decimal(body["total"]).quantize(Decimal("0.01")) == Decimal("353.68")


def test_effective_metric_sums_effective_cost(w, client_for, mixed):
    body = _summary(client_for(w.alice, "alpha"), start="2025-05-01", end="2025-05-01", metric="effective")
    assert {g["key"]: g["total"] for g in body["groups"]} == {"Compute Cloud": "90.005", "Object Storage": "50.10"}


def test_rows_without_a_service_name_group_under_an_empty_key(w, client_for, mixed):
    body = _summary(client_for(w.alice, "alpha"), start="2025-05-02", end="2025-05-02")
    assert {g["key"]: g["total"] for g in body["groups"]} == {"": "3.21", "Compute Cloud": "0.0049"}


def test_start_and_end_are_both_inclusive(w, client_for, mixed):
    body = _summary(client_for(w.alice, "alpha"), start="2025-05-04", end="2025-05-04")
    assert body["total"] == "7.77"
    body = _summary(client_for(w.alice, "alpha"), start="2025-04-30", end="2025-05-01")
    assert Decimal(body["total"]) == Decimal("1000") + Decimal("100.005") + Decimal("50.10")


def test_billing_currency_mode_gives_one_group_per_key_and_currency_unconverted(w, client_for, mixed):
    body = _summary(client_for(w.alice, "alpha"), start="2025-05-01", end="2025-05-04", currency="billing")
    groups = {(g["key"], g["currency"]): g["total"] for g in body["groups"]}
    assert groups[("Compute Cloud", "USD")] == "2.00"
    assert Decimal(groups[("Compute Cloud", "RUB")]) == Decimal("100.005") + Decimal("0.0049") + Decimal("12.34")
    assert body["currency"] is None and body["total"] is None
    assert {t["currency"] for t in body["totals"]} == {"RUB", "USD"}


def test_conversion_uses_the_charge_dates_rate_and_a_manual_rate_wins(w, client_for):
    ExchangeRate.objects.create(date=D1, currency="EUR", rate_rub=Decimal("100"), source=RateSource.CBR)
    ExchangeRate.objects.create(date=D3, currency="EUR", rate_rub=Decimal("110"), source=RateSource.CBR)
    rate_set_manual(day=D3, currency="EUR", rate_rub=Decimal("120"))
    _load(w, [row(D2, "1", currency="EUR"), row(D3, "1", currency="EUR")])
    body = _summary(client_for(w.alice, "alpha"), start="2025-05-01", end="2025-05-04")
    assert Decimal(body["total"]) == Decimal("220")  # D2 takes D1's 100, D3 the manual 120


def test_a_missing_rate_keeps_the_amount_in_its_billing_currency_with_a_warning(w, client_for):
    _load(w, [row(D2, "5", currency="CNY")])
    response = client_for(w.alice, "alpha").get(SUMMARY, {"start": "2025-05-01", "end": "2025-05-04"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == "0.00" and body["groups"] == [{"key": "Compute Cloud", "currency": "CNY", "total": "5.00"}]
    assert [(x["code"], x["currency"], x["date"]) for x in body["warnings"]] == [
        ("exchange_rate_missing", "CNY", "2025-05-02")]
    ok = client_for(w.alice, "alpha").get(SUMMARY, {"start": "2025-05-01", "end": "2025-05-04",
                                                    "currency": "billing"})
    assert ok.json()["total"] == "5.00"


def test_a_tag_filter_reads_the_ledger_and_converts_the_same_way(w, client_for):
    ExchangeRate.objects.create(date=D1, currency="USD", rate_rub=Decimal("90"), source=RateSource.CBR)
    _load(w, [row(D1, "10", tags={"env": "prod", "team": "a"}), row(D1, "1", currency="USD", tags={"env": "prod"}),
              row(D1, "5", tags={"env": "dev"}), row(D2, "7")])
    client = client_for(w.alice, "alpha")
    body = _summary(client, start="2025-05-01", end="2025-05-02", tag="env:prod")
    assert Decimal(body["total"]) == Decimal("100")
    body = _summary(client, start="2025-05-01", end="2025-05-02", tag="team")
    assert Decimal(body["total"]) == Decimal("10")
    body = _summary(client, start="2025-05-01", end="2025-05-02", group_by="tag:env")
    assert {g["key"]: Decimal(g["total"]) for g in body["groups"]} == {"prod": 100, "dev": 5, "": 7}


def test_dimension_filters_narrow_the_summary(w, client_for, mixed):
    body = _summary(client_for(w.alice, "alpha"), start="2025-05-01", end="2025-05-04", group_by="region",
                    service="Object Storage")
    assert {g["key"]: g["total"] for g in body["groups"]} == {"ru-central1-b": "50.10", "ru-central1": "7.77"}


def test_unknown_grouping_is_a_validation_error(w, client_for):
    response = client_for(w.alice, "alpha").get(SUMMARY, {"group_by": "colour"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_end_before_start_is_a_validation_error(w, client_for):
    response = client_for(w.alice, "alpha").get(SUMMARY, {"start": "2025-05-04", "end": "2025-05-01"})
    assert response.status_code == 400


def test_timeseries_compares_with_the_previous_period_of_the_same_length(w, client_for):
    _load(w, [row(D1, "10"), row(D2, "20"), row(D3, "30"), row(D4, "40"),
              row(D1 - timedelta(days=1), "15"), row(D1 - timedelta(days=2), "5"),
              row(D1 - timedelta(days=3), "5"), row(D1 - timedelta(days=4), "5"),
              row(D1 - timedelta(days=5), "999")])
    body = client_for(w.alice, "alpha").get("/api/v1/costs/timeseries/", {
        "start": "2025-05-01", "end": "2025-05-04", "granularity": "day"}).json()
    assert body["periods"] == ["2025-05-01", "2025-05-02", "2025-05-03", "2025-05-04"]
    assert body["series"][0]["values"] == ["10.00", "20.00", "30.00", "40.00"]
    assert body["previous"] == {"start": "2025-04-27", "end": "2025-04-30", "total": "30.00",
                                "delta": "70.00", "delta_pct": "233.33", "comparable": True, "days": 4,
                                "days_with_data": 4, "current_days_with_data": 4}
    (group,) = body["groups"]
    assert (group["total"], group["previous"], group["delta"]) == ("100.00", "30.00", "70.00")


def test_timeseries_buckets_by_week_and_month(w, client_for):
    _load(w, [row(date(2025, 4, 28), "1"), row(D4, "2"), row(date(2025, 5, 5), "4")])
    client = client_for(w.alice, "alpha")
    weeks = client.get("/api/v1/costs/timeseries/", {"start": "2025-04-28", "end": "2025-05-05",
                                                     "granularity": "week", "compare": "false"}).json()
    assert weeks["periods"] == ["2025-04-28", "2025-05-05"]
    assert weeks["series"][0]["values"] == ["3.00", "4.00"]
    months = client.get("/api/v1/costs/timeseries/", {"start": "2025-04-28", "end": "2025-05-05",
                                                      "granularity": "month"}).json()
    assert months["periods"] == ["2025-04-01", "2025-05-01"]
    assert months["series"][0]["values"] == ["1.00", "6.00"]


def test_period_presets_resolve_to_inclusive_ranges(w, client_for):
    from apps.costs.selectors.explorer import period_resolve

    today = date(2025, 5, 15)
    assert period_resolve(preset="7d", today=today) == (date(2025, 5, 9), today)
    assert period_resolve(preset="this_month", today=today) == (date(2025, 5, 1), today)
    assert period_resolve(preset="last_month", today=today) == (date(2025, 4, 1), date(2025, 4, 30))
    assert period_resolve(preset="365d", today=today)[0] == date(2024, 5, 16)


def test_csv_and_xlsx_exports_contain_the_same_totals(w, client_for, mixed):
    client = client_for(w.alice, "alpha")
    params = {"start": "2025-05-01", "end": "2025-05-04", "group_by": "service", "granularity": "day"}
    summary = _summary(client, **params)
    csv_response = client.get("/api/v1/costs/export/csv/", params)
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    total_col = table[0].index(russian("Total"))  # headers follow the UI language (Russian by default)
    csv_groups = {r[1]: Decimal(r[total_col]) for r in table[1:-1]}
    assert csv_groups == {g["key"]: Decimal(g["total"]) for g in summary["groups"]}
    assert Decimal(table[-1][total_col]) == Decimal(summary["total"])
    xlsx = client.get("/api/v1/costs/export/xlsx/", params)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    xlsx_groups = {r[1] or "": Decimal(str(r[total_col])) for r in rows[1:-1]}
    assert xlsx_groups == csv_groups
    assert Decimal(str(rows[-1][total_col])) == Decimal(summary["total"])
    assert client.get("/api/v1/costs/export/pdf/", params).status_code == 404


def test_another_organization_sees_none_of_alphas_costs(w, client_for, mixed):
    body = _summary(client_for(w.bob, "beta"), start="2025-05-01", end="2025-05-04")
    assert body == {"currency": "RUB", "total": "0.00", "groups": [], "totals": [], "warnings": []}


def test_a_viewer_can_read_costs(w, client_for, mixed):
    assert client_for(w.vera, "alpha").get(SUMMARY, {"start": "2025-05-01", "end": "2025-05-04"}).status_code == 200
    assert client_for(w.oscar, "alpha").get(SUMMARY, {"period": "30d"}).status_code == 200


@pytest.mark.parametrize("who", ["charlie", "bob"])
def test_nobody_without_membership_can_read_costs(w, client_for, mixed, who):
    response = client_for(getattr(w, who), "alpha").get(SUMMARY, {"start": "2025-05-01", "end": "2025-05-04"})
    assert response.status_code == 403
    assert "Compute" not in response.content.decode()


def test_anonymous_gets_401_from_the_api(w, client_for):
    assert client_for(None, "alpha").get(SUMMARY).status_code == 401


def test_token_clients_read_the_summary_too(w, token_client, mixed):
    response = token_client(w.fiona, "alpha").get(SUMMARY, {"start": "2025-05-01", "end": "2025-05-04"})
    assert response.status_code == 200 and Decimal(response.json()["total"]) > 0
