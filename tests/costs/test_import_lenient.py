"""Real exports break the FOCUS spec in columns the ledger can do without: such rows are kept, the value is
replaced by its documented fallback (or NULL) and the import carries a warning with the row count, so the
ledger's totals equal the file's own sums. Only BilledCost, BillingCurrency, the charge period and
ChargeCategory make a row invalid. Expected totals are computed by hand in each test."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.costs.models import CostDaily, CostRecord
from apps.costs.services.imports import focus_file_import

pytestmark = pytest.mark.django_db

# FOCUS 1.0 Mandatory columns, plus the two unit prices.
HEADER = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
    "Tags",
]


def _row(day: int, **values) -> dict:
    row = {
        "BilledCost": "1.25",
        "BillingAccountId": "acc-1",
        "BillingAccountName": "Main",
        "BillingCurrency": "RUB",
        "BillingPeriodStart": "2026-03-01T00:00:00Z",
        "BillingPeriodEnd": "2026-04-01T00:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeClass": "",
        "ChargeDescription": "VM hour",
        "ChargeFrequency": "Usage-Based",
        "ChargePeriodStart": f"2026-03-{day:02d}T00:00:00Z",
        "ChargePeriodEnd": f"2026-03-{day:02d}T01:00:00Z",
        "ContractedCost": "1.50",
        "ContractedUnitPrice": "",
        "EffectiveCost": "1.00",
        "InvoiceIssuerName": "Cloud",
        "ListCost": "2.00",
        "ListUnitPrice": "",
        "PricingCategory": "Standard",
        "PricingQuantity": "1",
        "PricingUnit": "Hours",
        "ProviderName": "Cloud",
        "PublisherName": "Cloud",
        "ServiceCategory": "Compute",
        "ServiceName": "VMs",
        "Tags": '{"env":"prod"}',
    }
    row.update(values)
    return row


def _write(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _sum(field: str, **filters) -> Decimal:
    return CostRecord.objects.filter(**filters).aggregate(total=Sum(field))["total"]


def _warnings(bi) -> dict[tuple[str, str, str, str], int]:
    return {(w["column"], w["code"], w["action"], w["detail"]): w["count"] for w in bi.warnings}


def test_seven_of_a_thousand_rows_without_contracted_cost_import_all_rows_with_a_warning(in_alpha, tmp_path):
    rows = [_row(1 + i % 28) for i in range(1000)]
    for i in (10, 20, 30):  # ContractedUnitPrice x PricingQuantity = 0.40 x 3 = 1.20
        rows[i].update(ContractedCost="", ContractedUnitPrice="0.40", PricingQuantity="3")
    for i in (40, 50, 60, 70):  # no unit price: ListCost 2.00
        rows[i].update(ContractedCost="NULL" if i == 40 else "")
    bi = focus_file_import(path=str(_write(tmp_path / "focus.csv", rows)))

    assert bi.status == "success", (bi.error, bi.report[:3])
    assert (bi.rows_imported, bi.rows_skipped) == (1000, 0)
    assert bi.report == []
    # The file's own sums: 1000 x 1.25, 1000 x 1.00, 1000 x 2.00.
    assert _sum("billed_cost") == Decimal("1250.00")
    assert _sum("effective_cost") == Decimal("1000.00")
    assert _sum("list_cost") == Decimal("2000.00")
    # 993 x 1.50 + 3 x 1.20 + 4 x 2.00 = 1489.50 + 3.60 + 8.00
    assert _sum("contracted_cost") == Decimal("1501.10")
    assert CostDaily.objects.aggregate(total=Sum("billed_cost"))["total"] == Decimal("1250.00")
    assert _warnings(bi) == {
        ("ContractedCost", "missing", "fallback", "ListCost"): 4,
        ("ContractedCost", "missing", "fallback", "ContractedUnitPrice × PricingQuantity"): 3,
    }
    by_action = {w["detail"]: w for w in bi.warnings}
    assert by_action["ListCost"]["first_row"] == 42  # the header is row 1: data row 40 is row 42
    assert by_action["ListCost"]["message"] == (
        "ContractedCost: нет значения в 4 строках; вместо него сохранено значение ListCost."
    )
    assert by_action["ContractedUnitPrice × PricingQuantity"]["message"] == (
        "ContractedCost: нет значения в 3 строках; вместо него сохранено значение "
        "ContractedUnitPrice × PricingQuantity."
    )


def test_optional_spec_violations_keep_the_row_with_their_fallback_or_null_and_a_warning(in_alpha, tmp_path):
    rows = [_row(1 + i) for i in range(20)]
    rows[0].update(EffectiveCost="1.2.3")  # -> BilledCost 1.25
    rows[1].update(EffectiveCost="", BilledCost="3.00")  # -> BilledCost 3.00
    rows[2].update(ListCost="abc", ListUnitPrice="0.5", PricingQuantity="4")  # -> 0.5 x 4 = 2.0
    rows[3].update(ListCost="", ContractedCost="1.70")  # -> the file's ContractedCost 1.70
    rows[4].update(ListCost="", ContractedCost="")  # both -> EffectiveCost 1.00
    rows[5].update(PricingCategory="Spot")  # not an allowed value -> empty
    rows[6].update(ServiceCategory="Computing")  # -> Other
    rows[7].update(Tags="{not json")  # -> {}
    rows[8].update(BillingPeriodStart="yesterday")  # -> March 2026
    rows[9].update(BillingPeriodStart="2026-04-01T00:00:00Z", BillingPeriodEnd="2026-03-01T00:00:00Z")
    rows[10].update(PricingQuantity="n/a")  # -> NULL
    rows[11].update(ChargeFrequency="Sometimes", BillingAccountId="")  # -> empty, empty
    bi = focus_file_import(path=str(_write(tmp_path / "messy.csv", rows)))

    assert bi.status == "success", (bi.error, bi.report[:3])
    assert bi.rows_imported == 20
    # Billed: 19 x 1.25 + 3.00 = 26.75. Effective: 18 x 1.00 + 1.25 + 3.00 = 22.25.
    assert _sum("billed_cost") == Decimal("26.75")
    assert _sum("effective_cost") == Decimal("22.25")
    # List: 17 x 2.00 + 2.0 + 1.70 + 1.00 = 38.70. Contracted: 18 x 1.50 + 1.70 + 1.00 = 29.70.
    assert _sum("list_cost") == Decimal("38.70")
    assert _sum("contracted_cost") == Decimal("29.70")
    assert _warnings(bi) == {
        ("EffectiveCost", "number", "fallback", "BilledCost"): 1,
        ("EffectiveCost", "missing", "fallback", "BilledCost"): 1,
        ("ListCost", "number", "fallback", "ListUnitPrice × PricingQuantity"): 1,
        ("ListCost", "missing", "fallback", "ContractedCost"): 1,
        ("ListCost", "missing", "fallback", "EffectiveCost"): 1,
        ("ContractedCost", "missing", "fallback", "EffectiveCost"): 1,
        ("PricingCategory", "enum", "null", ""): 1,
        ("ServiceCategory", "enum", "value", "Other"): 1,
        ("Tags", "json", "null", ""): 1,
        ("BillingPeriodStart", "datetime", "charge_month", ""): 1,
        ("BillingPeriodEnd", "period", "charge_month", ""): 1,
        ("PricingQuantity", "number", "null", ""): 1,
        ("ChargeFrequency", "enum", "null", ""): 1,
        ("BillingAccountId", "missing", "null", ""): 1,
    }
    assert CostRecord.objects.get(charge_date="2026-03-07").service_category == "Other"
    assert CostRecord.objects.get(charge_date="2026-03-08").tags == {}
    assert CostRecord.objects.get(charge_date="2026-03-06").pricing_category == ""
    assert CostRecord.objects.get(charge_date="2026-03-11").pricing_quantity is None
    for day in ("2026-03-09", "2026-03-10"):
        record = CostRecord.objects.get(charge_date=day)
        assert (record.billing_period_start.isoformat(), record.billing_period_end.isoformat()) == (
            "2026-03-01T00:00:00+00:00",
            "2026-04-01T00:00:00+00:00",
        )
    messages = {w["message"] for w in bi.warnings}
    assert "ServiceCategory: значение не из допустимого списка в 1 строке; вместо него сохранено «Other»." in messages
    assert "Tags: не объект JSON в 1 строке; значение оставлено пустым." in messages
    assert (
        "BillingPeriodEnd: конец периода не позже его начала в 1 строке; вместо него сохранён "
        "календарный месяц ChargePeriodStart."
    ) in messages


@pytest.mark.parametrize(
    "column,value",
    [
        ("BilledCost", ""),
        ("BilledCost", "twelve"),
        ("BillingCurrency", ""),
        ("BillingCurrency", "RUR"),
        ("ChargePeriodStart", ""),
        ("ChargePeriodEnd", "soon"),
        ("ChargeCategory", ""),
        ("ChargeCategory", "Refund"),
    ],
)
def test_a_row_without_what_the_ledger_needs_is_invalid(in_alpha, tmp_path, column, value):
    rows = [_row(1 + i) for i in range(10)]
    rows[4][column] = value
    path = _write(tmp_path / "bad.csv", rows)
    refused = focus_file_import(path=str(path))
    assert (refused.status, refused.error_code) == ("error", "invalid")
    assert [(e["row"], e["column"]) for e in refused.report] == [(6, column)]
    assert not CostRecord.objects.exists()
    skipped = focus_file_import(path=str(path), skip_invalid=True)
    assert (skipped.status, skipped.rows_imported, skipped.rows_skipped) == ("success", 9, 1)
    assert _sum("billed_cost") == Decimal("11.25")  # 9 x 1.25


def test_a_file_without_the_optional_cost_columns_imports_with_a_warning_for_each(in_alpha, tmp_path):
    header = [c for c in HEADER if c not in ("ContractedCost", "ListCost", "ProviderName")]
    bi = focus_file_import(path=str(_write(tmp_path / "lean.csv", [_row(1 + i) for i in range(4)], header)))

    assert bi.status == "success", (bi.error, bi.report[:3])
    assert _sum("list_cost") == _sum("contracted_cost") == Decimal("4.00")  # EffectiveCost 4 x 1.00
    assert _warnings(bi) == {
        ("ListCost", "absent", "fallback", "EffectiveCost"): 4,
        ("ContractedCost", "absent", "fallback", "EffectiveCost"): 4,
        ("ProviderName", "absent", "null", ""): 4,
    }
    messages = {w["message"] for w in bi.warnings}
    assert (
        "ListCost: такого столбца в файле нет; во всех строках вместо него сохранено значение "
        "EffectiveCost." in messages
    )


def test_the_api_and_the_import_page_show_the_warnings(w, client_for, tmp_path):
    from django_tenants.utils import schema_context

    rows = [_row(1 + i) for i in range(5)]
    rows[2]["ContractedCost"] = ""
    with schema_context(w.alpha.schema_name):
        bi = focus_file_import(path=str(_write(tmp_path / "focus.csv", rows)))
    client = client_for(w.alice, "alpha")
    detail = client.get(f"/api/v1/costs/imports/{bi.pk}/").json()
    assert detail["status"] == "success" and detail["rows_imported"] == 5
    assert detail["warnings"] == [
        {
            "column": "ContractedCost",
            "code": "missing",
            "action": "fallback",
            "detail": "ListCost",
            "count": 1,
            "first_row": 4,
            "message": "ContractedCost: нет значения в 1 строке; вместо него сохранено значение ListCost.",
        }
    ]
    page = client.get(f"/costs/imports/{bi.pk}/").content.decode()
    assert 'id="import-warnings"' in page
    assert "Предупреждения" in page
    assert "ContractedCost: нет значения в 1 строке; вместо него сохранено значение ListCost." in page
