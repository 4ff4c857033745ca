from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from apps.common.secrets import strip_secrets
from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus
from apps.providers.exceptions import ProviderAuthError
from apps.providers.plugins.yandex import client, normalize

SAMPLES = Path(__file__).parent / "samples" / "yandex"


def sample(name: str):
    return json.loads((SAMPLES / f"{name}.json").read_text())


def _instance(**overrides):
    """An instance in the documented REST shape (compute/v1/instance.proto, proto3 JSON names)."""
    item = {
        "id": "fhm0b28lgfp4tkoa3jl6", "folderId": "b1gvmob95yys00000000", "createdAt": "2025-03-01T10:00:00.123456789Z",
        "name": "api-1", "labels": {"team": "core"}, "zoneId": "ru-central1-b", "platformId": "standard-v3",
        "resources": {"memory": "17179869184", "cores": "4", "coreFraction": "100"}, "status": "RUNNING",
        "metadata": {"user-data": "#cloud-config\npassword: hunter2", "ssh-keys": "ubuntu:ssh-ed25519 AAAAC3"},
        "bootDisk": {"mode": "READ_WRITE", "deviceName": "epd1", "autoDelete": True, "diskId": "epd1bootdisk00000000"},
        "secondaryDisks": [{"mode": "READ_WRITE", "deviceName": "data", "diskId": "epd2datadisk00000000"}],
        "networkInterfaces": [{"index": "0", "macAddress": "d0:0d:1a:2b:3c:4d", "subnetId": "e2l0000",
                               "primaryV4Address": {"address": "10.129.0.5",
                                                    "oneToOneNat": {"address": "84.201.1.2", "ipVersion": "IPV4"}}}],
        "fqdn": "api-1.ru-central1.internal", "schedulingPolicy": {}, "someFutureField": {"x": 1},
    }
    item.update(overrides)
    return item


def test_instance_specs_are_read_from_the_documented_shape():
    [record] = normalize.instance_records([_instance()], cloud_id="b1gcloud")
    assert record.provider == "yandex" and record.resource_type == "vm" and record.service_name == "Compute"
    assert record.status == ResourceStatus.RUNNING and record.region == "ru-central1-b"
    assert record.specs["cpu_cores"] == 4 and record.specs["memory_gb"] == "16.00"
    assert record.specs["core_fraction"] == 100 and record.specs["platform"] == "standard-v3"
    assert record.specs["disk_ids"] == ["epd1bootdisk00000000", "epd2datadisk00000000"]
    assert record.specs["private_ips"] == ["10.129.0.5"] and record.specs["ip_addresses"] == ["84.201.1.2"]
    assert record.created_at == datetime(2025, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert record.account_id == "b1gcloud" and record.project_id == "b1gvmob95yys00000000"
    assert record.tags == {"team": "core"}
    assert record.daily_cost is None and record.monthly_cost is None and record.billing_period == "hourly"


def test_instance_int64_fields_as_numbers_give_the_same_record():
    as_numbers = _instance(resources={"memory": 17179869184, "cores": 4, "coreFraction": 100})
    [from_numbers], [from_strings] = normalize.instance_records([as_numbers]), normalize.instance_records([_instance()])
    assert replace(from_numbers, provider_config={}) == replace(from_strings, provider_config={})


def test_instance_metadata_with_user_data_and_ssh_keys_is_not_kept():
    [record] = normalize.instance_records([_instance()])
    stored = strip_secrets(record.provider_config)  # what the sync engine stores of it
    dumped = json.dumps(stored)
    assert "hunter2" not in dumped and "ssh-ed25519" not in dumped and "metadata" not in stored
    assert stored["someFutureField"] == {"x": 1}  # unknown fields are kept, not fatal


def test_instance_with_only_an_id_is_read_with_defaults():
    [record] = normalize.instance_records([{"id": "fhmbare"}])
    assert record.resource_name == "fhmbare" and record.status == ResourceStatus.UNKNOWN
    assert record.specs["cpu_cores"] is None and record.specs["core_fraction"] == 100
    assert record.specs["memory_gb"] is None and record.specs["ip_addresses"] == []
    assert record.pricing_model == "on_demand"


@pytest.mark.parametrize("raw, status", [
    ("RUNNING", ResourceStatus.RUNNING), ("STOPPED", ResourceStatus.STOPPED), ("STARTING", ResourceStatus.PENDING),
    ("CRASHED", ResourceStatus.ERROR), ("DELETING", ResourceStatus.DELETED), ("NEW_STATE", ResourceStatus.UNKNOWN),
])
def test_instance_statuses_map_to_the_common_vocabulary(raw, status):
    [record] = normalize.instance_records([_instance(status=raw)])
    assert record.status == status and record.provider_status == raw


def test_preemptible_instance_is_marked_in_the_pricing_model():
    [record] = normalize.instance_records([_instance(schedulingPolicy={"preemptible": True})])
    assert record.pricing_model == "preemptible" and record.specs["preemptible"] is True


def test_disk_from_the_documented_operation_sample_is_read():
    disk = sample("compute_disk_listOperations")["operations"][0]["response"]
    [record] = normalize.disk_records([disk])
    assert record.resource_id == "sfg36d6sbq5asdgfs01" and record.resource_name == "disk-1"
    assert record.specs["disk_type"] == "network-nvme" and record.specs["disk_gb"] == "10.00"
    assert record.specs["attached"] is False and record.region == "ru-central1-a"


def test_disk_size_as_string_equals_size_as_number():
    disk = sample("compute_disk_listOperations")["operations"][0]["response"]
    as_string = dict(disk, size=str(disk["size"]))
    [from_string], [from_number] = normalize.disk_records([as_string]), normalize.disk_records([disk])
    assert replace(from_string, provider_config={}) == replace(from_number, provider_config={})


def test_snapshot_sizes_and_status():
    [record] = normalize.snapshot_records([{"id": "fd8snap", "name": "s", "storageSize": "1073741824",
                                             "diskSize": 21474836480, "status": "CREATING", "sourceDiskId": "d1"}])
    assert record.specs == {"storage_gb": "1.00", "disk_gb": "20.00", "source_disk_id": "d1"}
    assert record.status == ResourceStatus.PENDING


def test_address_without_used_flag_is_idle_and_internal_address_is_read():
    external, internal = normalize.address_records([
        {"id": "e9b1", "name": "ext", "externalIpv4Address": {"address": "51.250.1.1", "zoneId": "ru-central1-a"},
         "reserved": True},
        {"id": "e9b2", "internalIpv4Address": {"address": "10.0.0.7", "subnetId": "e9bsub"}, "used": True},
    ])
    assert external.status == ResourceStatus.INACTIVE and external.specs["used"] is False
    assert external.specs["external"] is True and external.region == "ru-central1-a"
    assert internal.status == ResourceStatus.RUNNING and internal.specs["address"] == "10.0.0.7"
    assert internal.specs["external"] is False


def test_clouds_and_folders_are_free_resources():
    [cloud] = normalize.cloud_records([{"id": "b1gc", "name": "main", "organizationId": "bpf1"}])
    folders = normalize.folder_records([{"id": "b1gf", "cloudId": "b1gc", "name": "prod", "status": "ACTIVE"},
                                        {"id": "b1gx", "cloudId": "b1gc", "status": "PENDING_DELETION"}])
    assert cloud.daily_cost == Decimal(0) and cloud.account_id == "bpf1"
    assert [f.status for f in folders] == [ResourceStatus.RUNNING, ResourceStatus.DELETED]
    assert folders[1].resource_name == "b1gx"


def test_a_list_that_is_not_a_list_is_an_error_and_a_missing_list_is_empty():
    with pytest.raises(ValueError):
        normalize.instance_records({"instances": []})
    assert normalize.disk_records(None) == []
    with pytest.raises(ValueError):
        normalize.disk_records([{"name": "no id"}])


@pytest.mark.parametrize("balance", ["15234.56", 15234.56])
def test_billing_account_balance_is_a_decimal_whether_string_or_number(balance):
    info = normalize.account_info({"id": "dn2x", "name": "Main", "currency": "RUB", "active": True,
                                   "balance": balance, "countryCode": "RU"})
    assert info.balance == Decimal("15234.56") and info.account_id == "dn2x" and info.status == "active"


def test_account_without_a_billing_account_has_no_balance():
    info = normalize.account_info(None, fallback_id="b1gcloud")
    assert info.account_id == "b1gcloud" and info.balance is None


def test_first_active_billing_account_is_picked_unless_one_is_named():
    accounts = [{"id": "a", "active": False}, {"id": "b", "active": True}]
    assert normalize.pick_billing_account(accounts)["id"] == "b"
    assert normalize.pick_billing_account(accounts, wanted="a")["id"] == "a"
    assert normalize.pick_billing_account(None) is None


def test_cpu_series_from_the_documented_monitoring_sample():
    payload = sample("monitoring_v2_data_read_cpu_usage")
    series = normalize.cpu_series(payload, resource_id="epdpfhoh1r83********")
    assert series.metric == "cpu_percent" and series.unit == "percent"
    assert len(series.points) == 8
    assert series.points[0] == (datetime.fromtimestamp(1562069440.8, tz=UTC), Decimal("53.6475600118669"))


def test_cpu_series_skips_gaps_and_reads_int64_values():
    payload = {"metrics": [{"name": "cpu_usage", "labels": {"resource_id": "vm1"}, "timeseries": {
        "timestamps": ["1700000000000", 1700003600000, 1700007200000], "doubleValues": [12.5, "NaN", "7"]}}]}
    series = normalize.cpu_series(payload, resource_id="vm1")
    assert [v for _t, v in series.points] == [Decimal("12.5"), Decimal("7")]
    ints = {"metrics": [{"timeseries": {"timestamps": [1700000000000], "int64Values": ["42"]}}]}
    assert normalize.cpu_series(ints, resource_id="vm1").points[0][1] == Decimal(42)
    assert normalize.cpu_series({}, resource_id="vm1").points == ()


def test_iam_token_expiry_with_nanoseconds_from_the_documented_sample():
    answer = sample("iam_tokens_create_oauth")
    assert client.parse_expires_at(answer["expiresAt"]) == datetime(2021, 10, 22, 5, 54, 53, 35215,
                                                                     tzinfo=UTC).timestamp()
    assert client.parse_expires_at("garbage") is None and client.parse_expires_at(None) is None


def test_documented_key_file_is_read_but_its_elided_key_cannot_sign():
    key = client.parse_authorized_key(json.dumps(sample("authorized_key_file_yc_cli")))
    assert (key.key_id, key.service_account_id) == ("lfkoe35hsk58aks301nl", "ajepg0mjt06siua65usm")
    with pytest.raises(ProviderAuthError) as info:
        client.sign_jwt(key, now=1_700_000_000)  # the docs elide the key material as "..."
    assert info.value.permanent


def test_key_create_api_answer_is_accepted_as_a_key_file():
    key = client.parse_authorized_key(sample("iam_key_create"))
    assert (key.key_id, key.service_account_id) == ("lfkoe35hsk58aks301nl", "ajepg0mjt06siua65usm")
    assert key.private_key.startswith("-----BEGIN PRIVATE KEY-----")


def test_documented_error_body_is_what_the_fake_returns_when_unauthenticated():
    from tests.fakecloud.yandex import _status

    documented = sample("error_rest_unauthenticated")
    ours = _status(16, documented["message"])
    assert set(ours) == set(documented) and ours["details"][0]["@type"] == documented["details"][0]["@type"]


def test_every_yandex_record_type_has_its_kind():
    # By hand from Yandex Cloud's documentation: Resource Manager clouds and folders (containers, not
    # resources), Compute instances, disks and snapshots, VPC addresses.
    records = [
        *normalize.cloud_records([{"id": "b1gc"}]),
        *normalize.folder_records([{"id": "b1gf", "cloudId": "b1gc"}]),
        *normalize.instance_records([_instance()]),
        *normalize.disk_records([{"id": "epd1", "size": "10737418240", "status": "READY"}]),
        *normalize.snapshot_records([{"id": "fd8snap", "status": "READY"}]),
        *normalize.address_records([{"id": "e9b1", "externalIpv4Address": {"address": "51.250.1.1"}}]),
    ]
    assert [(r.resource_type, r.kind) for r in records] == [
        ("cloud", ResourceKind.OTHER),
        ("folder", ResourceKind.OTHER),
        ("vm", ResourceKind.COMPUTE),
        ("disk", ResourceKind.VOLUME),
        ("snapshot", ResourceKind.SNAPSHOT),
        ("ip_address", ResourceKind.IP_ADDRESS),
    ]


def test_cpu_series_is_named_by_the_vocabulary():
    series = normalize.cpu_series({"metrics": []}, resource_id="fhm1")
    assert series.metric == MetricName.CPU_PERCENT and series.unit == "percent" and series.points == ()
