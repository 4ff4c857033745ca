"""Normalizers on the providers' real (or officially documented) payloads, not on the fakes' generators:
tests/fakecloud/samples/<provider>/ (SOURCES.md there). Expected values are worked out by hand from the samples.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from apps.inventory.vocabulary import ResourceKind, ResourceStatus
from apps.providers.plugins.beget import normalize as beget
from apps.providers.plugins.beget.client import _legacy_result
from apps.providers.plugins.selectel import normalize as selectel
from apps.providers.plugins.yandex import normalize as yandex

SAMPLES = Path(__file__).resolve().parents[1] / "fakecloud" / "samples"


def sample(name: str):
    return json.loads((SAMPLES / name).read_text())


# --- Beget ------------------------------------------------------------------------------------------
def test_beget_legacy_empty_result_is_an_empty_array_and_lists_read_it_as_nothing():
    result = _legacy_result(sample("beget/legacy_user_toggleSsh.json"), endpoint="user/toggleSsh")
    assert result == []
    assert beget.domain_records(result, login="acme") == []


def test_beget_vps_from_the_openapi_spec_example():
    example = sample("beget/openapi_vps_Manage_VpsInfo_example.json")
    (record,) = beget.vps_records({"vps": [example], "total_count": 1}, login="acme")
    assert (record.resource_id, record.resource_name, record.resource_type) == ("id", "display_name", "vps")
    assert (record.region, record.project_id, record.account_id) == ("region", "project_id", "acme")
    # "archived": true -> gone, whatever the status ("UNKNOWN") says.
    assert (record.status, record.provider_status) == (ResourceStatus.DELETED, "UNKNOWN")
    # configuration.price_month 2.3021358869347655 is the quoted price; a day is a thirtieth: 0.07673... -> 0.0767.
    assert record.monthly_cost == Decimal("2.3021358869347655")
    assert record.daily_cost == Decimal("0.0767")
    # memory 1 MB and disk_size 6 MB in GB with two places; 0 vCPU; bandwidth_public 5.
    assert (record.specs["cpu_cores"], record.specs["memory_gb"], record.specs["disk_gb"]) == (0, "0.00", "0.01")
    assert record.specs["bandwidth_mbps"] == 5 and record.specs["hostname"] == "hostname"
    # additional_ip_address is an array of strings in the spec (the fake had none, so nothing caught it).
    assert record.specs["ip_addresses"] == ["ip_address", "additional_ip_address", "additional_ip_address"]


# --- Selectel ---------------------------------------------------------------------------------------
def test_selectel_consumption_capture_costs_in_roubles_per_object_and_service():
    rows = selectel.consumption_rows(sample("selectel/cloud_billing_statistic_consumption_excerpt.json"))
    lines = selectel.cost_lines(rows)
    assert [(line.resource_id[:8], line.day, line.amount, line.service_name) for line in lines] == [
        ("c09d8418", date(2025, 10, 10), Decimal("0.09"), "Compute"),  # 9 kopecks of preemptible RAM
        ("d42402b5", date(2025, 10, 10), Decimal("0.13"), "Storage"),  # 13 kopecks of a universal disk
    ]
    assert selectel.daily_costs(rows) == {"c09d8418-a03e-408a-b7ee-c10cb954b3d9": Decimal("0.09"),
                                          "d42402b5-7f73-4a85-9b7d-2fb48a599fc6": Decimal("0.13")}


def test_selectel_consumption_capture_as_resources():
    rows = selectel.consumption_rows(sample("selectel/cloud_billing_statistic_consumption_excerpt.json"))
    server, volume = selectel.consumption_records(rows, account_id="478587")
    assert (server.resource_name, server.resource_type, server.kind) == ("Winona", "server", ResourceKind.COMPUTE)
    assert (server.region, server.project_id) == ("ru-3", "48643015916742d080f0ecdd519bada3")  # zone ru-3b
    # 0.09 ₽ for the row's day, 30 of them a month, 0.09 / 24 = 0.00375 an hour.
    assert (server.daily_cost, server.monthly_cost) == (Decimal("0.09"), Decimal("2.70"))
    assert server.provider_config["hourly_cost"] == "0.0038"
    assert (volume.resource_type, volume.region, volume.specs["parent_id"]) == (
        "volume", "ru-8", "be030e64-437e-4b2e-97cc-33802bf5c147")
    assert (volume.daily_cost, volume.monthly_cost) == (Decimal("0.13"), Decimal("3.90"))


def test_selectel_account_card_from_the_balances_prediction_and_quota_manager_samples():
    limits = selectel.quota_limits({"p": sample("selectel/quotas__TestGetProjectQuotasResponseFilteredRaw.json")})
    info = selectel.account_info(account_id="478587", balances_payload=sample("selectel/v3_balances_trimmed.json"),
                                 prediction_payload=sample("selectel/v2_billing_prediction.json"),
                                 daily_rate=Decimal("120.50"), limits=limits)
    assert info.balance == Decimal("332181.08")  # final_sum 33218108 kopecks
    assert info.days_to_block == 4  # the primary wallet's 100 hours
    assert info.daily_rate == Decimal("120.50") and info.monthly_rate is None
    # The SDK fixture: 300 cores and 51 200 MB in ru-1a, no usage reported.
    assert {name: (lim.limit, lim.used, lim.unit) for name, lim in info.limits.items()} == {
        "compute_cores": (Decimal(300), None, "vCPU"), "compute_ram": (Decimal(51200), None, "MB")}


# --- Yandex Cloud -----------------------------------------------------------------------------------
def test_yandex_cpu_series_from_the_monitoring_docs_example():
    series = yandex.cpu_series(sample("yandex/monitoring_v2_data_read_cpu_usage.json"),
                               resource_id="epdpfhoh1r83********")
    assert len(series.points) == 8 and series.metric == "cpu_percent" and series.unit == "percent"
    assert series.points[0] == (datetime(2019, 7, 2, 12, 10, 40, 800000, tzinfo=UTC), Decimal("53.6475600118669"))
    assert series.points[-1][1] == Decimal("99.982002860023")
    average = sum(value for _ts, value in series.points) / 8
    assert average.quantize(Decimal("0.01")) == Decimal("71.87")  # 574.9687471873... / 8


def test_yandex_disk_from_the_operation_response_in_the_docs():
    disk = sample("yandex/compute_disk_listOperations.json")["operations"][0]["response"]
    (record,) = yandex.disk_records([disk], cloud_id="b1g-cloud")
    assert (record.resource_id, record.resource_name, record.kind) == ("sfg36d6sbq5asdgfs01", "disk-1",
                                                                        ResourceKind.VOLUME)
    assert (record.region, record.project_id, record.account_id) == ("ru-central1-a", "a3s17h9sbq5asdgss12",
                                                                     "b1g-cloud")
    # 10737418240 bytes = 10 GiB; no instanceIds: attached to nothing.
    assert record.specs["disk_gb"] == "10.00" and record.specs["disk_type"] == "network-nvme"
    assert record.specs["attached"] is False and record.daily_cost is None
