"""Selectel normalizers on the providers' documented payloads (verbatim samples in tests/providers/samples)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from apps.inventory.vocabulary import ResourceKind
from apps.providers.plugins.selectel import normalize
from apps.providers.plugins.selectel.client import derive_bases

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str):
    return json.loads((SAMPLES / name).read_text())


@pytest.mark.parametrize("raw, expected", [
    (9, Decimal("0.09")), ("9", Decimal("0.09")), (68861, Decimal("688.61")), ("68861", Decimal("688.61")),
    (33218108, Decimal("332181.08")), (0, Decimal("0.00")), (None, None), ("", None), ("n/a", None),
])
def test_kopecks_become_roubles_whether_given_as_number_or_string(raw, expected):
    assert normalize.kopecks(raw) == expected


def test_balance_from_the_v3_balances_sample():
    assert normalize.balance(sample("selectel/v3_balances_trimmed.json")) == Decimal("332181.08")


def test_balance_from_the_v4_balances_sample_uses_final_sum():
    assert normalize.balance(sample("selectel/v4_balances.json")) == Decimal("36619.78")


def test_balance_without_any_final_sum_is_unreadable():
    with pytest.raises(ValueError):
        normalize.balance({"status": "success", "data": {"billings": []}})
    with pytest.raises(ValueError):
        normalize.balance({"status": "error", "data": {}})


def test_days_to_block_come_from_the_hours_of_the_primary_wallet():
    assert normalize.days_to_block(sample("selectel/v2_billing_prediction.json")) == 4  # 100 h


def test_days_to_block_fall_back_to_the_shortest_wallet_and_none_without_services():
    assert normalize.days_to_block({"status": "success", "data": {"primary": None, "vpc": "50", "storage": 75}}) == 2
    assert normalize.days_to_block({"status": "success", "data": {"primary": None, "vpc": None}}) is None


def test_quota_limits_from_the_sdk_fixture_sum_zones():
    limits = normalize.quota_limits({"p": sample("selectel/quotas__TestGetLimitsQuotasResponseRaw.json")})
    assert limits["compute_cores"].limit == Decimal(32)
    assert limits["compute_cores"].used is None  # this answer carries no usage
    assert limits["image_gigabytes"].limit == Decimal(32) and limits["image_gigabytes"].unit == "GB"


def test_quota_usage_is_read_from_strings_and_numbers_and_summed_over_projects():
    first = {"quotas": {"compute_ram": [{"region": "ru-1", "zone": "ru-1a", "value": 1024, "used": "512"}]}}
    second = {"quotas": {"compute_ram": [{"region": "ru-3", "zone": "ru-3a", "value": "2048", "used": 256}]}}
    limits = normalize.quota_limits({"a": first, "b": second})
    assert limits["compute_ram"].limit == Decimal(3072) and limits["compute_ram"].used == Decimal(768)
    assert limits["compute_ram"].unit == "MB"
    project_quotas = normalize.quota_limits({"x": sample("selectel/quotas__TestGetProjectQuotasResponseRaw.json")})
    assert project_quotas["network_floatingips"].limit == Decimal(2)


def test_projects_from_the_sdk_fixture():
    projects = normalize.projects(sample("selectel/projects__TestListProjectsResponseRaw.json"))
    assert [p["name"] for p in projects] == ["Project1", "Project2"]
    assert projects[0]["id"] == "49338ac045f448e294b25d013f890317"


def test_account_info_combines_balance_prediction_rate_and_limits():
    info = normalize.account_info(
        account_id="478587", balances_payload=sample("selectel/v4_balances.json"),
        prediction_payload=sample("selectel/v2_billing_prediction.json"), daily_rate=Decimal("120.50"),
        account_payload=sample("selectel/resell_v2_accounts_real.json"))
    assert info.balance == Decimal("36619.78") and info.currency == "RUB"
    assert info.days_to_block == 4 and info.status == "active"
    assert info.daily_rate == Decimal("120.50")
    assert info.monthly_rate is None  # Selectel reports no monthly figure; a day's x 30 is not one


def test_days_to_block_are_derived_from_the_daily_rate_without_a_prediction():
    info = normalize.account_info(account_id="1", balances_payload=sample("selectel/v3_balances_trimmed.json"),
                                  daily_rate=Decimal("1000"))
    assert info.days_to_block == 332


def test_consumption_sample_gives_one_cost_line_per_day_object_and_service():
    lines = normalize.cost_lines(normalize.consumption_rows(
        sample("selectel/cloud_billing_statistic_consumption_excerpt.json")))
    assert [(line.day, line.amount, line.service_name, line.description) for line in lines] == [
        (date(2025, 10, 10), Decimal("0.09"), "Compute", "Winona"),
        (date(2025, 10, 10), Decimal("0.13"), "Storage", "disk-for-Rhiannon-#1"),
    ]
    assert {line.currency for line in lines} == {"RUB"}


def test_consumption_sample_gives_resources_with_region_project_and_parent():
    records = normalize.consumption_records(normalize.consumption_rows(
        sample("selectel/cloud_billing_statistic_consumption_excerpt.json")))
    by_type = {r.resource_type: r for r in records}
    server, volume = by_type["server"], by_type["volume"]
    assert server.resource_id == "c09d8418-a03e-408a-b7ee-c10cb954b3d9" and server.region == "ru-3"
    assert server.daily_cost == Decimal("0.09") and server.monthly_cost == Decimal("2.70")
    assert server.billing_period == "hourly" and server.account_id == "478587"
    assert volume.specs["parent_id"] == "be030e64-437e-4b2e-97cc-33802bf5c147"
    assert volume.project_id == "ae452e6f559f4aeca2c4412dcbbfb60b" and volume.service_name == "Storage"
    assert server.kind == ResourceKind.COMPUTE and volume.kind == ResourceKind.VOLUME


def _billed(object_type: str, provider_key: str) -> dict:
    return {"object": {"id": f"{provider_key}-{object_type}", "name": "x", "type": object_type},
            "provider_key": provider_key, "value": 100, "metric": {"id": "m", "region": "ru-1a"}}


@pytest.mark.parametrize("object_type, provider_key, resource_type, kind", [
    # Object types and billing services as the consumption statistics name them (docs.selectel.ru,
    # balance-statistics: cloud servers "vpc", Managed Databases "dbaas", Managed Kubernetes "mks",
    # Container Registry "craas").
    ("cloud_vm", "vpc", "server", ResourceKind.COMPUTE),
    ("volume_gigabytes_universal", "vpc", "volume", ResourceKind.VOLUME),
    ("volume_gigabytes_fast", "vpc", "volume", ResourceKind.VOLUME),
    ("dbaas_cluster", "dbaas", "cloud_service", ResourceKind.DATABASE),
    ("mks_cluster", "mks", "cloud_service", ResourceKind.KUBERNETES),
    ("craas_registry", "craas", "cloud_service", ResourceKind.OTHER),
    ("network_floatingip", "vpc", "cloud_service", ResourceKind.OTHER),
])
def test_each_billed_object_type_has_its_kind(object_type, provider_key, resource_type, kind):
    [record] = normalize.consumption_records([_billed(object_type, provider_key)])
    assert (record.resource_type, record.kind) == (resource_type, kind)


def test_consumption_rows_with_values_as_strings_cost_the_same_as_numbers():
    payload = sample("selectel/cloud_billing_statistic_consumption_excerpt.json")
    as_strings = json.loads(json.dumps(payload))
    for row in as_strings["data"]:
        row["value"] = str(row["value"])
        row["metric"]["quantity"] = str(row["metric"]["quantity"])
    assert normalize.cost_lines(normalize.consumption_rows(as_strings)) == \
        normalize.cost_lines(normalize.consumption_rows(payload))


def test_consumption_with_an_error_envelope_is_unreadable():
    with pytest.raises(ValueError):
        normalize.consumption_rows({"status": "error", "code": "UNPROCESSABLE_ENTITY", "data": []})
    with pytest.raises(ValueError):
        normalize.consumption_rows({"status": "success", "data": {"rows": []}})


def test_custom_base_url_maps_every_selectel_host_under_it():
    assert derive_bases("") == ("https://api.selectel.ru", "https://cloud.api.selcloud.ru")
    assert derive_bases("http://fake:8765/") == ("http://fake:8765/selectel/api", "http://fake:8765/selectel/cloud")


@pytest.mark.parametrize("zone, region", [("ru-3b", "ru-3"), ("ru-1", "ru-1"), ("gis-1a", "gis-1"), ("", "")])
def test_region_of_zone(zone, region):
    assert normalize.region_of_zone(zone) == region
