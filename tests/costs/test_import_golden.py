"""Real FOCUS samples import, and the ledger's sums equal an independent sum over each file."""

from __future__ import annotations

import gzip
import shutil

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from apps.costs.models import CostRecord
from apps.costs.services.imports import focus_file_import

from .conftest import DATA, GOLDEN, cents, independent_sums, ledger_sums

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_golden_file_imports_with_billed_cost_per_service_equal_to_an_independent_sum(in_alpha, path):
    bi = focus_file_import(path=str(path))
    assert bi.status == "success", (bi.error, bi.report[:5])
    assert bi.rows_imported == 100
    assert cents(ledger_sums(billing_import=bi)) == cents(independent_sums(path))
    assert cents(ledger_sums(billing_import=bi, field="effective_cost")) == cents(
        independent_sums(path, column="EffectiveCost"))


def test_detected_focus_version_follows_the_columns(in_alpha):
    v12 = focus_file_import(path=str(DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"))
    v13 = focus_file_import(path=str(DATA / "gcp_1_3_cost_and_usage_rows100_seed42.csv"))
    assert (v12.focus_version, v13.focus_version) == ("1.2", "1.3")


def test_imported_row_keeps_types_periods_tags_and_extras(in_alpha):
    path = DATA / "gcp_1_3_cost_and_usage_rows100_seed42.csv"
    bi = focus_file_import(path=str(path))
    record = CostRecord.objects.filter(billing_import=bi).order_by("charge_period_start", "id").first()
    assert record.charge_period_start.isoformat() == "2026-05-01T00:00:00+00:00"
    assert record.charge_date.isoformat() == "2026-05-01"
    assert record.billing_account_id == "01A2B3-C4D5E6-F70819"
    assert record.source_key == "focus:01A2B3-C4D5E6-F70819:2026-05"
    assert record.provider_name == "Google Cloud"
    assert record.service_provider_name == record.host_provider_name == "Google Cloud"
    assert record.sku_price_details.startswith("{") and "SkuPriceDetails" not in record.extra_columns
    assert any(CostRecord.objects.filter(billing_import=bi, tag_set__tags__has_key="environment").values_list("id"))


def test_numeric_account_ids_are_kept_as_strings(in_alpha):
    bi = focus_file_import(path=str(DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"))
    accounts = set(CostRecord.objects.filter(billing_import=bi).values_list("billing_account_id", flat=True))
    assert accounts and all(len(a) == 12 and a.isdigit() for a in accounts), accounts
    assert "100000000001" in accounts


def test_gzip_csv_is_detected_by_its_magic_bytes_and_imports(in_alpha, tmp_path):
    source = DATA / "azure_1_2_cost_and_usage_rows100_seed42.csv"
    target = tmp_path / "export.bin"  # no telling extension: detection is by content
    with open(source, "rb") as fh, gzip.open(target, "wb") as out:
        shutil.copyfileobj(fh, out)
    bi = focus_file_import(path=str(target))
    assert bi.status == "success", bi.error
    assert cents(ledger_sums(billing_import=bi)) == cents(independent_sums(source))


def test_parquet_export_of_a_golden_file_imports_with_the_same_sums(in_alpha, tmp_path):
    source = DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"
    # Typed like a real Parquet export: costs as doubles, periods as timestamps, ids as strings.
    table = pa_csv.read_csv(source, convert_options=pa_csv.ConvertOptions(
        column_types={"BillingAccountId": "string", "SubAccountId": "string"},
        timestamp_parsers=["%Y-%m-%dT%H:%M:%SZ"]))
    target = tmp_path / "focus.parquet"
    pq.write_table(table, target)
    bi = focus_file_import(path=str(target))
    assert bi.status == "success", (bi.error, bi.report[:5])
    assert bi.format == "focus_parquet"
    assert cents(ledger_sums(billing_import=bi)) == cents(independent_sums(source))


def test_the_pre_1_0_parquet_sample_is_refused_for_its_missing_mandatory_columns(in_alpha):
    bi = focus_file_import(path=str(DATA / "sample.parquet"))
    assert bi.status == "error"
    assert bi.error_code == "columns"
    assert "BilledCost" in bi.report[0]["column"]
    assert not CostRecord.objects.exists()
