"""FOCUS out: the ledger exported as a FOCUS 1.2 dataset (CSV and Parquet), through the selector, the API, the
explorer page and ``manage.py export_focus``. Expected values are computed by hand from the rows below."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from apps.costs.selectors import focus_export
from apps.costs.selectors.focus_export import focus_csv_chunks, focus_parquet_chunks, focus_unit, service_subcategory
from tests.costs.explorer_data import ledger, row
from tests.utils import russian

pytestmark = pytest.mark.django_db

MAY = {"start": "2026-05-01", "end": "2026-05-31"}
# Every FOCUS 1.2 Cost and Usage column, in the spec's order (columns.md §2), then the ledger's custom columns.
FOCUS_12 = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType",
    "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "CapacityReservationId", "CapacityReservationStatus",
    "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus", "CommitmentDiscountType", "CommitmentDiscountUnit", "ConsumedQuantity",
    "ConsumedUnit", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName",
    "ListCost", "ListUnitPrice", "PricingCategory", "PricingCurrency", "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit",
    "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
    "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId",
    "SubAccountId", "SubAccountName", "SubAccountType", "Tags",
]
CUSTOM = ["x_OriginalNames", "x_ServiceCode", "x_estimated"]  # sorted: upper case first


def _rows():
    """A Yandex Cloud VM day (a Russian provider, its legal name as invoice issuer, a tag, an estimate flag), a
    Yandex credit, an AWS EC2 line as a FOCUS file brings it (USD, its own unit price, an unknown column), a row
    after the range."""
    vm = row(date(2026, 5, 3), "48.00", resource="fhm-vm-1", resource_type="vm", sub_account="b1g-folder",
             tags={"env": "prod", "team": "web"})
    vm.invoice_issuer_name = "ООО «Яндекс.Облако»"
    vm.billing_account_name = "Договор 478587"
    vm.sub_account_name = "prod"
    vm.resource_name = "web-1"
    vm.charge_description = "Intel Ice Lake. 100% vCPU"
    vm.charge_frequency = "Usage-Based"
    vm.pricing_category = "Standard"
    vm.pricing_quantity = Decimal("24")
    vm.pricing_unit = "vCPU*hour"
    vm.consumed_quantity = Decimal("24")
    vm.consumed_unit = "vCPU*hour"
    vm.sku_id = "dn2-vcpu"
    vm.extras = {"x_estimated": True}
    credit = row(date(2026, 5, 4), "-10.50", category="Credit", sub_account="b1g-folder", service="Compute Cloud")
    credit.sub_account_name = "prod"
    credit.charge_description = "Грант"
    ec2 = row(date(2026, 5, 31), "0.84", currency="USD", provider="AWS", account="123456789012",
              service="Amazon Elastic Compute Cloud", region="us-east-1", resource="i-0abc", resource_type="Instance")
    ec2.region_name = "US East (N. Virginia)"
    ec2.charge_frequency = "Usage-Based"
    ec2.pricing_category = "On-Demand"
    ec2.pricing_quantity = Decimal("2")
    ec2.pricing_unit = "Hours"
    ec2.list_unit_price = Decimal("0.42")
    ec2.contracted_unit_price = Decimal("0.42")
    ec2.sku_id = "ABCD"
    ec2.sku_price_id = "ABCD.JRTCKXETXF"
    ec2.sku_price_details = '{"InstanceType": "t3.medium", "CoreCount": 2}'
    ec2.extras = {"ServiceCode": "AmazonEC2"}
    later = row(date(2026, 6, 1), "99", service="Object Storage", service_category="Storage")
    return [vm, credit, ec2, later]


@pytest.fixture
def costs(w):
    with schema_context(w.alpha.schema_name):
        ledger(_rows())
    with schema_context(w.beta.schema_name):
        ledger([row(date(2026, 5, 2), "777", service="Beta Only", provider="Selectel", account="beta-acc")])


def _csv(chunks, custom: list[str] = CUSTOM) -> list[dict[str, str]]:
    data = b"".join(chunks)
    assert not data.startswith("\ufeff".encode())
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    rows = list(reader)
    assert reader.fieldnames == FOCUS_12 + custom
    return rows


def test_the_csv_has_every_focus_column_and_hand_checked_values(w, costs):
    with schema_context(w.alpha.schema_name):
        vm, credit, ec2 = _csv(focus_csv_chunks(start=date(2026, 5, 1), end=date(2026, 5, 31)))
    # The Yandex VM: the provider's legal name is the provider itself (a direct bill, not a reseller).
    assert (vm["ProviderName"], vm["PublisherName"], vm["InvoiceIssuerName"]) == ("Yandex Cloud",) * 3
    # Russian names transliterated (ICAO), the originals kept by column in x_OriginalNames.
    assert vm["BillingAccountName"] == "Dogovor 478587" and vm["BillingAccountType"] == "Billing Account"
    assert json.loads(vm["x_OriginalNames"]) == {"BillingAccountName": "Договор 478587"}
    assert vm["BilledCost"] == vm["EffectiveCost"] == vm["ListCost"] == vm["ContractedCost"] == "48"
    assert (vm["PricingQuantity"], vm["PricingUnit"]) == ("24", "vCPU-Hours")  # Unit Format
    assert vm["ListUnitPrice"] == vm["ContractedUnitPrice"] == "2"  # 48 / 24
    assert (vm["PricingCurrency"], vm["PricingCurrencyEffectiveCost"], vm["PricingCurrencyListUnitPrice"]) == (
        "RUB", "48", "2")
    assert (vm["ChargePeriodStart"], vm["ChargePeriodEnd"]) == ("2026-05-03T00:00:00Z", "2026-05-04T00:00:00Z")
    assert (vm["BillingPeriodStart"], vm["BillingPeriodEnd"]) == ("2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z")
    assert (vm["ChargeCategory"], vm["ChargeClass"], vm["ChargeFrequency"], vm["PricingCategory"]) == (
        "Usage", "", "Usage-Based", "Standard")
    assert (vm["ServiceCategory"], vm["ServiceSubcategory"]) == ("Compute", "Virtual Machines")
    assert (vm["RegionId"], vm["RegionName"]) == ("ru-central1", "ru-central1")  # no display name: the id
    assert (vm["SubAccountId"], vm["SubAccountName"], vm["SubAccountType"]) == ("b1g-folder", "prod", "Sub Account")
    assert (vm["ResourceId"], vm["ResourceName"], vm["ResourceType"]) == ("fhm-vm-1", "web-1", "vm")
    assert (vm["SkuId"], vm["SkuPriceId"], vm["SkuMeter"]) == ("dn2-vcpu", "dn2-vcpu", "")
    assert json.loads(vm["Tags"]) == {"env": "prod", "team": "web"}
    assert (vm["x_estimated"], vm["x_ServiceCode"]) == ("true", "")
    assert vm["CommitmentDiscountId"] == vm["InvoiceId"] == vm["CapacityReservationId"] == ""
    # The credit: no price, no quantity, no pricing category; one-time; its tags null (none).
    assert (credit["ChargeCategory"], credit["BilledCost"], credit["ChargeFrequency"]) == (
        "Credit", "-10.5", "One-Time")
    assert credit["PricingCategory"] == credit["PricingQuantity"] == credit["ListUnitPrice"] == credit["Tags"] == ""
    assert credit["ChargeDescription"] == "Grant" and credit["ServiceSubcategory"] == "Virtual Machines"
    assert json.loads(credit["x_OriginalNames"]) == {"ChargeDescription": "Грант"}
    assert ec2["x_OriginalNames"] == ""  # nothing to transliterate: null
    # The AWS line: its own prices and names kept, the pre-1.0 "On-Demand" written as "Standard".
    assert (ec2["BillingCurrency"], ec2["BilledCost"], ec2["ListUnitPrice"]) == ("USD", "0.84", "0.42")
    assert (ec2["ProviderName"], ec2["BillingAccountId"], ec2["PricingCategory"]) == (
        "AWS", "123456789012", "Standard")
    assert (ec2["SkuPriceId"], json.loads(ec2["SkuPriceDetails"])) == (
        "ABCD.JRTCKXETXF", {"InstanceType": "t3.medium", "CoreCount": 2})
    assert (ec2["RegionName"], ec2["x_ServiceCode"], ec2["x_estimated"]) == ("US East (N. Virginia)", "AmazonEC2", "")
    assert ec2["ServiceSubcategory"] == "Virtual Machines"  # "Compute" in the name


def test_the_parquet_file_types_decimals_times_and_json(w, costs):
    with schema_context(w.alpha.schema_name):
        table = pq.read_table(io.BytesIO(b"".join(focus_parquet_chunks(start=date(2026, 5, 1),
                                                                      end=date(2026, 5, 31)))))
    assert table.column_names == FOCUS_12 + CUSTOM
    schema = table.schema
    for name in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "PricingQuantity",
                 "ConsumedQuantity", "PricingCurrencyEffectiveCost", "CommitmentDiscountQuantity"):
        assert schema.field(name).type == pa.decimal128(38, 10), name
    for name in ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"):
        assert schema.field(name).type == pa.timestamp("ms", tz="UTC"), name  # Parquet has no seconds unit
    for name in ("ChargeClass", "Tags", "SkuPriceDetails", "InvoiceId", "x_ServiceCode"):
        assert schema.field(name).type == pa.string(), name
    assert schema.field("x_estimated").type == pa.bool_()
    data = table.to_pylist()
    assert [r["BilledCost"] for r in data] == [Decimal("48"), Decimal("-10.5"), Decimal("0.84")]
    assert sum(r["BilledCost"] for r in data if r["BillingCurrency"] == "RUB") == Decimal("37.5")
    assert data[0]["ChargePeriodStart"] == datetime(2026, 5, 3, tzinfo=UTC)
    assert data[0]["ListUnitPrice"] == Decimal("2") and data[1]["ListUnitPrice"] is None
    assert json.loads(data[0]["Tags"]) == {"env": "prod", "team": "web"} and data[1]["Tags"] is None
    assert [r["x_estimated"] for r in data] == [True, None, None]
    assert data[1]["ChargeClass"] is None and data[2]["ChargeClass"] is None


def test_the_parquet_file_is_written_in_row_groups(w, costs, monkeypatch):
    monkeypatch.setattr(focus_export, "CHUNK_ROWS", 2)
    with schema_context(w.alpha.schema_name):
        chunks = list(focus_parquet_chunks(start=date(2026, 5, 1), end=date(2026, 5, 31)))
    assert len(chunks) == 2  # the first row group went out before the last row was read
    parquet = pq.ParquetFile(io.BytesIO(b"".join(chunks)))
    assert parquet.metadata.num_row_groups == 2 and parquet.metadata.num_rows == 3


def test_an_empty_range_still_gives_a_file_with_every_column(w, costs):
    with schema_context(w.alpha.schema_name):
        table = pq.read_table(io.BytesIO(b"".join(focus_parquet_chunks(start=date(2025, 1, 1),
                                                                      end=date(2025, 1, 2)))))
        text = b"".join(focus_csv_chunks(start=date(2025, 1, 1), end=date(2025, 1, 2))).decode()
    assert table.num_rows == 0 and table.column_names == [*FOCUS_12, "x_OriginalNames"]
    assert text == ",".join([*FOCUS_12, "x_OriginalNames"]) + "\r\n"


def test_names_in_original_letters_on_request(w, costs):
    with schema_context(w.alpha.schema_name):
        vm, credit, _ec2 = _csv(focus_csv_chunks(start=date(2026, 5, 1), end=date(2026, 5, 31), names="original"),
                                custom=["x_ServiceCode", "x_estimated"])
    assert (vm["BillingAccountName"], credit["ChargeDescription"]) == ("Договор 478587", "Грант")


def test_transliteration_by_hand():
    assert focus_export.to_latin("Россия, Центральный") == "Rossiia, Tsentralnyi"
    assert focus_export.to_latin("ООО «Щука» — объём №5, 117 150 ₽") == 'OOO "Shchuka" - obieem No.5, 117 150 RUB'
    assert focus_export.to_latin("Électricité") == "Electricite"
    assert focus_export.to_latin("plain ASCII") == "plain ASCII"


def test_derivations_follow_the_spec_rules(w):
    with schema_context(w.alpha.schema_name):
        tax = row(date(2026, 5, 1), "7.20", category="Tax", service="VAT", service_category="Other")
        tax.pricing_quantity, tax.pricing_unit, tax.sku_id = Decimal("1"), "Unit", "vat"
        purchase = row(date(2026, 5, 1), "1000", category="Purchase")
        purchase.charge_frequency = "Usage-Based"  # not allowed for a purchase
        purchase.charge_class = "Correction"
        synced = row(date(2026, 5, 1), "3.3", provider="Beget", service="vps", service_category="Compute")
        synced.billing_period_end = synced.billing_period_start  # an empty period: the charge date's month
        ledger([tax, purchase, synced])
        tax_row, purchase_row, synced_row = _csv(focus_csv_chunks(start=date(2026, 5, 1), end=date(2026, 5, 1)),
                                                 ["x_OriginalNames"])
    assert tax_row["PricingCategory"] == tax_row["PricingQuantity"] == tax_row["PricingUnit"] == ""
    assert tax_row["SkuId"] == tax_row["ListUnitPrice"] == "" and tax_row["ChargeFrequency"] == "One-Time"
    assert (purchase_row["ChargeFrequency"], purchase_row["ChargeClass"]) == ("One-Time", "Correction")
    assert purchase_row["PricingCategory"] == ""  # a correction need not name one
    assert (synced_row["BillingPeriodStart"], synced_row["BillingPeriodEnd"]) == (
        "2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z")
    assert (synced_row["ProviderName"], synced_row["ServiceSubcategory"]) == ("Beget", "Virtual Machines")


def test_a_service_gets_one_category_and_subcategory_in_the_export(w):
    with schema_context(w.alpha.schema_name):
        ledger([row(date(2026, 5, 1), "1", service="Compute Cloud", service_category="Compute"),
                row(date(2026, 5, 2), "1", service="Compute Cloud", service_category="Compute"),
                row(date(2026, 5, 3), "1", service="Compute Cloud", service_category="Storage")])
        rows = _csv(focus_csv_chunks(start=date(2026, 5, 1), end=date(2026, 5, 31)), ["x_OriginalNames"])
    assert {(r["ServiceCategory"], r["ServiceSubcategory"]) for r in rows} == {("Compute", "Virtual Machines")}


def test_units_and_subcategories_helpers():
    assert [focus_unit(u) for u in ("GB*hour", "GB*month", "hour", "1K requests", "10K requests", "GB", "Hours")] == [
        "GB-Hours", "GB-Months", "Hours", "1000 Requests", "10000 Requests", "GB", "Hours"]
    assert service_subcategory("Storage", "Object Storage") == "Object Storage"
    assert service_subcategory("Databases", "Managed Service for PostgreSQL") == "Relational Databases"
    assert service_subcategory("Storage", "x", current="Block Storage") == "Block Storage"
    assert service_subcategory("Compute", "x", current="Block Storage") == "Other (Compute)"  # wrong parent


# --- the API -----------------------------------------------------------------------------------------------------


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_api_streams_the_csv_with_its_file_name(w, client_for, costs):
    response = client_for(w.vera, "alpha").get("/api/v1/costs/focus-export/", MAY)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="focus-alpha-2026-05-01-2026-05-31.csv"'
    rows = _csv([_body(response)])
    assert [r["ServiceName"] for r in rows] == ["Compute Cloud", "Compute Cloud", "Amazon Elastic Compute Cloud"]


def test_the_api_streams_parquet(w, token_client, costs):
    response = token_client(w.alice, "alpha").get("/api/v1/costs/focus-export/", {**MAY, "output": "parquet"})
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.apache.parquet"
    assert response["Content-Disposition"].endswith('filename="focus-alpha-2026-05-01-2026-05-31.parquet"')
    assert pq.read_table(io.BytesIO(_body(response))).num_rows == 3


def test_an_organization_exports_only_its_own_ledger(w, client_for, costs):
    response = client_for(w.bob, "beta").get("/api/v1/costs/focus-export/", MAY)
    rows = _csv([_body(response)], ["x_OriginalNames"])
    assert [(r["ProviderName"], r["ServiceName"], r["BilledCost"]) for r in rows] == [
        ("Selectel", "Beta Only", "777")]
    assert response["Content-Disposition"].endswith('filename="focus-beta-2026-05-01-2026-05-31.csv"')


def test_outsiders_and_anonymous_users_get_nothing(w, client_for, token_client, costs):
    assert client_for(None, "alpha").get("/api/v1/costs/focus-export/", MAY).status_code == 401
    denied = token_client(w.charlie, "alpha").get("/api/v1/costs/focus-export/", MAY)
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("query, field, message", [
    ({"start": "2026-13-01", "end": "2026-05-31"}, "start", ("Enter a date as YYYY-MM-DD.", {})),
    ({"end": "2026-05-31"}, "start", ("Enter the first day.", {})),
    ({"start": "2026-05-31", "end": "2026-05-01"}, "end", ("The end date is before the start date.", {})),
    ({"start": "2025-01-01", "end": "2026-01-02"}, "start",  # 367 days
     ("The period is too long: at most %(days)s days.", {"days": 366})),
    ({**MAY, "output": "xlsx"}, "output", ("Choose csv or parquet.", {})),
])
def test_bad_parameters_answer_400_in_russian(w, client_for, costs, query, field, message):
    response = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/api/v1/costs/focus-export/", query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"] == "Проверьте параметры выгрузки."
    assert error["details"][field] == [russian(message[0], **message[1])]


def test_a_year_is_the_longest_export(w, client_for, costs):
    response = client_for(w.alice, "alpha").get("/api/v1/costs/focus-export/",
                                                 {"start": "2025-06-01", "end": "2026-06-01"})
    assert response.status_code == 200  # 366 days
    assert len(_csv([_body(response)])) == 4


def test_the_schema_documents_the_export(w, token_client):
    schema = token_client(w.alice, "alpha").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operation = schema.json()["paths"]["/api/v1/costs/focus-export/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"start", "end", "output"}
    assert set(operation["responses"]["200"]["content"]) == {"text/csv", "application/vnd.apache.parquet"}


# --- the explorer page -------------------------------------------------------------------------------------------


def test_the_explorer_offers_the_focus_export_of_its_period(w, client_for, costs):
    html = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/costs/", MAY).content.decode()
    assert "Экспорт FOCUS" in html
    assert 'href="/costs/focus-export/?start=2026-05-01&amp;end=2026-05-31&amp;output=csv"' in html
    assert 'href="/costs/focus-export/?start=2026-05-01&amp;end=2026-05-31&amp;output=parquet"' in html
    response = client_for(w.vera, "alpha").get("/costs/focus-export/", {**MAY, "output": "parquet"})
    assert response.status_code == 200
    assert pq.read_table(io.BytesIO(_body(response))).num_rows == 3


def test_a_bad_page_export_goes_back_to_the_explorer_with_the_reason(w, client_for, costs):
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    response = client.get("/costs/focus-export/", {"start": "2020-01-01", "end": "2026-01-01"})
    assert response.status_code == 302 and response["Location"] == "/costs/"
    page = client.get("/costs/", MAY).content.decode()
    assert "Слишком длинный период: не больше 366 дней." in page


# --- the management command --------------------------------------------------------------------------------------


def test_the_command_writes_the_organization_parquet(w, costs, tmp_path):
    target = tmp_path / "demo.parquet"
    call_command("export_focus", str(target), org="alpha", start="2026-05-01", end="2026-05-31", output="parquet")
    table = pq.read_table(target)
    assert table.num_rows == 3 and table.column_names == FOCUS_12 + CUSTOM
    assert table.schema.metadata[b"FocusVersion"] == b"1.2"
    target_csv = tmp_path / "beta.csv"
    call_command("export_focus", str(target_csv), org="beta", start="2026-05-01", end="2026-05-31")
    assert "Beta Only" in target_csv.read_text(encoding="utf-8")


def test_the_command_refuses_bad_arguments(w, costs, tmp_path):
    with pytest.raises(CommandError, match="No organization"):
        call_command("export_focus", str(tmp_path / "x.csv"), org="nope", start="2026-05-01", end="2026-05-31")
    with pytest.raises(CommandError, match="end"):
        call_command("export_focus", str(tmp_path / "x.csv"), org="alpha", start="2026-05-31", end="2026-05-01")
