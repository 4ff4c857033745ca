from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.conftest import GOLDEN, independent_sums
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db


def _load(w, rows):
    with schema_context(w.alpha.schema_name):
        ledger(rows)
        cost_rollups_refresh(start=date(2025, 5, 1), end=date(2025, 5, 31), fetch_missing_rates=False)


def test_the_explorer_page_shows_chart_data_table_and_totals_in_russian_format(w, client_for):
    _load(w, [row(date(2025, 5, 1), "117150"), row(date(2025, 5, 2), "0.5", service="Object Storage")])
    page = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get(
        "/costs/", {"start": "2025-05-01", "end": "2025-05-02", "group_by": "service"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="cx-chart-data"' in html and "vendor/chart.umd.js" in html
    assert "117\u00a0150,00\u00a0₽" in html  # the service row: kopecks even for a whole amount
    assert "0,50\u00a0₽" in html
    assert "117\u00a0150,50\u00a0₽" in html  # the total
    assert "/costs/export/xlsx/?" in html and "group_by=service" in html
    assert 'href="/costs/"' in html  # the sidebar item


def test_the_page_paginates_and_sorts_the_table(w, client_for):
    _load(w, [row(date(2025, 5, 1), str(i + 1), service=f"svc-{i:02d}") for i in range(30)])
    client = client_for(w.alice, "alpha")
    first = client.get("/costs/", {"start": "2025-05-01", "end": "2025-05-02", "sort": "key"}).content.decode()
    assert "<td>svc-00" in first and "<td>svc-29" not in first
    second = client.get("/costs/", {"start": "2025-05-01", "end": "2025-05-02", "sort": "key", "page": 2})
    assert "<td>svc-29" in second.content.decode()


def test_a_missing_rate_shows_a_banner_not_an_error_page(w, client_for):
    _load(w, [row(date(2025, 5, 1), "5", currency="CNY")])
    page = client_for(w.alice, "alpha").get("/costs/", {"start": "2025-05-01", "end": "2025-05-02"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-rates-missing" in html and "data-error-code" not in html
    assert 'data-group-currency="CNY"' in html


def test_an_empty_organization_gets_an_empty_state(w, client_for):
    page = client_for(w.bob, "beta").get("/costs/")
    assert page.status_code == 200 and "cx-chart-data" not in page.content.decode()


def test_a_user_without_membership_cannot_open_the_explorer(w, client_for):
    _load(w, [row(date(2025, 5, 1), "42.42", service="Secret Service")])
    page = client_for(w.charlie, "alpha").get("/costs/", {"start": "2025-05-01", "end": "2025-05-02"})
    assert page.status_code in (302, 403)
    assert "Secret Service" not in page.content.decode()


@pytest.mark.parametrize("path", GOLDEN[:1], ids=lambda p: p.name)
def test_an_imported_focus_file_gives_summary_totals_equal_to_an_independent_csv_sum(w, client_for, path):
    from apps.costs.services.imports import focus_file_import

    with schema_context(w.alpha.schema_name):
        billing_import = focus_file_import(path=str(path))
        assert billing_import.status == "success", billing_import.report[:3]
        start, end = billing_import.period_start, billing_import.period_end
        cost_rollups_refresh(start=start, end=end, fetch_missing_rates=False)
    client = client_for(w.alice, "alpha")
    for metric, column in (("billed", "BilledCost"), ("effective", "EffectiveCost")):
        body = client.get("/api/v1/costs/summary/", {"start": start.isoformat(), "end": end.isoformat(),
                                                     "group_by": "service", "metric": metric,
                                                     "currency": "billing"}).json()
        expected = independent_sums(path, column=column)
        # (The amortized view leaves commitment purchases out; conforming files carry EffectiveCost 0 on them.)
        got = {g["key"]: Decimal(g["total"]) for g in body["groups"]}
        assert {k: v.quantize(Decimal("0.01")) for k, v in got.items() if v} == {
            k: v.quantize(Decimal("0.01")) for k, v in expected.items() if v}
        assert Decimal(body["total"]).quantize(Decimal("0.01")) == sum(expected.values()).quantize(Decimal("0.01"))


def test_parameters_the_api_refuses_show_the_same_error_on_the_page_translated(w, client_for):
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    bad = {"group_by": "colour", "compare": "maybe"}
    api = client.get("/api/v1/costs/timeseries/", bad)
    assert api.status_code == 400
    error = api.json()["error"]
    assert error["code"] == "invalid" and set(error["details"]) == {"group_by", "compare"}
    page = client.get("/costs/", bad)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-error-code="invalid"' in html and error["message"] in html and "cx-chart-data" not in html


def _cbr_rate(day):
    from apps.currency.models import ExchangeRate, RateSource

    ExchangeRate.objects.create(date=day, currency="USD", rate_rub=Decimal("90"), source=RateSource.CBR)


def test_the_explorer_says_the_central_bank_rates_are_stale_after_three_days(w, client_for):
    from datetime import timedelta

    from django.utils import timezone

    newest = timezone.localdate() - timedelta(days=4)
    _cbr_rate(newest - timedelta(days=1))
    _cbr_rate(newest)
    html = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/costs/").content.decode()
    assert "data-rates-stale" in html
    assert f"Курсы ЦБ не обновлялись с {newest:%d.%m.%Y}." in html


def test_the_explorer_has_no_stale_rates_notice_for_fresh_rates_or_original_currencies(w, client_for):
    from datetime import timedelta

    from django.utils import timezone

    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    _cbr_rate(timezone.localdate() - timedelta(days=3))
    assert "data-rates-stale" not in client.get("/costs/").content.decode()
    _cbr_rate(timezone.localdate() - timedelta(days=30))
    from apps.currency.models import ExchangeRate

    ExchangeRate.objects.filter(date__gt=timezone.localdate() - timedelta(days=10)).delete()
    assert "data-rates-stale" in client.get("/costs/").content.decode()
    assert "data-rates-stale" not in client.get("/costs/", {"currency": "billing"}).content.decode()
