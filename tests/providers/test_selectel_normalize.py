"""Selectel normalizers on the providers' documented payloads (verbatim samples in tests/providers/samples)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from apps.inventory.vocabulary import ResourceStatus
from apps.providers.plugins.selectel import normalize
from apps.providers.plugins.selectel.client import catalog_endpoints, derive_bases

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
    assert info.monthly_rate == Decimal("3615.00")


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


def test_nova_v2_47_server_sample_with_embedded_flavor():
    [record] = normalize.server_records(sample("openstack/nova_servers_detail_v2.47.json")["servers"],
                                        region="ru-1", costs={"764e369e-a874-4401-b7ce-43e4760888da": Decimal("24")})
    assert record.resource_type == "server" and record.status == ResourceStatus.RUNNING
    assert record.specs["cpu_cores"] == 1 and record.specs["memory_gb"] == "0.50"
    assert record.specs["instance_type"] == "m1.tiny.specs"
    assert record.specs["volumes"] == ["volume_id1", "volume_id2"]
    assert record.specs["ip_addresses"] == ["192.168.1.30"]
    assert record.daily_cost == Decimal("24") and record.monthly_cost == Decimal("720.00")
    assert record.provider_config["hourly_cost"] == "1.0000"
    assert record.created_at is not None and record.created_at.tzinfo is not None
    assert record.tags == {"My Server Name": "Apache1"}


def test_nova_latest_sample_parses_too():
    records = normalize.server_records(sample("openstack/nova_servers_detail_latest.json")["servers"], region="ru-9")
    assert records and all(r.specs["cpu_cores"] for r in records)
    assert records[0].daily_cost is None  # no consumption known: no invented cost


def test_server_without_embedded_flavor_takes_specs_from_flavors_detail():
    flavors = {f["id"]: f for f in sample("openstack/nova_flavors_detail.json")["flavors"]}
    server = sample("openstack/nova_servers_detail_v2.47.json")["servers"][0]
    server = {**server, "flavor": {"id": "2", "links": []}, "image": "", "status": "SHUTOFF"}
    [record] = normalize.server_records([server], region="ru-1", flavors=flavors)
    assert record.specs["cpu_cores"] == 1 and record.specs["memory_gb"] == "2.00" and record.specs["disk_gb"] == 20
    assert record.status == ResourceStatus.STOPPED and record.provider_config["image_id"] == ""


def test_cinder_sample_volume():
    [record] = normalize.volume_records(sample("openstack/cinder_volumes_detail_v3.65.json")["volumes"],
                                        region="ru-3")
    assert record.resource_id == "cb49b381-9012-40cb-b8ee-80c19a4801b5"
    assert record.resource_name == record.resource_id  # the sample volume has no name
    assert record.status == ResourceStatus.PENDING and record.provider_status == "creating"
    assert record.specs["disk_gb"] == 10 and record.specs["bootable"] is False
    assert record.project_id == "89afd400-b646-4bbc-b12b-c0a4d63e5bd3"


def test_keystone_catalog_sample_gives_the_public_endpoints_by_region():
    catalog = sample("openstack/keystone_auth-password-project-scoped-response.json")["token"]["catalog"]
    assert catalog_endpoints(catalog, "compute") == {
        "RegionOne": "http://23.253.248.171:8774/v2.1/a6944d763bf64ee6a275f1263fae0352"}
    assert catalog_endpoints(catalog, "volumev3", "volume") == {
        "RegionOne": "http://23.253.248.171:8776/v1/a6944d763bf64ee6a275f1263fae0352"}
    assert catalog_endpoints(catalog, "metric") == {}


def test_custom_base_url_maps_every_selectel_host_under_it():
    assert derive_bases("") == ("https://api.selectel.ru", "https://cloud.api.selcloud.ru")
    assert derive_bases("http://fake:8765/") == ("http://fake:8765/selectel/api", "http://fake:8765/selectel/cloud")


@pytest.mark.parametrize("zone, region", [("ru-3b", "ru-3"), ("ru-1", "ru-1"), ("gis-1a", "gis-1"), ("", "")])
def test_region_of_zone(zone, region):
    assert normalize.region_of_zone(zone) == region
