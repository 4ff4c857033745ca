"""The one number formatter (apps.common.numbers), its template filters and the two CSV dialects.

Expected strings are written by hand: U+00A0 between thousands, a comma before the kopecks, U+2212 for minus.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from apps.common.csv_files import machine_csv, spreadsheet_csv
from apps.common.numbers import format_money, format_number, format_percent, plain_decimal

NB = "\u00a0"
MINUS = "\u2212"


@pytest.fixture(autouse=True)
def _russian():
    with translation.override("ru"):
        yield


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (Decimal("20170"), "RUB", f"20{NB}170,00{NB}₽"),  # kopecks even for whole roubles
        (Decimal("49526.69"), "RUB", f"49{NB}526,69{NB}₽"),
        (Decimal("1292031.585"), "RUB", f"1{NB}292{NB}031,59{NB}₽"),  # half up
        (Decimal("1234567890.1"), "RUB", f"1{NB}234{NB}567{NB}890,10{NB}₽"),
        (Decimal("1000"), "RUB", f"1{NB}000,00{NB}₽"),  # four digits are grouped too
        (Decimal("999.999"), "RUB", f"1{NB}000,00{NB}₽"),
        (Decimal("0"), "RUB", f"0,00{NB}₽"),
        (Decimal("-0.004"), "RUB", f"0,00{NB}₽"),  # rounds to zero: no sign
        (Decimal("-1234.5"), "RUB", f"{MINUS}1{NB}234,50{NB}₽"),
        (Decimal("-0.01"), "USD", f"{MINUS}0,01{NB}$"),
        ("174.51", "EUR", f"174,51{NB}€"),
        (12, "KZT", f"12,00{NB}₸"),
        (Decimal("7"), "GBP", f"7,00{NB}GBP"),
        (Decimal("1500"), "mixed", f"1{NB}500,00"),
        (None, "RUB", "—"),
        ("not a number", "RUB", "—"),
    ],
)
def test_money_has_kopecks_grouping_and_the_minus_sign(value, currency, expected):
    assert format_money(value, currency) == expected


def test_a_signed_money_change_has_plus_or_minus_and_zero_has_neither():
    assert format_money(Decimal("1292031.59"), "RUB", signed=True) == f"+1{NB}292{NB}031,59{NB}₽"
    assert format_money(Decimal("-300"), "RUB", signed=True) == f"{MINUS}300,00{NB}₽"
    assert format_money(Decimal("0"), "RUB", signed=True) == f"0,00{NB}₽"


@pytest.mark.parametrize(
    ("value", "places", "signed", "expected"),
    [
        (Decimal("9322.7"), 1, False, f"9{NB}322,7{NB}%"),  # thousands grouped in percentages too
        (Decimal("9322.66"), 1, True, f"+9{NB}322,7{NB}%"),
        (Decimal("-12.5"), 1, False, f"{MINUS}12,5{NB}%"),
        (Decimal("-12.5"), 1, True, f"{MINUS}12,5{NB}%"),
        (Decimal("0"), 1, True, f"0,0{NB}%"),
        (Decimal("37.4"), 0, False, f"37{NB}%"),
        (Decimal("233.3333"), 2, False, f"233,33{NB}%"),
        (None, 1, False, "—"),
    ],
)
def test_percentages_are_grouped_and_signed(value, places, signed, expected):
    assert format_percent(value, places=places, signed=signed) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1116, f"1{NB}116"),
        (Decimal("54.6"), "54,60"),
        (Decimal("-3"), f"{MINUS}3"),
        (0, "0"),
        (None, "—"),
    ],
)
def test_plain_numbers_keep_whole_values_whole(value, expected):
    assert format_number(value) == expected


def test_english_uses_its_own_separators_and_the_same_minus_sign():
    with translation.override("en"):
        assert format_money(Decimal("-1234.5"), "USD") == f"{MINUS}1,234.50{NB}$"
        assert format_percent(Decimal("9322.7")) == f"9,322.7{NB}%"


def test_template_filters_use_the_same_formatter():
    template = Template(
        "{% load money %}{{ a|money:'RUB' }}|{{ d|money_signed:'RUB' }}|{{ p|percent }}|"
        "{{ p|percent_signed }}|{{ n|percent:0 }}|{{ a|money2 }}"
    )
    rendered = template.render(
        Context({"a": Decimal("20170"), "d": Decimal("-49526.69"), "p": Decimal("9322.7"), "n": Decimal("37.4")})
    )
    assert rendered == (
        f"20{NB}170,00{NB}₽|{MINUS}49{NB}526,69{NB}₽|9{NB}322,7{NB}%|+9{NB}322,7{NB}%|37{NB}%|20{NB}170,00{NB}₽"
    )


def test_plain_decimals_for_files_have_no_grouping_and_an_ascii_minus():
    assert plain_decimal(Decimal("-1234.565")) == "-1234.57"
    assert plain_decimal(Decimal("-1234.565"), decimal_separator=",") == "-1234,57"
    assert plain_decimal(Decimal("-0.001")) == "0.00"
    assert plain_decimal(None) == ""


def test_the_spreadsheet_csv_is_what_russian_excel_opens():
    content = spreadsheet_csv(
        [
            ["Группа", "Итого", "Изменение, %"],
            ["Compute; Cloud", Decimal("20170"), Decimal("-12.5")],
            ["Пусто", None, 3],
        ]
    )
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Группа;Итого;Изменение, %"
    assert text.splitlines()[1] == '"Compute; Cloud";20170,00;-12,50'  # a ';' in a value is quoted
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[2] == ["Пусто", "", "3"]


def test_the_machine_csv_is_plain_rfc_4180_without_a_bom():
    content = machine_csv([["Группа", "Итого"], ["Compute, Cloud", Decimal("20170.0050000000")]])
    assert not content.startswith(b"\xef\xbb\xbf")
    assert content.decode() == 'Группа,Итого\r\n"Compute, Cloud",20170.0050000000\r\n'
