from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.currency.exceptions import CurrencyErrorCode, RateSourceError
from apps.currency.models import ExchangeRate, RateSource
from apps.currency.services import cbr_daily_parse, rates_fetch_cbr, rates_fetch_cbr_range
from tests.fakecloud.cbr import SAMPLE, SAMPLE_NOMINAL_100

pytestmark = pytest.mark.django_db


def test_the_real_sample_parses_with_its_date_names_encoding_and_unit_rates():
    daily = cbr_daily_parse(SAMPLE.read_bytes())
    assert daily.day == date(2024, 10, 8)
    assert {(r.currency, r.nominal, r.rate_rub) for r in daily.rates} == {
        ("AUD", 1, Decimal("65.7852")), ("AZN", 1, Decimal("56.5088"))}


def test_rows_quoted_per_100_units_keep_their_nominal_and_store_the_rate_of_one_unit():
    daily = cbr_daily_parse(SAMPLE_NOMINAL_100.read_bytes())
    rates = {r.currency: (r.nominal, r.rate_rub) for r in daily.rates}
    # By hand: 64,9412 RUB per 100 JPY -> 0.649412 RUB per yen; 19,8016 RUB per 100 KZT -> 0.198016.
    assert rates == {"AUD": (1, Decimal("65.7852")), "AZN": (1, Decimal("56.5088")),
                     "JPY": (100, Decimal("0.649412")), "KZT": (100, Decimal("0.198016"))}


def test_value_is_divided_by_its_nominal_when_there_is_no_unit_rate():
    xml = ('<?xml version="1.0" encoding="windows-1251"?><ValCurs Date="02.03.2021" name="Foreign Currency Market">'
           '<Valute ID="R01060"><NumCode>051</NumCode><CharCode>AMD</CharCode><Nominal>100</Nominal>'
           '<Name>Армянских драмов</Name><Value>14,1234</Value></Valute></ValCurs>').encode("cp1251")
    (rate,) = cbr_daily_parse(xml).rates
    assert (rate.currency, rate.nominal, rate.rate_rub) == ("AMD", 100, Decimal("0.141234"))


def test_a_body_that_is_not_a_rate_list_is_a_clear_error():
    with pytest.raises(RateSourceError) as info:
        cbr_daily_parse(b"<html><body>Service unavailable</body></html>")
    assert info.value.code == CurrencyErrorCode.RATE_SOURCE_INVALID


def test_fetch_over_http_stores_the_sample_day_per_unit(fake_cbr, w):
    fake_cbr.bank.serve_sample()
    daily = rates_fetch_cbr(day=date(2024, 10, 8))
    assert daily.day == date(2024, 10, 8)
    aud = ExchangeRate.objects.get(currency="AUD", date=date(2024, 10, 8), source=RateSource.CBR)
    assert aud.rate_rub == Decimal("65.7852") and aud.nominal == 1
    assert fake_cbr.calls == [("GET", "/scripts/XML_daily.asp")]


def test_fetch_over_http_stores_a_per_100_quote_as_the_rate_of_one_unit(fake_cbr, w):
    fake_cbr.bank.serve_sample(SAMPLE_NOMINAL_100)
    rates_fetch_cbr(day=date(2024, 10, 8))
    jpy = ExchangeRate.objects.get(currency="JPY", date=date(2024, 10, 8), source=RateSource.CBR)
    assert (jpy.rate_rub, jpy.nominal) == (Decimal("0.649412"), 100)


def test_a_weekend_is_stored_under_the_date_the_bank_set(fake_cbr, w):
    fake_cbr.bank.set_rates(date(2025, 3, 1), {"USD": (1, "89,2887"), "AMD": (100, "22,6417")})
    daily = rates_fetch_cbr(day=date(2025, 3, 2))
    assert daily.day == date(2025, 3, 1)
    assert ExchangeRate.objects.get(currency="AMD", date=date(2025, 3, 1)).rate_rub == Decimal("0.226417")
    assert not ExchangeRate.objects.filter(date=date(2025, 3, 2)).exists()


def test_fetching_again_updates_rather_than_duplicates(fake_cbr, w):
    fake_cbr.bank.set_rates(date(2025, 3, 4), {"USD": (1, "89,0000")})
    rates_fetch_cbr(day=date(2025, 3, 4))
    fake_cbr.bank.set_rates(date(2025, 3, 4), {"USD": (1, "90,5000")})
    rates_fetch_cbr(day=date(2025, 3, 4))
    assert list(ExchangeRate.objects.filter(currency="USD").values_list("rate_rub", flat=True)) == [Decimal("90.5")]


def test_range_fetch_asks_only_for_days_without_rates(fake_cbr, w):
    for day in (date(2025, 3, 4), date(2025, 3, 5), date(2025, 3, 6)):
        fake_cbr.bank.set_rates(day, {"USD": (1, "90,0000")})
    ExchangeRate.objects.create(date=date(2025, 3, 5), currency="USD", rate_rub=Decimal("90"))
    fetched = rates_fetch_cbr_range(start=date(2025, 3, 4), end=date(2025, 3, 6))
    assert fetched == [date(2025, 3, 4), date(2025, 3, 6)]
    assert fake_cbr.count("/scripts/XML_daily.asp") == 2


def test_an_unavailable_bank_is_a_clear_error_after_retries(fake_cbr, w):
    fake_cbr.add_fault("/scripts/", status=503, times=None)
    with pytest.raises(RateSourceError) as info:
        rates_fetch_cbr(day=date(2025, 3, 4))
    assert info.value.code == CurrencyErrorCode.RATE_SOURCE_UNAVAILABLE
    assert fake_cbr.count("/scripts/") > 1


def test_the_fetch_rates_command_fills_a_range(fake_cbr, w, capsys):
    fake_cbr.bank.set_rates(date(2025, 1, 10), {"EUR": (1, "106,1028")})
    call_command("fetch_rates", "--from", "2025-01-10", "--to", "2025-01-11")
    assert ExchangeRate.objects.get(currency="EUR").date == date(2025, 1, 10)
    assert "2 day(s)" in capsys.readouterr().out


def test_the_fetch_rates_command_refuses_a_reversed_range(w):
    with pytest.raises(CommandError):
        call_command("fetch_rates", "--from", "2025-01-11", "--to", "2025-01-10")


def test_a_daily_schedule_fetches_the_rates(w):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="currency.rates_fetch_daily")
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == (
        "apps.currency.tasks.rates_fetch_daily", Schedule.DAILY, -1)


def test_an_offline_daily_fetch_logs_one_warning_line_without_a_traceback(fake_cbr, w, caplog):
    import logging

    from apps.currency.tasks import rates_fetch_daily

    fake_cbr.add_fault("/scripts/", status=503, times=None)
    with caplog.at_level(logging.INFO):
        result = rates_fetch_daily()
    assert result == "CBR rates not fetched: exchange_rate_source_unavailable"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in warnings] == ["apps.currency.tasks"]
    assert warnings[0].exc_info is None and "\n" not in warnings[0].getMessage()
    assert not ExchangeRate.objects.exists()
