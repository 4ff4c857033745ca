"""Azure (EA, MCA; actual and amortized), Google Cloud and Oracle Cloud native billing exports imported as FOCUS.

The files in data/native/ are hand-written in each export's documented layout (docs/providers/focus_native.md);
every expected figure below is summed by hand from those files' cost columns, not from the converter."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.db.models import Sum

from apps.costs.importers import azure, azure_mca, gcp, native, oci, yandex
from apps.costs.models import CostRecord
from apps.costs.services.imports import focus_file_import

from .conftest import DATA

pytestmark = pytest.mark.django_db
NATIVE = DATA / "native"
D = Decimal


def _import(name_or_path, **kwargs):
    path = NATIVE / name_or_path if isinstance(name_or_path, str) else name_or_path
    bi = focus_file_import(path=str(path), **kwargs)
    assert bi.status == "success", (bi.error, bi.report[:5], bi.warnings)
    return bi


def _totals(field: str = "billed_cost") -> dict[str, Decimal]:
    rows = CostRecord.objects.values("billing_currency").annotate(total=Sum(field))
    return {row["billing_currency"]: row["total"].normalize() for row in rows}


def _row(**filters) -> CostRecord:
    return CostRecord.objects.get(**filters)


# --- detection ----------------------------------------------------------------------------------------------


def _header(name: str) -> list[str]:
    return (NATIVE / name).read_text(encoding="utf-8").splitlines()[0].split(",")


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("azure_ea_actual.csv", azure),
        ("azure_ea_amortized.csv", azure),
        ("azure_mca_actual.csv", azure_mca),
        ("gcp_console.csv", gcp),
        ("gcp_bigquery.csv", gcp),
        ("oci_cost.csv", oci),
    ],
)
def test_each_native_header_is_detected_as_its_own_format_only(name, module):
    assert native.detect(_header(name)) is module
    others = [m for m in native.native_modules() if m is not module]
    assert not [m.FORMAT for m in others if m.detect(_header(name))]


def test_yandex_aws_and_focus_headers_are_none_of_these_formats():
    yandex_header = list(yandex.REQUIRED) + ["credit", "cloud_id"]
    aws_cur = [
        "identity/LineItemId",
        "bill/PayerAccountId",
        "lineItem/UsageStartDate",
        "lineItem/UsageEndDate",
        "lineItem/ProductCode",
        "lineItem/UnblendedCost",
        "lineItem/CurrencyCode",
        "product/region",
    ]
    cur2 = [
        "bill_payer_account_id",
        "line_item_usage_start_date",
        "line_item_product_code",
        "line_item_unblended_cost",
        "line_item_currency_code",
        "product",
    ]
    for module in (azure, azure_mca, gcp, oci):
        assert not module.detect(yandex_header)
        assert not module.detect(aws_cur)
        assert not module.detect(cur2)
        assert not module.detect(_header("azure_ea_actual.csv") + ["BilledCost"])
    assert native.detect(yandex_header) is yandex


def test_every_module_names_its_mapped_native_columns_for_the_report():
    for module in (azure, azure_mca, gcp, oci):
        assert module.MAPPED and all(isinstance(k, str) and v for k, v in module.MAPPED.items())
    assert azure.MAPPED["CostInBillingCurrency"] == "BilledCost/EffectiveCost"
    assert azure.MAPPED["BillingAccountId"] == "BillingAccountId"
    assert azure_mca.MAPPED["billingProfileId"] == "BillingAccountId"
    assert "billingAccountId" not in azure_mca.MAPPED  # kept as x_BillingAccountId
    assert oci.MAPPED["cost/myCost"].startswith("BilledCost")


@pytest.mark.parametrize(
    ("name", "module", "mapped", "extras"),
    [
        (
            "azure_ea_actual.csv",
            azure,
            {"CostInBillingCurrency": "BilledCost/EffectiveCost", "Tags": "Tags"},
            {
                "MyTeamColumn": "x_MyTeamColumn",
                "ResourceGroup": "x_ResourceGroupName",
                "BillingProfileId": "x_BillingProfileId",
                "UnitOfMeasure": "x_PricingUnitDescription",
            },
        ),
        (
            "azure_mca_actual.csv",
            azure_mca,
            {"billingProfileId": "BillingAccountId", "date": "ChargePeriodStart/ChargePeriodEnd"},
            {"billingAccountId": "x_BillingAccountId", "internalProject": "x_internalProject"},
        ),
        (
            "gcp_console.csv",
            gcp,
            {"Cost": "BilledCost/ContractedCost/EffectiveCost", "Project ID": "SubAccountId"},
            {"Credits": "x_Credits", "Team note": "x_Team note", "Service ID": "x_ServiceId"},
        ),
        (
            "gcp_bigquery.csv",
            gcp,
            {"service.description": "ServiceName/ServiceCategory", "labels": "Tags"},
            {"my_unknown": "x_my_unknown", "export_time": "x_export_time"},
        ),
        (
            "oci_cost.csv",
            oci,
            {"cost/myCost": "BilledCost/EffectiveCost/ListCost/ContractedCost", "tags/Finance.CostCenter": "Tags"},
            {
                "cost/myCostOverage": "x_CostOverage",
                "extraThing": "x_extraThing",
                "product/compartmentName": "x_product/compartmentName",
            },
        ),
    ],
)
def test_the_column_report_says_which_native_columns_were_mapped_and_which_kept(name, module, mapped, extras):
    header = _header(name)
    got_mapped, got_extras = module.column_map(header)
    assert mapped.items() <= got_mapped.items()
    assert extras.items() <= got_extras.items()
    # Every native column is accounted for, and every kept one is an output column of the conversion.
    assert set(header) <= set(got_mapped) | set(got_extras)
    assert set(got_extras.values()) <= set(module.output_columns(header))


# --- Azure --------------------------------------------------------------------------------------------------


def test_azure_ea_actual_totals_equal_the_cost_column_per_currency_with_categories_and_signs(in_alpha):
    bi = _import("azure_ea_actual.csv")
    assert bi.format == "azure_ea"
    assert bi.rows_imported == 7
    # Σ CostInBillingCurrency by hand: USD 2.304 + 0 + 1200.00 - 300.50 + 45.10 - 0.004; EUR 2.00.
    assert _totals() == {"USD": D("946.9"), "EUR": D("2")}
    # Actual cost: the reservation purchase and its refund have no effective cost (convert.md).
    assert _totals("effective_cost") == {"USD": D("47.4"), "EUR": D("2")}

    purchase = _row(charge_category="Purchase", charge_class="")
    assert (purchase.billed_cost, purchase.effective_cost) == (D("1200"), D("0"))
    assert purchase.commitment_discount_type == "Reservation"
    assert purchase.commitment_discount_category == "Usage"
    assert purchase.charge_frequency == "One-Time"
    assert (purchase.service_name, purchase.service_category) == ("Virtual Machines", "Compute")
    refund = _row(charge_class="Correction")
    assert (refund.charge_category, refund.billed_cost) == ("Purchase", D("-300.5"))
    assert _row(charge_category="Tax").billed_cost == D("45.1")
    assert _row(charge_category="Adjustment").billed_cost == D("-0.004")  # RoundingAdjustment
    covered = _row(commitment_discount_status="Used")
    assert (covered.billed_cost, covered.pricing_category) == (D("0"), "Committed")

    vm = _row(resource_name="web-1")
    assert vm.tags == {"env": "prod", "team": "web"}  # EA's Tags without braces
    assert (vm.service_name, vm.service_category, vm.region_id) == ("Virtual Machines", "Compute", "eastus")
    assert (vm.pricing_quantity, vm.pricing_unit) == (D("2.4"), "Hours")  # 24 × "10 Hours" blocks
    assert vm.provider_name == "Microsoft"
    assert vm.billing_account_id == "8611537"
    assert vm.sub_account_id == "11111111-aaaa-bbbb-cccc-000000000001"
    assert vm.charge_period_start.isoformat() == "2024-03-05T00:00:00+00:00"
    assert vm.billing_period_end.isoformat() == "2024-04-01T00:00:00+00:00"
    assert vm.extra_columns["x_MyTeamColumn"] == "alpha"  # an unknown column is kept
    assert vm.extra_columns["x_SkuMeterCategory"] == "Virtual Machines"
    assert vm.extra_columns["x_ResourceGroupName"] == "rg-web"
    assert vm.extra_columns["x_BillingProfileId"] == "8611537"
    storage = _row(billing_currency="EUR")
    assert (storage.service_name, storage.service_category, storage.tags) == (
        "Storage Accounts",
        "Storage",
        {"env": "dev"},
    )


def test_azure_amortized_file_fills_effective_cost_and_bills_nothing_for_commitment_usage(in_alpha):
    bi = _import("azure_ea_amortized.csv", cost_type="amortized")
    assert (bi.format, bi.cost_type) == ("azure_ea", "amortized")
    # Σ CostInBillingCurrency by hand: USD 2.304 + 2.74 + 0.548 + 3.00 + 45.10; EUR 2.00.
    assert _totals("effective_cost") == {"USD": D("53.692"), "EUR": D("2")}
    # Billed: reservation- and savings-plan-covered usage and the unused reservation are 0 (paid by the purchase).
    assert _totals() == {"USD": D("47.404"), "EUR": D("2")}
    unused = _row(commitment_discount_status="Unused")
    assert (unused.charge_category, unused.billed_cost, unused.effective_cost) == ("Usage", D("0"), D("0.548"))
    plan = _row(commitment_discount_type="Savings Plan")
    assert (plan.commitment_discount_category, plan.billed_cost, plan.effective_cost) == ("Spend", D("0"), D("3"))


def test_an_amortized_azure_file_uploaded_through_the_api_fills_effective_cost(w, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_tenants.utils import schema_context

    from apps.costs.services.imports import billing_import_run

    client = client_for(w.fiona, "alpha")
    upload = SimpleUploadedFile("amortized.csv", (NATIVE / "azure_ea_amortized.csv").read_bytes(), "text/csv")
    response = client.post("/api/v1/costs/imports/", {"file": upload, "cost_type": "amortized"})
    assert response.status_code == 202, response.content
    assert response.json()["cost_type"] == "amortized"
    with schema_context(w.alpha.schema_name):
        billing_import_run(import_id=response.json()["id"])
        assert _totals("effective_cost") == {"USD": D("53.692"), "EUR": D("2")}
        assert _totals() == {"USD": D("47.404"), "EUR": D("2")}
    detail = client.get(f"/api/v1/costs/imports/{response.json()['id']}/").json()
    assert (detail["status"], detail["format"]) == ("success", "azure_ea")


def test_the_same_azure_file_as_actual_cost_keeps_billed_cost_equal_to_its_cost_column(in_alpha):
    _import("azure_ea_amortized.csv")  # cost type defaults to actual
    assert _totals() == {"USD": D("53.692"), "EUR": D("2")}


def test_azure_mca_actual_maps_the_billing_profile_and_keeps_each_rows_currency(in_alpha):
    bi = _import("azure_mca_actual.csv")
    assert bi.format == "azure_mca"
    # Σ costInBillingCurrency by hand: EUR 9.20 - 5.00 + 1.75 + 50.00; GBP 3.30.
    assert _totals() == {"EUR": D("55.95"), "GBP": D("3.3")}
    assert _totals("effective_cost") == {"EUR": D("55.95"), "GBP": D("3.3")}
    vm = _row(resource_name="app-1")
    assert (vm.billing_account_id, vm.billing_account_name) == ("BP-1", "Contoso Europe")
    assert vm.extra_columns["x_BillingAccountId"] == "acc-mca:1234"
    assert vm.sku_id == "DZH318Z0BQ4L"
    assert vm.list_cost == D("11.04")  # paygCostInBillingCurrency
    assert vm.contracted_unit_price == D("0.092")  # unitPrice 0.1 USD × exchangeRatePricingToBilling 0.92
    assert vm.tags == {"env": "prod"}
    assert vm.extra_columns["x_internalProject"] == "apollo"
    assert _row(charge_category="Credit").billed_cost == D("-5")
    assert _row(charge_category="Tax").billed_cost == D("1.75")
    saas = _row(charge_category="Purchase")
    assert (saas.billed_cost, saas.effective_cost, saas.publisher_name) == (D("50"), D("50"), "Contoso Ltd")
    assert _row(billing_currency="GBP").billing_account_id == "BP-2"


def test_a_semicolon_separated_azure_export_with_decimal_commas_gives_the_same_totals(in_alpha, tmp_path):
    import csv

    path = tmp_path / "ea_semicolon.csv"
    numbers = ("CostInBillingCurrency", "UnitPrice", "PayGPrice", "Quantity", "EffectivePrice")
    with (
        open(NATIVE / "azure_ea_actual.csv", newline="", encoding="utf-8") as fh,
        open(path, "w", newline="", encoding="utf-8") as out,
    ):
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames, delimiter=";")
        writer.writeheader()
        for row in reader:
            writer.writerow({k: v.replace(".", ",") if k in numbers else v for k, v in row.items()})
    _import(path)
    assert _totals() == {"USD": D("946.9"), "EUR": D("2")}
    assert _totals("effective_cost") == {"USD": D("47.4"), "EUR": D("2")}
    assert _row(resource_name="web-1").contracted_cost == D("2.304")  # 0,96 × 24 / 10


def test_the_older_ea_layout_with_cost_and_billing_currency_columns_is_read_too(in_alpha, tmp_path):
    path = tmp_path / "ea_2019.csv"
    path.write_text(
        "BillingAccountId,BillingAccountName,BillingPeriodStartDate,BillingPeriodEndDate,AccountName,"
        "AccountOwnerId,SubscriptionId,SubscriptionName,Date,Product,MeterCategory,Quantity,Cost,UnitPrice,"
        "BillingCurrency,ResourceLocation,ConsumedService,ResourceId,Tags,ChargeType,PricingModel\n"
        "100,Old EA,2023-01-01,2023-01-31,Acc,o@example.com,sub-1,Legacy,2023-01-10,Premium SSD,Storage,1,"
        "4.5,4.5,usd,westus,Microsoft.Compute,/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Compute/"
        "disks/d1,not json,Usage,OnDemand\n"
        "100,Old EA,2023-01-01,2023-01-31,Acc,o@example.com,sub-1,Legacy,2023-01-11,Premium SSD,Storage,1,"
        "4.5,4.5,USD,westus,Microsoft.Compute,/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Compute/"
        "disks/d1,,Usage,OnDemand\n",
        encoding="utf-8",
    )
    bi = _import(path)
    assert bi.format == "azure_ea"
    assert _totals() == {"USD": D("9")}  # Σ Cost; the lower-case currency code is upper-cased
    disk = _row(charge_period_start__day=10)
    assert (disk.service_name, disk.service_category, disk.region_name) == ("Virtual Machines", "Compute", "West US")
    assert disk.tags == {}  # Tags that are no JSON object: the row is kept, the value reported
    assert {w["column"] for w in bi.warnings} == {"Tags"}


def test_a_native_file_attached_to_another_providers_connection_is_refused(in_alpha):
    from apps.providers.models import ProviderConnection

    beget = ProviderConnection.objects.create(provider="beget", name="Hosting", credentials={})
    unknown = ProviderConnection.objects.create(provider="retired-cloud", name="Old", credentials={})
    for name, connection in (("azure_ea_actual.csv", beget), ("gcp_bigquery.csv", unknown), ("oci_cost.csv", beget)):
        bi = focus_file_import(path=str(NATIVE / name), connection=connection)
        assert (bi.status, bi.error_code) == ("error", "wrong_provider"), name
        assert connection.name in bi.error
    assert not CostRecord.objects.exists()


# --- Google Cloud -------------------------------------------------------------------------------------------


def test_gcp_console_csv_totals_equal_its_cost_column_and_credits_fill_effective_cost(in_alpha):
    bi = _import("gcp_console.csv")
    assert bi.format == "gcp_billing"
    # Σ Cost by hand: USD 120.50 + 10.00 + 13.05 - 4.00 + 0.01; EUR 30.00.
    assert _totals() == {"USD": D("139.56"), "EUR": D("30")}
    # Σ (Cost + Credits), a charge not below 0: USD 100.00 + 10.00 + 13.05 - 4.00 + 0.01; EUR max(30 - 35, 0).
    assert _totals("effective_cost") == {"USD": D("119.06"), "EUR": D("0")}
    categories = dict(
        CostRecord.objects.filter(billing_currency="USD")
        .values("charge_category")
        .annotate(total=Sum("billed_cost"))
        .values_list("charge_category", "total")
    )
    assert {k: v.normalize() for k, v in categories.items()} == {
        "Usage": D("130.5"),
        "Tax": D("13.05"),
        "Adjustment": D("-3.99"),
    }
    vm = _row(service_name="Compute Engine", charge_category="Usage")
    assert (vm.service_category, vm.sub_account_id, vm.sku_id) == ("Compute", "web-prod", "0C5C-3A4B-1234")
    assert vm.charge_period_start.isoformat() == "2024-03-01T00:00:00+00:00"
    assert vm.charge_period_end.isoformat() == "2024-03-02T00:00:00+00:00"  # the console's inclusive day
    assert vm.billing_period_start.isoformat() == "2024-03-01T08:00:00+00:00"  # invoice month, Pacific time
    assert vm.extra_columns["x_Team note"] == "first"
    assert vm.extra_columns["x_CreditsTotal"] == "-20.50"


def test_gcp_bigquery_layout_sums_credit_lists_and_maps_cost_types(in_alpha):
    bi = _import("gcp_bigquery.csv")
    assert bi.format == "gcp_billing"
    # Σ cost by hand: USD 5.00 + 0.50 - 0.01 - 2.00; JPY 150.
    assert _totals() == {"USD": D("3.49"), "JPY": D("150")}
    # Σ cost + credits: USD (5.00 - 1.25 - 0.75) + 0.50 - 0.01 - 2.00; JPY 150.
    assert _totals("effective_cost") == {"USD": D("1.49"), "JPY": D("150")}
    vm = _row(service_name="Compute Engine", charge_category="Usage")
    assert (vm.effective_cost, vm.list_cost) == (D("3"), D("6"))
    assert vm.tags == {"env": "prod"}
    assert (vm.region_id, vm.availability_zone) == ("europe-west3", "europe-west3-a")
    assert (vm.pricing_quantity, vm.pricing_unit, vm.consumed_unit) == (D("1"), "hour", "seconds")
    assert vm.charge_period_start.isoformat() == "2024-03-01T08:00:00+00:00"
    assert vm.billing_period_end.isoformat() == "2024-04-01T07:00:00+00:00"  # Pacific daylight time
    assert vm.extra_columns["x_my_unknown"] == "u1"
    assert "SUSTAINED_USAGE_DISCOUNT" in vm.extra_columns["x_Credits"]
    assert _row(charge_category="Tax").billed_cost == D("0.5")
    assert _row(charge_description="Rounding error").charge_category == "Adjustment"
    assert _row(billing_currency="JPY").sub_account_name == "Tokyo App"


def test_gcp_bigquery_parquet_with_nested_records_is_read_through_its_fields(in_alpha, tmp_path):
    table = pa.table(
        {
            "billing_account_id": ["01A2B3-C4D5E6-F7A8B9", "01A2B3-C4D5E6-F7A8B9"],
            "service": [
                {"id": "6F81", "description": "Compute Engine"},
                {"id": "95FF", "description": "Cloud Storage"},
            ],
            "sku": [{"id": "0C5C", "description": "N2 core"}, {"id": "E5F0", "description": "Standard storage"}],
            "usage_start_time": pa.array([1709280000000000, 1709280000000000], pa.timestamp("us", "UTC")),
            "usage_end_time": pa.array([1709283600000000, 1709283600000000], pa.timestamp("us", "UTC")),
            "project": [{"id": "web-prod", "name": "Web"}, {"id": "web-prod", "name": "Web"}],
            "cost": pa.array([4.25, 1.5], pa.float64()),
            "currency": ["USD", "USD"],
            "credits": [[{"name": "SUD", "amount": -0.25}], []],
            "invoice": [{"month": "202403"}, {"month": "202403"}],
            "cost_type": ["regular", "regular"],
        }
    )
    path = tmp_path / "export.parquet"
    pq.write_table(table, path)
    _import(path)
    assert _totals() == {"USD": D("5.75")}
    assert _totals("effective_cost") == {"USD": D("5.5")}
    vm = _row(service_name="Compute Engine")
    assert (vm.sku_id, vm.sub_account_id, vm.charge_description) == ("0C5C", "web-prod", "N2 core")
    assert vm.charge_period_start.isoformat() == "2024-03-01T08:00:00+00:00"
    assert "labels" not in vm.extra_columns and "x_project" in vm.extra_columns  # the nested record is kept too


# --- Oracle Cloud -------------------------------------------------------------------------------------------


def test_oci_cost_report_totals_equal_my_cost_overage_included_with_tags_and_corrections(in_alpha):
    bi = _import("oci_cost.csv")
    assert bi.format == "oci_cost"
    # Σ cost/myCost by hand: USD 0.0612 + 0.0034 - 0.0200; EUR 0.5000 (cost/myCostOverage would give 0.0100).
    assert _totals() == {"USD": D("0.0446"), "EUR": D("0.5")}
    assert _totals("effective_cost") == {"USD": D("0.0446"), "EUR": D("0.5")}
    vm = _row(billed_cost=D("0.0612"))
    assert (vm.service_name, vm.service_category, vm.provider_name) == ("COMPUTE", "Compute", "Oracle")
    assert vm.charge_period_start.isoformat() == "2023-11-13T10:00:00+00:00"
    assert vm.charge_period_end.isoformat() == "2023-11-13T11:00:00+00:00"
    assert vm.billing_period_start.isoformat() == "2023-11-01T00:00:00+00:00"
    assert vm.tags == {"Oracle-Tags.CreatedBy": "alice@example.com", "Finance.CostCenter": "CC-7"}
    assert (vm.billing_account_id, vm.sub_account_id) == ("12345678", "ocid1.tenancy.oc1..aaaa")
    assert (vm.region_id, vm.availability_zone, vm.sku_id) == ("eu-frankfurt-1", "EU-FRANKFURT-1-AD-1", "B93113")
    assert vm.extra_columns["x_CostOverage"] == "0.0100"
    assert vm.extra_columns["x_extraThing"] == "x1"
    correction = _row(charge_class="Correction")
    assert (correction.charge_category, correction.billed_cost) == ("Usage", D("-0.02"))
    assert _row(billing_currency="EUR").service_category == "Storage"
