"""AWS Cost and Usage Reports (legacy CSV, CUR 2.0 Parquet and CSV) imported as FOCUS: totals, signs, categories,
commitments, tags, extras, the column report and the refusals.

Expected values are summed by hand from the rows below (and checked against csv + Decimal sums of the file), never
taken from the importer's own output. Column names: the AWS CUR data dictionary (legacy ``lineItem/...`` and CUR 2.0
``line_item_...``); the real excerpt is the FinOps Foundation's anonymized sample (see its .source.txt).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from apps.costs.models import BillingImport, CostRecord
from apps.costs.services.imports import focus_file_import

from .conftest import DATA, ledger_sums

pytestmark = pytest.mark.django_db

PAYER, MEMBER = "111122223333", "444455556666"
RI = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/4b2a1c3d-0000-4000-8000-000000000001"
SP = "arn:aws:savingsplans::111122223333:savingsplan/5c3b2d4e-0000-4000-8000-000000000002"
EC2 = "arn:aws:ec2:us-east-1:444455556666:instance/i-0abc123def4567890"
LEGACY_HEADER = [
    "identity/LineItemId", "bill/BillType", "bill/PayerAccountId", "bill/BillingPeriodStartDate",
    "bill/BillingPeriodEndDate", "bill/InvoicingEntity", "lineItem/UsageAccountId", "lineItem/LineItemType",
    "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/ProductCode", "lineItem/UsageType",
    "lineItem/Operation", "lineItem/ResourceId", "lineItem/UsageAmount", "lineItem/CurrencyCode",
    "lineItem/UnblendedCost", "lineItem/LineItemDescription", "lineItem/LegalEntity", "product/region",
    "product/sku", "pricing/publicOnDemandCost", "pricing/publicOnDemandRate", "pricing/unit", "pricing/term",
    "reservation/ReservationARN", "reservation/EffectiveCost",
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "reservation/UnusedRecurringFee",
    "savingsPlan/SavingsPlanARN", "savingsPlan/SavingsPlanEffectiveCost", "savingsPlan/TotalCommitmentToDate",
    "savingsPlan/UsedCommitment", "resourceTags/user:env", "resourceTags/user:team", "myCompany/CostCenter",
]
# (id, type, product, usage type, resource, amount, currency, unblended, description, on-demand cost, rate, unit,
#  RI ARN, RI effective, RI unused upfront, RI unused recurring, SP ARN, SP effective, SP total, SP used, env, team,
#  cost centre)
ROWS = [
    ("u1", "Usage", "AmazonEC2", "BoxUsage:t3.large", EC2, "24", "USD", "2.496", "t3.large On Demand", "2.496",
     "0.104", "Hrs", "", "", "", "", "", "", "", "", "prod", "web", "CC-1"),
    ("u2", "Usage", "AmazonS3", "TimedStorage-ByteHrs", "my-bucket", "100", "USD", "2.3", "S3 standard storage",
     "2.3", "0.023", "GB-Mo", "", "", "", "", "", "", "", "", "dev", "", ""),
    ("r1", "DiscountedUsage", "AmazonEC2", "BoxUsage:m5.large", EC2, "24", "USD", "0", "m5.large reserved",
     "2.304", "0.096", "Hrs", RI, "1.5", "", "", "", "", "", "", "prod", "", ""),
    ("r2", "RIFee", "AmazonEC2", "HeavyUsage:m5.large", "", "720", "USD", "36.5", "RI recurring fee", "", "",
     "Hrs", RI, "", "0", "3.65", "", "", "", "", "", "", ""),
    ("r3", "Fee", "AmazonEC2", "HeavyUsage:m5.large", "", "1", "USD", "100", "RI upfront fee", "", "", "", RI, "",
     "", "", "", "", "", "", "", "", ""),
    ("s1", "SavingsPlanCoveredUsage", "AmazonEC2", "BoxUsage:c5.large", EC2, "24", "USD", "4.8",
     "c5.large covered by a Savings Plan", "4.8", "0.2", "Hrs", "", "", "", "", SP, "3.1", "", "", "prod", "", ""),
    ("s2", "SavingsPlanNegation", "AmazonEC2", "BoxUsage:c5.large", EC2, "24", "USD", "-4.8",
     "Savings Plan negation", "", "", "Hrs", "", "", "", "", SP, "", "", "", "prod", "", ""),
    ("s3", "SavingsPlanRecurringFee", "ComputeSavingsPlans", "ComputeSP:1yrNoUpfront", "", "720", "USD", "72",
     "Savings Plan recurring fee", "", "", "Hrs", "", "", "", "", SP, "", "72", "65.5", "", "", ""),
    ("t1", "Tax", "AmazonEC2", "", "", "1", "USD", "5.67", "Tax for product code AmazonEC2", "0", "", "", "", "",
     "", "", "", "", "", "", "", "", ""),
    ("c1", "Credit", "AmazonEC2", "", "", "1", "USD", "-10", "AWS Activate credit", "", "", "", "", "", "", "", "",
     "", "", "", "", "", ""),
    ("f1", "Refund", "AmazonS3", "", "", "1", "USD", "-1.25", "Refund for an October charge", "", "", "", "", "",
     "", "", "", "", "", "", "", "", ""),
    ("e1", "Usage", "AmazonRDS", "InstanceUsage:db.t3.micro", "db-1", "24", "EUR", "3.3333333333",
     "db.t3.micro in EUR", "3.3333333333", "0.1388888889", "Hrs", "", "", "", "", "", "", "", "", "prod", "db",
     "CC-2"),
]
# By hand: 2.496 + 2.3 + 0 + 36.5 + 100 + 4.8 - 4.8 + 72 + 5.67 - 10 - 1.25 = 207.716 USD; 3.3333333333 EUR.
BILLED = {"USD": Decimal("207.716"), "EUR": Decimal("3.3333333333")}
# Converter: RI/SP effective cost on covered usage, unused fee on recurring fees, 0 on upfront fee and negation.
EFFECTIVE = {"u1": "2.496", "u2": "2.3", "r1": "1.5", "r2": "3.65", "r3": "0", "s1": "3.1", "s2": "0",
             "s3": "6.5", "t1": "5.67", "c1": "-10", "f1": "-1.25", "e1": "3.3333333333"}
CATEGORY = {"u1": ("Usage", ""), "u2": ("Usage", ""), "r1": ("Usage", ""), "r2": ("Purchase", ""),
            "r3": ("Purchase", ""), "s1": ("Usage", ""), "s2": ("Usage", ""), "s3": ("Purchase", ""),
            "t1": ("Tax", ""), "c1": ("Credit", ""), "f1": ("Adjustment", "Correction"), "e1": ("Usage", "")}


def _legacy_rows() -> list[dict]:
    rows = []
    for values in ROWS:
        (line_id, kind, product, usage_type, resource, amount, currency, cost, description, od_cost, od_rate, unit,
         ri, ri_effective, ri_upfront, ri_recurring, sp, sp_effective, sp_total, sp_used, env, team, centre) = values
        start, end = ("2025-11-01T00:00:00.000Z", "2025-12-01T00:00:00.000Z") if kind in (
            "RIFee", "Fee", "SavingsPlanRecurringFee", "Tax", "Credit", "Refund") else (
            "2025-11-03T00:00:00.000Z", "2025-11-04T00:00:00.000Z")
        rows.append(dict(zip(LEGACY_HEADER, [
            line_id, "Refund" if kind == "Refund" else "Anniversary", PAYER, "2025-11-01T00:00:00.000Z",
            "2025-12-01T00:00:00.000Z", "Amazon Web Services, Inc.", MEMBER, kind, start, end, product, usage_type,
            "RunInstances" if product == "AmazonEC2" else "", resource, amount, currency, cost, description,
            "Amazon Web Services, Inc.", "us-east-1" if product != "AmazonRDS" else "eu-central-1",
            f"SKU{line_id.upper()}", od_cost, od_rate, unit, "Reserved" if ri else ("OnDemand" if od_rate else ""),
            ri, ri_effective, ri_upfront, ri_recurring, sp, sp_effective, sp_total, sp_used, env, team, centre,
        ], strict=True)))
    return rows


def _write_legacy(path, *, gz: bool = False):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LEGACY_HEADER)
    writer.writeheader()
    writer.writerows(_legacy_rows())
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _file_sums(path, column: str, by: str) -> dict[str, Decimal]:
    """Σ column per ``by`` straight from the file with csv + Decimal: the reference the ledger must match."""
    opener = gzip.open if str(path).endswith(".gz") else open
    sums: dict[str, Decimal] = defaultdict(Decimal)
    with opener(path, "rt", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            sums[row[by]] += Decimal(row[column] or "0")
    return dict(sums)


def _by_line() -> dict[str, CostRecord]:
    return {r.extra_columns["x_identity/LineItemId"]: r for r in CostRecord.objects.all()}


def _import(path, **kwargs) -> BillingImport:
    return focus_file_import(path=str(path), **kwargs)


def test_legacy_cur_totals_equal_the_files_own_unblended_cost_per_currency_taxes_included(in_alpha, tmp_path):
    path = _write_legacy(tmp_path / "cur.csv.gz", gz=True)
    bi = _import(path)
    assert bi.status == "success", (bi.error, bi.report[:3], bi.warnings)
    assert bi.format == "aws_cur"
    assert bi.rows_imported == len(ROWS)
    billed = ledger_sums(by="billing_currency")
    assert billed == BILLED
    assert billed == _file_sums(path, "lineItem/UnblendedCost", "lineItem/CurrencyCode")
    assert ledger_sums(by="billing_currency", charge_category="Tax") == {"USD": Decimal("5.67")}


def test_each_line_item_type_keeps_its_sign_category_and_commitment(in_alpha, tmp_path):
    bi = _import(_write_legacy(tmp_path / "cur.csv"))
    assert bi.status == "success", (bi.error, bi.report[:3])
    rows = _by_line()
    for line_id, (category, charge_class) in CATEGORY.items():
        row = rows[line_id]
        assert (row.charge_category, row.charge_class) == (category, charge_class), line_id
        assert row.effective_cost == Decimal(EFFECTIVE[line_id]), line_id
    assert rows["c1"].billed_cost == Decimal("-10") and rows["f1"].billed_cost == Decimal("-1.25")
    assert rows["s2"].billed_cost == Decimal("-4.8")
    assert rows["c1"].extra_columns["x_LineItemType"] == "Credit"
    assert (rows["r1"].commitment_discount_id, rows["r1"].commitment_discount_category,
            rows["r1"].commitment_discount_status, rows["r1"].pricing_category) == (RI, "Usage", "Used", "Committed")
    assert (rows["s1"].commitment_discount_id, rows["s1"].commitment_discount_category,
            rows["s1"].commitment_discount_type) == (SP, "Spend", "Savings Plan")
    assert rows["r2"].commitment_discount_type == "Reserved Instances (RI)"
    assert rows["r1"].list_cost == Decimal("2.304")  # the public on-demand cost of the covered hours
    assert rows["c1"].list_cost == Decimal("-10")  # a standalone credit: its list cost is its billed cost
    assert (rows["r2"].charge_frequency, rows["u1"].charge_frequency) == ("Recurring", "Usage-Based")
    assert rows["t1"].pricing_category == "" and rows["u1"].pricing_category == "Standard"


def test_accounts_region_service_resource_and_tags_land_in_their_focus_columns(in_alpha, tmp_path):
    bi = _import(_write_legacy(tmp_path / "cur.csv"))
    assert bi.status == "success", (bi.error, bi.report[:3])
    row = _by_line()["u1"]
    assert (row.billing_account_id, row.sub_account_id) == (PAYER, MEMBER)
    assert (row.region_id, row.service_name, row.service_category) == ("us-east-1", "AmazonEC2", "Compute")
    assert (row.resource_id, row.resource_type) == (EC2, "instance")
    assert row.provider_name == "AWS" and row.invoice_issuer_name == "Amazon Web Services, Inc."
    assert row.charge_date.isoformat() == "2025-11-03"
    assert row.billing_period_start == datetime(2025, 11, 1, tzinfo=UTC)
    assert row.tags == {"env": "prod", "team": "web"}  # the user: prefix of cost allocation tags dropped
    assert _by_line()["u2"].tags == {"env": "dev"}
    assert _by_line()["c1"].tags == {}
    assert row.source_key == f"aws_cur:{PAYER}:2025-11"


def test_unknown_columns_are_kept_as_extras_and_the_report_lists_mapped_and_extra_columns(in_alpha, tmp_path):
    bi = _import(_write_legacy(tmp_path / "cur.csv"))
    assert bi.status == "success", (bi.error, bi.report[:3])
    row = _by_line()["u1"]
    assert row.extra_columns["x_myCompany/CostCenter"] == "CC-1"
    assert row.extra_columns["x_UsageType"] == "BoxUsage:t3.large"
    assert row.extra_columns["x_Operation"] == "RunInstances"
    assert "x_myCompany/CostCenter" not in _by_line()["u2"].extra_columns  # an empty value is not stored
    columns = bi.column_mapping
    mapped = {c["column"]: c["target"] for c in columns["mapped"]}
    extras = {c["column"]: c["target"] for c in columns["extras"]}
    assert mapped["lineItem/UnblendedCost"].startswith("BilledCost")
    assert mapped["bill/PayerAccountId"] == "BillingAccountId"
    assert mapped["lineItem/UsageAccountId"] == "SubAccountId"
    assert mapped["product/region"] == "RegionId"
    assert mapped["resourceTags/user:env"] == "Tags"
    assert extras["myCompany/CostCenter"] == "x_myCompany/CostCenter"
    assert extras["identity/LineItemId"] == "x_identity/LineItemId"
    assert columns["dropped"] == []
    assert set(mapped) | set(extras) >= set(LEGACY_HEADER)
    assert [c["column"] for c in columns["mapped"]][:2] == ["bill/PayerAccountId", "bill/BillingPeriodStartDate"]
    assert all(n["code"] not in ("native_mapped", "native_extra") for n in bi.value_normalizations)


def test_the_api_detail_and_the_page_show_the_column_report(w, client_for, tmp_path):
    from django_tenants.utils import schema_context

    with schema_context(w.alpha.schema_name):
        bi = _import(_write_legacy(tmp_path / "cur.csv"))
    client = client_for(w.alice, "alpha")
    detail = client.get(f"/api/v1/costs/imports/{bi.pk}/").json()
    assert detail["format"] == "aws_cur"
    assert {"column": "myCompany/CostCenter", "target": "x_myCompany/CostCenter"} in detail["columns"]["extras"]
    assert {"column": "lineItem/CurrencyCode", "target": "BillingCurrency"} in detail["columns"]["mapped"]
    page = client.get(f"/costs/imports/{bi.pk}/", HTTP_ACCEPT_LANGUAGE="ru")
    assert page.status_code == 200
    assert b'id="import-columns"' in page.content and b"myCompany/CostCenter" in page.content
    text = page.content.decode()
    assert "Столбцы выгрузки" in text and "Сохранён как дополнительный столбец" in text


def test_the_real_legacy_sample_excerpt_imports_with_the_files_totals(in_alpha):
    path = DATA / "aws_cur_legacy_excerpt.csv"
    bi = _import(path)
    assert bi.status == "success", (bi.error, bi.report[:3], bi.warnings)
    # 0.0 + 0.01 + 0.07 (Tax) + 0.0 + 1.81E-8 + 8.4E-9 (Usage), by hand.
    assert ledger_sums(by="billing_currency") == {"USD": Decimal("0.0800000265")}
    assert ledger_sums(by="billing_currency") == _file_sums(path, "lineItem/UnblendedCost", "lineItem/CurrencyCode")
    assert ledger_sums(by="charge_category") == {"Tax": Decimal("0.08"), "Usage": Decimal("0.0000000265")}
    assert set(CostRecord.objects.values_list("service_category", flat=True)) == {
        "Management and Governance", "Security", "Storage", "Other"}  # AWSCloudShell is not in the mapping


def test_net_unblended_cost_is_the_billed_cost_when_the_report_has_net_columns(in_alpha, tmp_path):
    path = tmp_path / "net.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*LEGACY_HEADER[:17], "lineItem/NetUnblendedCost"])
        for index, net in ((0, "2.246"), (8, "5.67")):  # an EDP discount on the usage; none on the tax
            row = _legacy_rows()[index]
            writer.writerow([*(row[h] for h in LEGACY_HEADER[:17]), net])
    bi = _import(path)
    assert bi.status == "success", (bi.error, bi.report[:3])
    assert ledger_sums(by="billing_currency") == {"USD": Decimal("7.916")}  # 2.246 + 5.67
    usage = CostRecord.objects.get(charge_category="Usage")
    assert (usage.billed_cost, usage.effective_cost, usage.contracted_cost) == (
        Decimal("2.246"), Decimal("2.246"), Decimal("2.496"))


def _cur2_table() -> pa.Table:
    rows = _legacy_rows()

    def col(name):
        return [r[name] or None for r in rows]

    def stamp(text):
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None

    def number(name):
        return [float(v) if v else None for v in col(name)]

    tags = [[(k, v) for k, v in (("user_env", r["resourceTags/user:env"]), ("user_team", r["resourceTags/user:team"]))
             if v] for r in rows]
    ms = pa.timestamp("ms", tz="UTC")
    return pa.table({
        "identity_line_item_id": pa.array(col("identity/LineItemId")),
        "bill_bill_type": pa.array(col("bill/BillType")),
        "bill_payer_account_id": pa.array(col("bill/PayerAccountId")),
        "bill_payer_account_name": pa.array(["Main payer"] * len(rows)),
        "bill_billing_period_start_date": pa.array([stamp(v) for v in col("bill/BillingPeriodStartDate")], ms),
        "bill_billing_period_end_date": pa.array([stamp(v) for v in col("bill/BillingPeriodEndDate")], ms),
        "line_item_usage_account_id": pa.array(col("lineItem/UsageAccountId")),
        "line_item_line_item_type": pa.array(col("lineItem/LineItemType")),
        "line_item_usage_start_date": pa.array([stamp(v) for v in col("lineItem/UsageStartDate")], ms),
        "line_item_usage_end_date": pa.array([stamp(v) for v in col("lineItem/UsageEndDate")], ms),
        "line_item_product_code": pa.array(col("lineItem/ProductCode")),
        "line_item_usage_type": pa.array(col("lineItem/UsageType")),
        "line_item_resource_id": pa.array(col("lineItem/ResourceId")),
        "line_item_usage_amount": pa.array(number("lineItem/UsageAmount")),
        "line_item_currency_code": pa.array(col("lineItem/CurrencyCode")),
        "line_item_unblended_cost": pa.array(number("lineItem/UnblendedCost")),
        "line_item_line_item_description": pa.array(col("lineItem/LineItemDescription")),
        "product_region_code": pa.array(col("product/region")),
        "product_sku": pa.array(col("product/sku")),
        "product": pa.array([[("product_name", "Amazon Elastic Compute Cloud")]] * len(rows),
                            pa.map_(pa.string(), pa.string())),
        "pricing_public_on_demand_cost": pa.array(number("pricing/publicOnDemandCost")),
        "pricing_unit": pa.array(col("pricing/unit")),
        "reservation_reservation_a_r_n": pa.array(col("reservation/ReservationARN")),
        "reservation_effective_cost": pa.array(number("reservation/EffectiveCost")),
        "reservation_unused_amortized_upfront_fee_for_billing_period":
            pa.array(number("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod")),
        "reservation_unused_recurring_fee": pa.array(number("reservation/UnusedRecurringFee")),
        "savings_plan_savings_plan_a_r_n": pa.array(col("savingsPlan/SavingsPlanARN")),
        "savings_plan_savings_plan_effective_cost": pa.array(number("savingsPlan/SavingsPlanEffectiveCost")),
        "savings_plan_total_commitment_to_date": pa.array(number("savingsPlan/TotalCommitmentToDate")),
        "savings_plan_used_commitment": pa.array(number("savingsPlan/UsedCommitment")),
        "resource_tags": pa.array(tags, pa.map_(pa.string(), pa.string())),
        "my_company_cost_center": pa.array(col("myCompany/CostCenter")),
    })


def test_cur2_parquet_maps_like_the_legacy_report(in_alpha, tmp_path):
    path = tmp_path / "cur2.parquet"
    pq.write_table(_cur2_table(), path)
    bi = _import(path)
    assert bi.status == "success", (bi.error, bi.report[:3], bi.warnings)
    assert bi.format == "aws_cur2"
    assert ledger_sums(by="billing_currency") == BILLED
    rows = {r.extra_columns["x_identity_line_item_id"]: r for r in CostRecord.objects.all()}
    for line_id, (category, charge_class) in CATEGORY.items():
        assert (rows[line_id].charge_category, rows[line_id].charge_class) == (category, charge_class), line_id
        assert rows[line_id].effective_cost == Decimal(EFFECTIVE[line_id]), line_id
    u1 = rows["u1"]
    assert u1.tags == {"env": "prod", "team": "web"}
    assert (u1.billing_account_name, u1.region_id, u1.resource_type) == ("Main payer", "us-east-1", "instance")
    assert u1.extra_columns["x_my_company_cost_center"] == "CC-1"
    assert json.loads(u1.extra_columns["x_product"]) == {"product_name": "Amazon Elastic Compute Cloud"}
    assert rows["r1"].commitment_discount_id == RI and rows["s1"].commitment_discount_id == SP
    mapped = {c["column"]: c["target"] for c in bi.column_mapping["mapped"]}
    assert mapped["resource_tags"] == "Tags" and mapped["bill_payer_account_id"] == "BillingAccountId"


def test_cur2_csv_with_json_tags_imports_and_replaces_the_same_payer_months(in_alpha, tmp_path):
    table = _cur2_table()
    tags = [json.dumps(dict(v)) if v else "" for v in table.column("resource_tags").to_pylist()]
    table = table.set_column(table.schema.get_field_index("resource_tags"), "resource_tags", pa.array(tags))
    table = table.drop_columns(["product"])
    path = tmp_path / "cur2.csv"
    from pyarrow import csv as pa_csv

    pa_csv.write_csv(table, path)
    _import(_write_legacy(tmp_path / "legacy.csv"))
    bi = _import(path)
    assert bi.status == "success", (bi.error, bi.report[:3], bi.warnings)
    assert bi.format == "aws_cur2" and bi.rows_replaced == len(ROWS)  # the same payer-month, other layout
    assert ledger_sums(by="billing_currency") == BILLED
    assert CostRecord.objects.filter(tag_set__tags={"env": "dev"}).count() == 1


def test_a_cur_attached_to_a_connection_of_another_provider_is_refused(in_alpha, tmp_path):
    from apps.providers.models import ProviderConnection

    conn = ProviderConnection.objects.create(provider="yandex", name="Yandex main", credentials={})
    bi = _import(_write_legacy(tmp_path / "cur.csv"), connection=conn)
    assert (bi.status, bi.error_code) == ("error", "wrong_provider")
    assert "AWS" in bi.error and "Yandex main" in bi.error
    assert not CostRecord.objects.exists()
    aws = ProviderConnection.objects.create(provider="aws", name="AWS main", credentials={},
                                            account_info={"account_id": MEMBER})
    assert _import(_write_legacy(tmp_path / "cur.csv"), connection=aws).status == "success"


def test_import_focus_command_accepts_the_cost_type_for_a_cur(w, tmp_path):
    from django_tenants.utils import schema_context

    path = _write_legacy(tmp_path / "cur.csv")
    out = io.StringIO()
    call_command("import_focus", str(path), org="alpha", cost_type="amortized", stdout=out)
    assert "aws_cur" in out.getvalue()
    with schema_context(w.alpha.schema_name):
        bi = BillingImport.objects.get()
        assert (bi.cost_type, bi.status) == ("amortized", "success")
        # The report carries actual and amortized costs side by side: the choice changes nothing.
        assert ledger_sums(by="billing_currency") == BILLED
        assert ledger_sums(field="effective_cost", by="billing_currency")["USD"] == sum(
            Decimal(v) for k, v in EFFECTIVE.items() if k != "e1")


def test_the_legacy_reports_athena_parquet_layout_with_one_column_per_tag_is_read(in_alpha, tmp_path):
    table = _cur2_table()
    tags = table.column("resource_tags").to_pylist()
    table = table.drop_columns(["resource_tags"])
    for key in ("env", "team"):
        values = [dict(pairs or []).get(f"user_{key}") for pairs in tags]
        table = table.append_column(f"resource_tags_user_{key}", pa.array(values, pa.string()))
    path = tmp_path / "athena.parquet"
    pq.write_table(table, path)
    bi = _import(path)
    assert bi.status == "success", (bi.error, bi.report[:3])
    assert ledger_sums(by="billing_currency") == BILLED
    rows = {r.extra_columns["x_identity_line_item_id"]: r for r in CostRecord.objects.all()}
    assert rows["u1"].tags == {"env": "prod", "team": "web"} and rows["u2"].tags == {"env": "dev"}
    mapped = {c["column"]: c["target"] for c in bi.column_mapping["mapped"]}
    assert mapped["resource_tags_user_team"] == "Tags"
