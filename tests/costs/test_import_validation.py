"""Bad and messy input: a clear report, nothing partial, previous data intact; messy-but-unambiguous accepted."""

from __future__ import annotations

import csv
import gzip
from decimal import Decimal

import pytest

from apps.costs.models import CostRecord
from apps.costs.services.imports import focus_file_import

from .conftest import DATA, cents, independent_sums, ledger_sums, rewrite

pytestmark = pytest.mark.django_db
AWS = DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"


def _import(path, **kwargs):
    return focus_file_import(path=str(path), **kwargs)


def test_reimporting_the_same_source_and_period_replaces_instead_of_duplicating(in_alpha):
    first = _import(AWS)
    second = _import(AWS)
    assert second.status == "success"
    assert second.rows_replaced == 100
    assert CostRecord.objects.count() == 100
    assert set(CostRecord.objects.values_list("billing_import", flat=True)) == {second.pk}
    assert first.pk != second.pk


def test_validator_fixture_with_non_numeric_cost_and_missing_columns_imports_nothing(in_alpha):
    for name in ("billedCostTest.csv", "all_fail.csv", "multiple_failure_examples.csv", "all_pass_0.5.csv"):
        bi = _import(DATA / name)
        assert bi.status == "error", name
        assert bi.error_code == "columns", name
        assert bi.report and bi.report[0]["reason"], name
    assert not CostRecord.objects.exists()


def test_invalid_rows_refuse_the_whole_file_and_keep_previous_data(in_alpha, tmp_path):
    _import(AWS)
    before = cents(ledger_sums())

    def spoil(i, row):
        if i == 3:
            row["BilledCost"] = "twelve"
        if i == 7:
            row["BillingCurrency"] = "RUR"
        if i == 9:
            row["ChargePeriodEnd"] = "2026-04-30T00:00:00Z"
        if i == 11:
            row["ChargePeriodStart"] = ""
        if i == 12:
            row["ChargeCategory"] = "Refund"
        return row

    bi = _import(rewrite(AWS, tmp_path / "bad.csv", spoil))
    assert bi.status == "error" and bi.error_code == "invalid"
    assert bi.rows_imported == 0
    found = {(e["row"], e["column"], e["value"], e["code"]) for e in bi.report}
    assert (5, "BilledCost", "twelve", "number") in found  # header is row 1, first data row is 2
    assert (9, "BillingCurrency", "RUR", "currency") in found
    assert (11, "ChargePeriodEnd", "2026-04-30 00:00:00+00", "period") in found
    assert (13, "ChargePeriodStart", "", "missing") in found
    assert (14, "ChargeCategory", "Refund", "enum") in found
    assert cents(ledger_sums()) == before


def test_skip_invalid_imports_the_good_rows_and_lists_every_skipped_one(in_alpha, tmp_path):
    def spoil(i, row):
        if i in (0, 50, 99):
            row["BilledCost"] = "1.2.3"
        return row

    path = rewrite(AWS, tmp_path / "partly.csv", spoil)
    bi = _import(path, skip_invalid=True)
    assert bi.status == "success"
    assert (bi.rows_imported, bi.rows_skipped) == (97, 3)
    assert sorted(e["row"] for e in bi.report) == [2, 52, 101]
    assert CostRecord.objects.count() == 97


def test_null_literals_timestamps_without_t_or_z_and_enum_case_variants_are_normalized_and_reported(
        in_alpha, tmp_path):
    def mess(i, row):
        row["ChargeClass"] = "NULL"
        row["ChargePeriodStart"] = row["ChargePeriodStart"].replace("T", " ").replace("Z", "")
        row["BillingPeriodStart"] = row["BillingPeriodStart"][:10]
        if row["ChargeFrequency"] == "Usage-Based":
            row["ChargeFrequency"] = "Usage-based"
        row["ChargeCategory"] = row["ChargeCategory"].lower()
        return row

    bi = _import(rewrite(AWS, tmp_path / "messy.csv", mess))
    assert bi.status == "success", bi.report[:3]
    assert cents(ledger_sums(billing_import=bi)) == cents(independent_sums(AWS))
    codes = {n["code"] for n in bi.normalizations}
    assert {"null_literal", "naive", "date_only", "enum_case"} <= codes
    assert set(CostRecord.objects.values_list("charge_class", flat=True)) == {""}
    assert not CostRecord.objects.exclude(charge_frequency__in=["Usage-Based", "Recurring", "One-Time", ""]).exists()
    first = CostRecord.objects.order_by("charge_period_start").first()
    assert first.charge_period_start.isoformat() == "2026-05-01T00:00:00+00:00"


def test_extra_columns_without_prefix_are_kept_as_x_extras_and_reported(in_alpha, tmp_path):
    def add(i, row):
        row["CostCenter"] = f"cc-{i}"
        return row

    with open(AWS, encoding="utf-8") as fh:
        header = fh.readline().strip()
    target = tmp_path / "extra.csv"
    import csv

    with open(AWS, newline="", encoding="utf-8") as fh, open(target, "w", newline="", encoding="utf-8") as out:
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(out, fieldnames=header.split(",") + ["CostCenter"])
        writer.writeheader()
        for i, row in enumerate(reader):
            writer.writerow(add(i, row))
    bi = _import(target)
    assert bi.status == "success"
    assert "unknown_column" in {n["code"] for n in bi.normalizations}
    assert sum(r.extra_columns.get("x_CostCenter") == "cc-0" for r in CostRecord.objects.all()) == 1


def test_semicolon_delimited_file_with_decimal_commas_is_accepted_as_unambiguous(in_alpha, tmp_path):
    import csv

    target = tmp_path / "semicolon.csv"
    with open(AWS, newline="", encoding="utf-8") as fh, open(target, "w", newline="", encoding="utf-8") as out:
        reader = csv.reader(fh)
        writer = csv.writer(out, delimiter=";")
        header = next(reader)
        writer.writerow(header)
        money = {header.index(c) for c in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")}
        for row in reader:
            writer.writerow([v.replace(".", ",") if i in money else v for i, v in enumerate(row)])
    bi = _import(target)
    assert bi.status == "success", (bi.error, bi.report[:3])
    assert {"delimiter", "comma_decimal"} <= {n["code"] for n in bi.normalizations}
    assert cents(ledger_sums(billing_import=bi)) == cents(independent_sums(AWS))


def test_cp1251_file_is_refused_with_a_clear_encoding_message(in_alpha, tmp_path):
    text = AWS.read_text(encoding="utf-8").replace("ExampleCorp Master Payer", "Компания Пример")
    target = tmp_path / "cp1251.csv"
    target.write_bytes(text.encode("cp1251"))
    bi = _import(target)
    assert bi.status == "error" and bi.error_code == "encoding"
    assert "1251" in bi.error
    assert not CostRecord.objects.exists()


def test_utf8_bom_is_handled(in_alpha, tmp_path):
    target = tmp_path / "bom.csv"
    target.write_bytes(b"\xef\xbb\xbf" + AWS.read_bytes())
    bi = _import(target)
    assert bi.status == "success", bi.error
    assert bi.rows_imported == 100


@pytest.mark.parametrize("content,code", [(b"", "empty"), (gzip.compress(b""), "empty")],
                         ids=["plain", "gzip"])
def test_empty_file_is_refused(in_alpha, tmp_path, content, code):
    target = tmp_path / "empty.csv"
    target.write_bytes(content)
    bi = _import(target)
    assert (bi.status, bi.error_code) == ("error", code)


def test_header_only_file_is_refused_as_having_no_rows(in_alpha, tmp_path):
    target = tmp_path / "header.csv"
    target.write_text(AWS.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    bi = _import(target)
    assert (bi.status, bi.error_code) == ("error", "empty")


def test_a_file_for_another_billing_account_than_the_connection_is_refused(in_alpha):
    from apps.providers.models import ProviderConnection

    conn = ProviderConnection.objects.create(provider="beget", name="Main", credentials={},
                                             account_info={"account_id": "999999999999"})
    _import(DATA / "azure_1_2_cost_and_usage_rows100_seed42.csv")
    before = CostRecord.objects.count()
    bi = _import(AWS, connection=conn, skip_invalid=True)
    assert (bi.status, bi.error_code) == ("error", "account")
    assert bi.report[0]["column"] == "BillingAccountId"
    assert CostRecord.objects.count() == before


def test_yandex_cloud_detail_export_imports_mapped_to_focus(in_alpha, tmp_path):
    target = tmp_path / "yc.csv"
    target.write_text(
        "billing_account_id,billing_account_name,cloud_id,cloud_name,folder_id,folder_name,resource_id,service_id,"
        "service_name,sku_id,sku_name,date,currency,pricing_quantity,pricing_unit,cost,credit,"
        "monetary_grant_credit,volume_incentive_credit,cud_credit,misc_credit,label.user_labels.env,locale,"
        "updated_at,exported_at\n"
        "dn2abc,Main,b1gcloud,prod,b1gfolder,web,fhm123,dn2svc,Compute Cloud,dn2sku,Intel Ice Lake. 100% vCPU,"
        "2025-03-05,RUB,24,core*hour,150.50,-20.25,-20.25,0,0,0,prod,ru,1741219200,2025-03-06T00:00:00Z\n"
        "dn2abc,Main,b1gcloud,prod,b1gfolder,web,,dn2s3,Object Storage,dn2sku2,Standard storage,"
        "2025-03-05,RUB,10,gbyte*day,3.10,0,0,0,0,0,,ru,1741219200,2025-03-06T00:00:00Z\n",
        encoding="utf-8")
    bi = _import(target)
    assert bi.status == "success", (bi.error, bi.report)
    assert bi.format == "yandex_csv"
    vm = CostRecord.objects.get(service_name="Compute Cloud")
    assert str(vm.billed_cost.normalize()) == "130.25"
    assert str(vm.list_cost.normalize()) == "150.5"
    assert vm.charge_date.isoformat() == "2025-03-05"
    assert vm.tags == {"env": "prod"}
    assert vm.service_category == "Compute"
    assert vm.extra_columns["x_FolderId"] == "b1gfolder"
    assert vm.source_key == "yandex:dn2abc:2025-03-05"
    assert CostRecord.objects.get(service_name="Object Storage").service_category == "Storage"


def test_null_literals_in_any_case_and_whitespace_become_empty_but_look_alikes_stay(in_alpha, tmp_path):
    def mess(i, row):
        row["RegionName"] = [" null ", "\u00a0", "NuLl", "nullable"][i % 4]
        row["SkuMeter"] = ["\tNULL", "null-meter", "", "a null"][i % 4]
        return row

    bi = _import(rewrite(AWS, tmp_path / "nulls.csv", mess))
    assert bi.status == "success", bi.report[:3]
    assert set(CostRecord.objects.values_list("region_name", flat=True)) == {"", "nullable"}
    assert set(CostRecord.objects.values_list("sku_meter", flat=True)) == {"", "null-meter", "a null"}
    literals = sum(n["count"] for n in bi.normalizations if n["code"] == "null_literal")
    assert literals == 25 * 3  # " null ", "NuLl" and "\tNULL"; blanks are not literals


@pytest.mark.parametrize("column", ["ServiceName", "ResourceId", "Tags", "BilledCost"])
def test_a_nul_character_in_a_value_refuses_the_file_naming_its_row_and_column(in_alpha, tmp_path, column):
    _import(AWS)
    before = cents(ledger_sums())

    def spoil(i, row):
        if i == 3:
            row[column] = (row[column] or "x") + "\x00secret"
        return row

    bi = _import(rewrite(AWS, tmp_path / "nul.csv", spoil))
    assert (bi.status, bi.error_code) == ("error", "nul")
    # Row 5 of the spreadsheet: the header is row 1, the spoiled row the fourth data row.
    assert bi.error == (f"В строке 5, в столбце {column} есть нулевой символ (\\x00), который не может быть "
                        "в тексте. Удалите его и загрузите файл снова.")
    assert "secret" not in str(bi.report)
    assert cents(ledger_sums()) == before


def test_a_nul_character_in_the_header_refuses_the_file(in_alpha, tmp_path):
    lines = AWS.read_text(encoding="utf-8").splitlines(keepends=True)
    target = tmp_path / "nul-header.csv"
    target.write_text(lines[0].replace("ServiceName", "Service\x00Name") + "".join(lines[1:]), encoding="utf-8")
    bi = _import(target)
    assert (bi.status, bi.error_code) == ("error", "nul")
    assert bi.error.startswith("Заголовок файла содержит нулевой символ")


def test_a_nul_character_in_a_parquet_value_refuses_the_file_too(in_alpha, tmp_path):
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    table = pa_csv.read_csv(AWS, convert_options=pa_csv.ConvertOptions(strings_can_be_null=False))
    services = table.column("ServiceName").to_pylist()
    services[3] = services[3] + "\x00"
    table = table.set_column(table.schema.get_field_index("ServiceName"), "ServiceName", pa.array(services))
    pq.write_table(table, tmp_path / "nul.parquet")
    bi = _import(tmp_path / "nul.parquet")
    assert (bi.status, bi.error_code) == ("error", "nul")
    assert bi.error.startswith("В строке 5, в столбце ServiceName есть нулевой символ")


def test_a_cost_with_a_huge_negative_exponent_imports_as_zero_instead_of_crashing_the_worker(in_alpha, tmp_path):
    """"1e-4918263" is a number (0 to the ledger's ten places), read by Python's decimal instead of pyarrow's parser,
    which can crash the process on it (tests/common/test_pgbinary.py shows the crash in a fresh interpreter)."""
    def tiny(i, row):
        if i == 0:
            row["BilledCost"] = row["EffectiveCost"] = "1e-4918263"
        return row

    path = rewrite(AWS, tmp_path / "tiny.csv", tiny)
    bi = _import(path)
    assert bi.status == "success", (bi.error, bi.report[:3])
    expected = independent_sums(AWS)
    with open(AWS, newline="", encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    expected[first["ServiceName"]] -= Decimal(first["BilledCost"])
    assert cents(ledger_sums()) == cents(expected)
