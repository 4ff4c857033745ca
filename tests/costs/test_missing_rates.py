"""A billing file in a currency without an exchange rate never breaks the explorer (issue 9, point 3).

The amounts without a rate stay in their billing currency (a group of their own, with its currency), the
totals in the organization's currency sum only the converted ones, and a warning names each currency and its
days in Russian dates; the page shows them under a banner that links the organization's administrators and
finance users to the rate form. Expected figures are computed by hand or straight from the file with csv.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.costs.services.rollups import cost_rollups_refresh
from apps.currency.exceptions import RateMissing
from apps.currency.models import ExchangeRate, RateSource
from apps.currency.selectors import rate_for
from tests.costs.conftest import GOLDEN, independent_sums
from tests.costs.explorer_data import ledger, row
from tests.currency.conftest import fake_cbr  # noqa: F401,F811 -- the fake Central Bank server fixture

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/costs/summary/"
TIMESERIES = "/api/v1/costs/timeseries/"
D1, D2, D3, D4 = date(2025, 5, 1), date(2025, 5, 2), date(2025, 5, 3), date(2025, 5, 4)
AWS = next(p for p in GOLDEN if p.name.startswith("aws_"))  # 100 rows in USD, charge dates 01.05-27.05.2026


def _load(w, rows, start=date(2025, 4, 1), end=date(2025, 5, 31)):
    with schema_context(w.alpha.schema_name):
        ledger(rows)
        cost_rollups_refresh(start=start, end=end, fetch_missing_rates=False)


def _cbr(day, currency, rate):
    ExchangeRate.objects.create(date=day, currency=currency, rate_rub=Decimal(rate), source=RateSource.CBR)


def _import_aws(w):
    from apps.costs.services.imports import focus_file_import

    with schema_context(w.alpha.schema_name):
        billing_import = focus_file_import(path=str(AWS))
        assert billing_import.status == "success", billing_import.report[:3]
        cost_rollups_refresh(start=billing_import.period_start, end=billing_import.period_end,
                             fetch_missing_rates=False)


@pytest.fixture
def no_background(monkeypatch):
    """What the pages queue (the Bank fetch of the missing days), recorded instead of sent."""
    queued = []
    monkeypatch.setattr("apps.costs.services.rates.enqueue_in_tenant",
                        lambda schema, func, *args, **kwargs: queued.append((schema, func, *args)))
    return queued


# --- the API ---------------------------------------------------------------------------------------


def test_the_summary_answers_200_with_unconverted_groups_in_their_currency_and_a_warning(w, client_for):
    _cbr(D1, "USD", "90")
    _load(w, [row(D1, "100"), row(D2, "2", currency="USD"), row(D2, "5", currency="CNY"),
              row(D4, "1.5", currency="CNY", service="Object Storage")])
    response = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get(
        SUMMARY, {"start": "2025-05-01", "end": "2025-05-04", "group_by": "service"})
    assert response.status_code == 200, response.content
    body = response.json()
    # By hand: 100 RUB + 2 USD x 90 (D2 takes D1's rate) = 280 RUB; the CNY amounts have no rate at all.
    assert body["currency"] == "RUB" and body["total"] == "280.00"
    assert sorted((g["key"], g["currency"], g["total"]) for g in body["groups"]) == [
        ("Compute Cloud", "CNY", "5.00"), ("Compute Cloud", "RUB", "280.00"), ("Object Storage", "CNY", "1.50")]
    assert body["totals"] == [{"currency": "CNY", "total": "6.50"}, {"currency": "RUB", "total": "280.00"}]
    (warning,) = body["warnings"]
    assert {k: warning[k] for k in ("code", "currency", "date", "dates")} == {
        "code": "exchange_rate_missing", "currency": "CNY", "date": "2025-05-02",
        "dates": ["2025-05-02", "2025-05-04"]}
    assert warning["message"] == ("Нет курса CNY за 2 дня с 02.05.2025 по 04.05.2025: "
                                  "эти суммы показаны в валюте счёта.")


def test_one_missing_day_is_named_with_a_russian_date_never_iso(w, client_for):
    _load(w, [row(D3, "7", currency="USD")])
    body = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get(
        SUMMARY, {"start": "2025-05-01", "end": "2025-05-04"}).json()
    (warning,) = body["warnings"]
    assert warning["message"] == "Нет курса USD на 03.05.2025: эти суммы показаны в валюте счёта."
    assert not re.search(r"\d{4}-\d{2}-\d{2}", warning["message"])


def test_a_whole_month_with_days_before_the_first_rate_converts_the_days_that_have_one(w, client_for):
    """A whole month is read from the monthly rollup, whose total cannot tell its days apart: the days with a
    rate are still converted, only the others stay in dollars."""
    _cbr(D3, "USD", "80")
    _load(w, [row(D1, "1", currency="USD"), row(D2, "2", currency="USD"), row(D3, "4", currency="USD"),
              row(date(2025, 5, 31), "8", currency="USD"), row(D1, "1000")])
    body = client_for(w.alice, "alpha").get(SUMMARY, {"start": "2025-05-01", "end": "2025-05-31"}).json()
    # By hand: D3 and 31.05 at 80 -> (4 + 8) x 80 = 960, plus 1000 RUB; D1 and D2 (1 + 2 USD) have no rate.
    assert body["total"] == "1960.00"
    assert {(g["currency"], g["total"]) for g in body["groups"]} == {("RUB", "1960.00"), ("USD", "3.00")}
    assert body["warnings"][0]["dates"] == ["2025-05-01", "2025-05-02"]


def test_the_timeseries_keeps_each_groups_currency_and_warns_about_both_periods(w, client_for):
    _load(w, [row(date(2025, 4, 29), "3", currency="CNY"), row(D1, "10"), row(D2, "4", currency="CNY")])
    body = client_for(w.alice, "alpha").get(TIMESERIES, {"start": "2025-05-01", "end": "2025-05-04",
                                                         "granularity": "day"}).json()
    assert body["total"] == "10.00"
    assert {(g["currency"], g["total"], g["previous"]) for g in body["groups"]} == {
        ("RUB", "10.00", "0.00"), ("CNY", "4.00", "3.00")}
    series = {s["currency"]: s["values"] for s in body["series"]}
    assert series["CNY"] == ["0.00", "4.00", "0.00", "0.00"]
    assert body["warnings"][0]["currency"] == "CNY"
    assert body["warnings"][0]["dates"] == ["2025-04-29", "2025-05-02"]  # the previous period's day too


def test_tag_views_and_the_ledger_keep_unconverted_amounts_in_their_currency(w, client_for):
    _load(w, [row(D1, "10", tags={"env": "prod", "team": "a"}), row(D1, "2", currency="USD",
                                                                    tags={"env": "prod", "team": "a"})])
    client = client_for(w.alice, "alpha")
    by_tag = client.get(SUMMARY, {"start": "2025-05-01", "end": "2025-05-02", "group_by": "tag:env"}).json()
    assert {(g["key"], g["currency"], g["total"]) for g in by_tag["groups"]} == {
        ("prod", "RUB", "10.00"), ("prod", "USD", "2.00")}
    # Two tag conditions: only the ledger can answer.
    ledger_view = client.get(SUMMARY, {"start": "2025-05-01", "end": "2025-05-02", "tag": ["env:prod", "team:a"]})
    body = ledger_view.json()
    assert body["total"] == "10.00" and body["totals"] == [{"currency": "RUB", "total": "10.00"},
                                                            {"currency": "USD", "total": "2.00"}]
    assert [(x["currency"], x["dates"]) for x in body["warnings"]] == [("USD", ["2025-05-01"])]


def test_an_organization_in_dollars_is_told_its_own_currency_lacks_a_rate(w, client_for):
    w.alpha.currency = "USD"
    w.alpha.save(update_fields=["currency"])
    _load(w, [row(D1, "900")])
    body = client_for(w.alice, "alpha").get(SUMMARY, {"start": "2025-05-01", "end": "2025-05-01"}).json()
    assert body["currency"] == "USD" and body["total"] == "0.00"
    assert body["groups"] == [{"key": "Compute Cloud", "currency": "RUB", "total": "900.00"}]
    assert [(x["currency"], x["date"]) for x in body["warnings"]] == [("USD", "2025-05-01")]


def test_answers_with_warnings_match_the_documented_schema(w, client_for):
    from tests.common.test_api_responses_match_schema import check, load_schema

    _cbr(D1, "USD", "90")
    _load(w, [row(D1, "3", currency="USD"), row(D2, "4", currency="CNY", tags={"env": "prod"})])
    client = client_for(w.alice, "alpha")
    document = load_schema(client)
    for path, query in ((SUMMARY, {}), (SUMMARY, {"group_by": "tag:env"}), (TIMESERIES, {"granularity": "week"})):
        response = client.get(path, {"start": "2025-05-01", "end": "2025-05-04", **query})
        assert response.json()["warnings"], (path, query)
        assert check(document, path, response) == [], (path, query)


# --- the page --------------------------------------------------------------------------------------


def _banner(html: str) -> str:
    match = re.search(r"<div[^>]*data-rates-missing.*?</div>\s*</div>", html, re.S)
    assert match, "no missing-rate banner"
    return match.group(0)


def test_the_explorer_shows_a_usd_file_without_a_rate_in_dollars_under_a_banner(w, client_for, no_background):
    _import_aws(w)
    page = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get(
        "/costs/", {"start": "2026-05-01", "end": "2026-05-31", "group_by": "service"})
    assert page.status_code == 200
    html = page.content.decode()
    banner = _banner(html)
    assert "Нет курса USD за" in banner and "с 01.05.2026 по 27.05.2026" in banner
    assert not re.search(r"\d{4}-\d{2}-\d{2}", re.sub(r'href="[^"]*"', "", banner))  # no ISO date in the text
    assert "data-error-code" not in html and 'id="cx-chart-data"' in html
    # Every service of the file, in dollars, with the file's own sums.
    view = page.context["view"]
    expected = independent_sums(AWS)
    assert {g["key"]: g["total"].quantize(Decimal("0.01")) for g in view["groups"]} == {
        k: v.quantize(Decimal("0.01")) for k, v in expected.items()}
    assert {g["currency"] for g in view["groups"]} == {"USD"}
    assert html.count('data-group-currency="USD"') == min(len(expected), 25)
    assert "\u00a0$" in html.split('class="table cx-table"')[1]
    # The owner is offered the rate form for the first day without a rate, and comes back here afterwards.
    link = re.search(r'href="([^"]+)" data-rate-form-link', html).group(1).replace("&amp;", "&")
    url = urlsplit(link)
    assert url.path == "/costs/rates/"
    query = parse_qs(url.query)
    assert query["currency"] == ["USD"] and query["date"] == ["2026-05-01"]
    assert query["next"][0].startswith("/costs/?") and "group_by=service" in query["next"][0]


@pytest.mark.parametrize("persona, offered", [("alice", True), ("adam", True), ("fiona", True), ("erin", False),
                                              ("vera", False)])
def test_only_administrators_and_finance_are_offered_the_rate_form(w, client_for, no_background, persona,
                                                                   offered):
    _load(w, [row(D1, "5", currency="USD")])
    html = client_for(getattr(w, persona), "alpha", HTTP_ACCEPT_LANGUAGE="ru").get(
        "/costs/", {"start": "2025-05-01", "end": "2025-05-01"}).content.decode()
    assert "data-rates-missing" in html
    assert ("data-rate-form-link" in html) is offered
    assert ("Ввести курс вручную может администратор или финансист организации." in html) is not offered


def test_the_banner_says_the_bank_is_asked_again_only_when_it_is(w, client_for, no_background, settings):
    _load(w, [row(D1, "5", currency="USD")])
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    again = "Курсы ЦБ РФ за эти дни запрошены повторно"
    assert again in client.get("/costs/", {"start": "2025-05-01", "end": "2025-05-01"}).content.decode()
    settings.CURRENCY_FETCH_MISSING = False
    assert again not in client.get("/costs/", {"start": "2025-05-01", "end": "2025-05-02"}).content.decode()


def test_the_page_asks_the_bank_again_in_the_background_once(w, client_for, no_background):
    _load(w, [row(D2, "5", currency="USD"), row(D4, "1", currency="USD")])
    client = client_for(w.alice, "alpha")
    for _ in range(3):
        assert client.get("/costs/", {"start": "2025-05-01", "end": "2025-05-04"}).status_code == 200
    assert no_background == [(w.alpha.schema_name, "apps.costs.tasks.cost_rollups_fetch_rates_task",
                              "2025-05-02", "2025-05-04")]


def test_the_api_asks_the_bank_again_too_and_never_for_converted_views(w, client_for, no_background):
    _cbr(D1, "EUR", "100")
    _load(w, [row(D1, "1", currency="EUR"), row(D3, "5", currency="USD")])
    client = client_for(w.alice, "alpha")
    client.get(SUMMARY, {"start": "2025-05-01", "end": "2025-05-01"})
    assert no_background == []
    client.get(TIMESERIES, {"start": "2025-05-01", "end": "2025-05-04"})
    assert no_background == [(w.alpha.schema_name, "apps.costs.tasks.cost_rollups_fetch_rates_task",
                              "2025-05-03", "2025-05-03")]


def test_a_page_the_filters_refuse_keeps_the_grouping_metric_and_currency_chosen(w, client_for):
    page = client_for(w.alice, "alpha").get("/costs/", {"group_by": "region", "metric": "effective",
                                                        "currency": "billing", "start": "2025-05-01",
                                                        "end": "2025-13-01"})
    html = page.content.decode()
    assert 'data-error-code="invalid"' in html
    assert '<option value="region" selected>' in html
    assert '<option value="effective" selected>' in html and '<option value="billing" selected>' in html


# --- the rate form -----------------------------------------------------------------------------------


def test_a_viewer_and_an_engineer_get_403_from_the_rate_form(w, client_for):
    for persona in (w.vera, w.erin):
        client = client_for(persona, "alpha")
        assert client.get("/costs/rates/").status_code == 403
        response = client.post("/costs/rates/", {"currency": "USD", "date": "2025-05-01", "rate": "90",
                                                 "nominal": "1"})
        assert response.status_code == 403
    assert not ExchangeRate.objects.filter(source=RateSource.MANUAL).exists()


def test_a_finance_user_enters_a_rate_for_the_organization_only_audited_and_the_costs_use_it(w, client_for):
    _load(w, [row(D1, "2", currency="USD"), row(D2, "3", currency="USD")])
    client = client_for(w.fiona, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    form = client.get("/costs/rates/", {"currency": "usd", "date": "2025-05-01", "next": "/costs/?group_by=region"})
    assert form.status_code == 200
    assert form.context["form"].initial["currency"] == "USD"
    response = client.post("/costs/rates/", {"currency": "usd", "date": "2025-05-01", "rate": "92,5",
                                             "nominal": "1", "note": "по счёту", "next": "/costs/?group_by=region"})
    assert response.status_code == 302 and response["Location"] == "/costs/?group_by=region"
    rate = ExchangeRate.objects.get(source=RateSource.MANUAL)
    assert (rate.currency, rate.date, rate.rate_rub, rate.schema_name, rate.created_by) == (
        "USD", D1, Decimal("92.5"), w.alpha.schema_name, w.fiona)
    # The rollups already use it: (2 + 3) x 92.5 = 462.5, no warning left.
    body = client.get(SUMMARY, {"start": "2025-05-01", "end": "2025-05-04"}).json()
    assert body["total"] == "462.50" and body["warnings"] == []
    with schema_context(w.alpha.schema_name):
        event = AuditEvent.objects.get(action="currency.rate_set")
        assert event.actor_email == w.fiona.email
        assert event.data == {"currency": "USD", "date": "2025-05-01", "rate": "92.5", "nominal": 1,
                              "previous_rate": None}
    # Another organization's figures never change.
    with schema_context(w.beta.schema_name), pytest.raises(RateMissing):
        rate_for(currency="USD", day=D1)
    assert rate_for(currency="USD", day=D1, schema_name=w.alpha.schema_name) == Decimal("92.5")


def test_a_rate_is_applied_at_once_even_when_the_ledger_has_later_costs_in_other_currencies(w, client_for,
                                                                                          no_background):
    # Rouble costs half a year later (a provider sync) do not widen the span the USD rate rebuilds: only the
    # USD days (two) are recomputed, at once, not left to a background task.
    _load(w, [row(D1, "2", currency="USD"), row(D2, "3", currency="USD"), row(date(2025, 11, 30), "10")],
          end=date(2025, 11, 30))
    response = client_for(w.adam, "alpha").post("/costs/rates/", {
        "currency": "USD", "date": "2025-05-01", "rate": "80", "nominal": "1"})
    assert response.status_code == 302
    assert no_background == []
    body = client_for(w.adam, "alpha").get(SUMMARY, {"start": "2025-05-01", "end": "2025-05-04"}).json()
    assert body["total"] == "400.00" and body["warnings"] == []  # (2 + 3) x 80, by hand


def test_the_rate_form_refuses_roubles_bad_codes_and_a_zero_rate(w, client_for):
    client = client_for(w.adam, "alpha")
    for data, field in (({"currency": "RUB", "rate": "1"}, "currency"), ({"currency": "U$D", "rate": "1"}, "currency"),
                        ({"currency": "USD", "rate": "0"}, "rate")):
        response = client.post("/costs/rates/", {"date": "2025-05-01", "nominal": "1", **data})
        assert response.status_code == 200 and field in response.context["form"].errors
    assert not ExchangeRate.objects.exists()


def test_the_rate_form_never_redirects_to_another_host(w, client_for):
    response = client_for(w.adam, "alpha").post("/costs/rates/", {
        "currency": "EUR", "date": "2025-05-01", "rate": "100", "nominal": "1", "next": "https://evil.test/"})
    assert response.status_code == 302 and response["Location"].startswith("/costs/rates/")


# --- weekends and the background fetch -------------------------------------------------------------


def test_a_saturday_charge_uses_the_friday_rate_the_background_task_fetches(w, client_for, fake_cbr,  # noqa: F811
                                                                            time_machine):
    time_machine.move_to("2026-05-20 12:00:00+03:00", tick=False)
    friday, saturday = date(2026, 5, 15), date(2026, 5, 16)
    # The Bank set rates on Friday only; asked for Saturday it answers with Friday's, under Friday's date.
    fake_cbr.bank.set_rates(friday, {"USD": (1, "80,1234")})
    _load(w, [row(saturday, "10", currency="USD")], start=saturday, end=saturday)
    client = client_for(w.alice, "alpha")
    assert client.get(SUMMARY, {"start": "2026-05-16", "end": "2026-05-16"}).json()["warnings"]
    from apps.costs.tasks import cost_rollups_fetch_rates_task

    with schema_context(w.alpha.schema_name):
        cost_rollups_fetch_rates_task("2026-05-16", "2026-05-16")
    body = client.get(SUMMARY, {"start": "2026-05-16", "end": "2026-05-16"}).json()
    assert body["total"] == "801.234" and body["warnings"] == []  # 10 x 80.1234
    rates = client.get("/api/v1/rates/", {"date": "2026-05-16"}).json()
    assert rates["rates"] == [{"currency": "USD", "rate": "80.1234", "nominal": 1, "source": "cbr",
                               "source_date": "2026-05-15"}]


def test_an_unreachable_bank_leaves_one_warning_line_and_no_traceback(w, settings, caplog, time_machine):
    time_machine.move_to("2026-05-20 12:00:00+03:00", tick=False)
    settings.CBR_DAILY_URL = "http://127.0.0.1:9/scripts/XML_daily.asp"  # nothing listens on the discard port
    settings.CBR_TIMEOUT = 1
    _load(w, [row(date(2026, 5, 16), "10", currency="USD")], start=date(2026, 5, 16), end=date(2026, 5, 16))
    from apps.costs.tasks import cost_rollups_fetch_rates_task

    with caplog.at_level(logging.WARNING), schema_context(w.alpha.schema_name):
        assert cost_rollups_fetch_rates_task("2026-05-16", "2026-05-16") == 0
    records = [r for r in caplog.records if r.name.startswith("apps.")]
    assert len(records) == 1 and records[0].levelno == logging.WARNING and records[0].exc_info is None


def test_the_dashboard_counts_converted_amounts_and_points_to_the_ones_without_a_rate(w, client_for, time_machine):
    time_machine.move_to("2026-05-20 12:00:00+03:00", tick=False)
    _load(w, [row(date(2026, 5, 19), "100"), row(date(2026, 5, 19), "3", currency="USD")],
          start=date(2026, 5, 1), end=date(2026, 5, 31))
    page = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/", {"range": "30"})
    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["kpis"]["total"] == Decimal("100") and page.context["kpis"]["rates_missing"]
    assert re.search(r'href="/costs/\?period=30d" data-rates-missing-link', html)
