"""AWS normalizers on documented payloads (aws-cli examples) and on moto's answers in-process (mock_aws)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from apps.common.secrets import strip_secrets
from apps.inventory.vocabulary import ResourceKind, ResourceStatus
from apps.providers.plugins.aws import normalize
from apps.providers.plugins.aws.client import parse_regions
from apps.providers.plugins.aws.plugin import AwsPlugin

SAMPLES = Path(__file__).parent / "samples" / "aws"


def sample(name: str):
    return json.loads((SAMPLES / name).read_text())


def test_cost_explorer_sample_sums_tag_groups_per_service_and_spreads_a_month_over_its_days():
    lines = normalize.cost_lines([sample("ce_get_cost_and_usage.json")], account_id="111122223333")
    assert {line.service_name for line in lines} == {"Amazon Simple Storage Service"}
    assert len(lines) == 30  # 2017-09-01 .. 2017-09-30, End is exclusive
    assert {line.day for line in lines} == {date(2017, 9, d) for d in range(1, 31)}
    assert sum(line.amount for line in lines) == Decimal("40.3543773134") + Decimal("0.2682364644")
    assert all(line.currency == "USD" and line.resource_id == "111122223333" for line in lines)
    assert all(isinstance(line.amount, Decimal) for line in lines)
    assert lines[0].description == "UnblendedCost"


def test_cost_amounts_given_as_strings_or_numbers_give_the_same_lines():
    def answer(amount):
        return {"GroupDefinitions": [{"Type": "DIMENSION", "Key": "SERVICE"}], "ResultsByTime": [{
            "TimePeriod": {"Start": "2025-03-01", "End": "2025-03-02"}, "Total": {}, "Estimated": True,
            "Groups": [{"Keys": ["Amazon Elastic Compute Cloud - Compute"],
                        "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}}]}]}

    as_string = normalize.cost_lines([answer("12.5")])
    as_number = normalize.cost_lines([answer(12.5)])
    assert as_string == as_number
    assert as_string[0].amount == Decimal("12.5") and as_string[0].day == date(2025, 3, 1)
    assert as_string[0].description == "UnblendedCost (estimated)"


def test_cost_lines_skip_zero_amounts_and_keep_the_ungrouped_total_as_an_account_line():
    answer = {"ResultsByTime": [
        {"TimePeriod": {"Start": "2025-03-01", "End": "2025-03-02"}, "Groups": [
            {"Keys": ["Tax"], "Metrics": {"UnblendedCost": {"Amount": "0", "Unit": "USD"}}},
            {"Keys": ["AWS Lambda"], "Metrics": {"UnblendedCost": {"Amount": "0.0000001", "Unit": "USD"}}},
            {"Keys": ["Amazon S3"], "Metrics": {}},
        ]},
        {"TimePeriod": {"Start": "2025-03-02", "End": "2025-03-03"}, "Groups": [],
         "Total": {"UnblendedCost": {"Amount": "3.10", "Unit": "USD"}}},
    ]}
    lines = normalize.cost_lines([answer])
    assert [(line.day, line.service_name, line.amount) for line in lines] == [
        (date(2025, 3, 1), "AWS Lambda", Decimal("0.0000001")),
        (date(2025, 3, 2), "", Decimal("3.10")),
    ]


def test_cost_answer_without_results_is_rejected():
    with pytest.raises(ValueError):
        normalize.cost_lines([{"message": "<html>oops</html>"}])


def test_documented_volumes_answer_marks_the_unattached_volume_as_waste():
    records = {r.resource_id: r for r in normalize.volume_records([sample("ec2_describe_volumes.json")],
                                                                  region="us-east-1", account_id="1")}
    attached, orphan = records["vol-049df61146c4d7901"], records["vol-1234567890abcdef0"]
    assert attached.status == ResourceStatus.RUNNING and attached.specs["attached_to"] == ["i-1234567890abcdef0"]
    assert orphan.status == ResourceStatus.INACTIVE and orphan.specs["unattached"] is True
    assert orphan.specs["disk_gb"] == 100 and orphan.specs["iops"] == 1000 and orphan.specs["snapshot_id"] == ""
    assert attached.created_at == datetime(2013, 12, 18, 22, 35, 0, 84000, tzinfo=UTC)
    assert attached.resource_type == "ebs_volume" and attached.currency == "USD"
    assert {r.kind for r in records.values()} == {ResourceKind.VOLUME}  # an EBS volume is block storage
    json.dumps(dict(attached.provider_config))  # JSON-safe


def test_volume_size_given_as_string_or_number_is_read_either_way():
    payload = sample("ec2_describe_volumes.json")
    as_strings = json.loads(json.dumps(payload).replace('"Size": 8', '"Size": "8"').replace('"Iops": 1000',
                                                                                             '"Iops": "1000"'))
    assert normalize.volume_records([payload], region="r") == normalize.volume_records([as_strings], region="r")


def test_documented_addresses_answer_prices_every_public_ip_and_flags_idle_ones():
    records = normalize.address_records(sample("ec2_describe_addresses.json"), region="us-east-1", account_id="1")
    by_ip = {r.specs["public_ip"]: r for r in records}
    assert set(by_ip) == {"198.51.100.0", "203.0.113.0", "203.0.113.25"}
    assert by_ip["198.51.100.0"].resource_id == "198.51.100.0"  # EC2-Classic: no allocation id
    assert by_ip["203.0.113.0"].resource_id == "eipalloc-64d5890a"
    assert {r.kind for r in records} == {ResourceKind.IP_ADDRESS}  # an Elastic IP is a public address
    idle, used = by_ip["203.0.113.0"], by_ip["203.0.113.25"]
    assert idle.status == ResourceStatus.INACTIVE and idle.specs["idle"] is True
    assert used.status == ResourceStatus.RUNNING and used.specs["instance_id"] == "i-1234567890abcdef0"
    assert used.account_id == "1234567891012"
    # $0.005 per hour -> 0.12 per day -> 3.60 per 30-day month; the hourly price is kept.
    assert (idle.daily_cost, idle.monthly_cost) == (Decimal("0.1200"), Decimal("3.6000"))
    assert idle.billing_period == "hourly" and idle.specs["hourly_price"] == "0.005"


def test_byoip_addresses_carry_no_public_ipv4_charge():
    [record] = normalize.address_records({"Addresses": [{"PublicIp": "198.51.100.7", "AllocationId": "eipalloc-1",
                                                         "PublicIpv4Pool": "ipv4pool-ec2-012345"}]}, region="r")
    assert record.daily_cost == Decimal(0)


def test_missing_lists_are_empty_and_wrong_shapes_are_rejected():
    assert normalize.volume_records([{}], region="r") == []
    assert normalize.address_records({"Addresses": None}, region="r") == []
    with pytest.raises(ValueError):
        normalize.instance_records([{"Reservations": "nope"}], region="r")


def test_instance_type_specs_read_vcpu_and_memory_given_as_strings_or_numbers():
    numbers = {"InstanceTypes": [{"InstanceType": "m5.large", "VCpuInfo": {"DefaultVCpus": 2},
                                  "MemoryInfo": {"SizeInMiB": 8192}, "CurrentGeneration": True}]}
    strings = {"InstanceTypes": [{"InstanceType": "m5.large", "VCpuInfo": {"DefaultVCpus": "2"},
                                  "MemoryInfo": {"SizeInMiB": "8192"}, "CurrentGeneration": "true"}]}
    assert normalize.instance_type_specs([numbers]) == normalize.instance_type_specs([strings])
    assert normalize.instance_type_specs([numbers])["m5.large"]["memory_gb"] == "8.00"


def test_daily_cost_of_an_hourly_price_is_times_twenty_four():
    assert normalize.daily_from_hourly(Decimal("0.0416")) == (Decimal("0.9984"), Decimal("29.9520"))
    assert normalize.daily_from_hourly(None) == (None, None)


def test_regions_field_is_a_comma_separated_list():
    assert parse_regions(" eu-central-1, US-EAST-1 ,,eu-central-1") == ["eu-central-1", "us-east-1"]
    assert parse_regions(None) == []


def test_json_safe_converts_datetimes_and_the_stored_config_drops_secret_keys():
    data = normalize.json_safe({"When": datetime(2025, 1, 1, tzinfo=UTC), "UserData": "c2VjcmV0",
                                "Nested": [{"SecretAccessKey": "x", "Size": Decimal("1.5")}]})
    assert data["When"] == "2025-01-01T00:00:00+00:00" and data["Nested"][0]["Size"] == "1.5"
    assert strip_secrets(data) == {"When": "2025-01-01T00:00:00+00:00", "Nested": [{"Size": "1.5"}]}


# --- moto in-process: the real botocore parsing of EC2's answers ---------------------------------------
@pytest.fixture
def moto_ec2():
    with mock_aws():
        yield boto3.client("ec2", region_name="eu-central-1", aws_access_key_id="AKIAMOTO",
                           aws_secret_access_key="moto-secret")


def _plugin(regions="eu-central-1"):
    return AwsPlugin(credentials={"access_key_id": "AKIAMOTO", "secret_access_key": "moto-secret",
                                  "regions": regions})


def test_instances_carry_type_specs_state_tags_and_launch_time(moto_ec2):
    image = moto_ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    running = moto_ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="m5.large",
                                     TagSpecifications=[{"ResourceType": "instance", "Tags": [
                                         {"Key": "Name", "Value": "api"}, {"Key": "team", "Value": "core"}]}])
    stopped = moto_ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")
    stopped_id = stopped["Instances"][0]["InstanceId"]
    moto_ec2.stop_instances(InstanceIds=[stopped_id])
    endpoint = next(e for e in _plugin().endpoints() if e.name == "ec2/DescribeInstances")
    assert endpoint.resource_types == frozenset({"ec2_instance"})
    records = {r.resource_id: r for r in endpoint.fetch()}
    api = records[running["Instances"][0]["InstanceId"]]
    assert api.resource_name == "api" and api.tags == {"Name": "api", "team": "core"}
    assert {r.kind for r in records.values()} == {ResourceKind.COMPUTE}  # an EC2 instance is a compute instance
    assert api.status == ResourceStatus.RUNNING and api.region == "eu-central-1"
    assert api.specs["instance_type"] == "m5.large"
    assert (api.specs["cpu_cores"], api.specs["memory_gb"]) == (2, "8.00")
    assert api.created_at is not None and api.created_at.tzinfo is not None
    assert api.account_id == "123456789012" and api.billing_period == "hourly" and api.currency == "USD"
    assert records[stopped_id].status == ResourceStatus.STOPPED
    assert records[stopped_id].resource_name == stopped_id
    json.dumps(dict(api.provider_config))


def test_every_enabled_region_is_read_when_no_regions_are_listed(moto_ec2):
    image = moto_ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    moto_ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)
    ap = boto3.client("ec2", region_name="ap-southeast-1", aws_access_key_id="AKIAMOTO",
                      aws_secret_access_key="moto-secret")
    ap.run_instances(ImageId=ap.describe_images(Owners=["amazon"])["Images"][0]["ImageId"], MinCount=1, MaxCount=1)
    plugin = _plugin(regions="")
    assert {"eu-central-1", "ap-southeast-1", "us-east-1"} <= set(plugin.client.regions())
    endpoint = next(e for e in plugin.endpoints() if e.name == "ec2/DescribeInstances")
    assert {r.region for r in endpoint.fetch()} == {"eu-central-1", "ap-southeast-1"}


def test_account_info_names_the_account_and_its_regions(moto_ec2):
    info = _plugin(regions="eu-central-1,us-east-1").test_connection()
    assert info.account_id == "123456789012" and info.currency == "USD"
    assert info.server["regions"] == ["eu-central-1", "us-east-1"]
    assert info.balance is None
    assert "moto-secret" not in json.dumps(info.as_json())
