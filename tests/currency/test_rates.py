from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.currency.exceptions import CurrencyErrorCode, RateMissing
from apps.currency.models import ExchangeRate, RateSource
from apps.currency.selectors import convert, rate_for
from apps.currency.services import rate_set_manual

pytestmark = pytest.mark.django_db


def _cbr(day, currency, rate):
    return ExchangeRate.objects.create(date=day, currency=currency, rate_rub=Decimal(rate), source=RateSource.CBR)


def test_the_rate_of_the_day_itself_is_used(w):
    _cbr(date(2025, 3, 4), "USD", "89.5")
    _cbr(date(2025, 3, 5), "USD", "90.1")
    assert rate_for(currency="usd", day=date(2025, 3, 5)) == Decimal("90.1")


def test_a_day_without_a_rate_takes_the_nearest_earlier_one(w):
    _cbr(date(2025, 3, 1), "USD", "89.2887")
    _cbr(date(2025, 3, 10), "USD", "91")
    assert rate_for(currency="USD", day=date(2025, 3, 3)) == Decimal("89.2887")


def test_a_manual_rate_wins_over_the_bank_on_the_same_date(w):
    _cbr(date(2025, 3, 4), "USD", "89.5")
    rate_set_manual(day=date(2025, 3, 4), currency="usd", rate_rub=Decimal("95"), actor=w.alice)
    assert rate_for(currency="USD", day=date(2025, 3, 4)) == Decimal("95")
    assert rate_for(currency="USD", day=date(2025, 3, 6)) == Decimal("95")


def test_a_manual_rate_is_given_per_nominal_and_stored_per_unit(w):
    rate = rate_set_manual(day=date(2025, 3, 4), currency="KZT", rate_rub=Decimal("17.85"), nominal=100)
    assert rate.rate_rub == Decimal("0.1785") and rate.nominal == 100


def test_rouble_needs_no_rate(w):
    assert rate_for(currency="RUB", day=date(1990, 1, 1)) == Decimal(1)


def test_no_rate_before_the_day_is_a_clear_error(w):
    _cbr(date(2025, 3, 10), "USD", "91")
    with pytest.raises(RateMissing) as info:
        rate_for(currency="USD", day=date(2025, 3, 9))
    assert info.value.code == CurrencyErrorCode.RATE_MISSING
    assert info.value.extra == {"currency": "USD", "date": "2025-03-09"}


def test_convert_goes_through_roubles_between_two_foreign_currencies(w):
    _cbr(date(2025, 3, 4), "USD", "90")
    _cbr(date(2025, 3, 4), "EUR", "100")
    assert convert(amount=Decimal("10"), from_currency="USD", to_currency="RUB", day=date(2025, 3, 4)) == 900
    assert convert(amount=Decimal("10"), from_currency="EUR", to_currency="USD",
                   day=date(2025, 3, 4)).quantize(Decimal("0.0001")) == Decimal("11.1111")
    same = convert(amount=Decimal("7.5"), from_currency="EUR", to_currency="EUR", day=date(1990, 1, 1))
    assert same == Decimal("7.5")


def test_the_public_admin_lists_rates_and_marks_new_ones_manual(w, client_for):
    from apps.accounts.models import User

    staff = User.objects.create_superuser(email="support@infrazen.test", password="Xx-123456789")
    _cbr(date(2025, 3, 4), "USD", "89.5")
    client = client_for(staff)
    page = client.get("/admin/currency/exchangerate/")
    assert page.status_code == 200 and "89" in page.content.decode()
    added = client.post("/admin/currency/exchangerate/add/", {
        "date": "2025-03-04", "currency": "usd", "rate_rub": "95", "nominal": "1", "source": "manual", "note": ""})
    assert added.status_code == 302
    assert rate_for(currency="USD", day=date(2025, 3, 4)) == Decimal("95")


def test_the_missing_rate_message_writes_the_date_the_russian_way(w):
    from django.utils import translation

    with translation.override("ru"), pytest.raises(RateMissing) as info:
        rate_for(currency="USD", day=date(2026, 5, 1))
    assert "01.05.2026" in info.value.message and "2026-05-01" not in info.value.message
    assert info.value.message.startswith("Нет курса USD на 01.05.2026")
