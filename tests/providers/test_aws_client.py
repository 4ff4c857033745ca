"""The AWS plugin over real HTTP: boto3 -> fault-injecting front -> moto server (tests/fakecloud/aws.py)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderErrorCode,
    ProviderPermissionError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from apps.providers.plugins.aws.plugin import AwsPlugin
from tests.fakecloud.aws import (
    ACCOUNT_ID,
    REGIONS,
    SERVICES,
    TEST_KEY_ID,
    TEST_SECRET,
    AwsFakeServer,
    aws_client,
    cost_results,
    queue_cost_results,
    reset_moto,
    seed_account,
    start_moto,
)

START, END = date(2025, 3, 1), date(2025, 3, 8)


@pytest.fixture(scope="module")
def moto_url():
    server, url = start_moto()
    yield url
    server.stop()


@pytest.fixture(scope="module")
def estate(moto_url):
    """Seeded once per module: the tests only read EC2 (moto's EC2 start-up per region is slow)."""
    reset_moto(moto_url)
    return seed_account(moto_url, seed=7, instances=4)


@pytest.fixture
def front(moto_url, estate):
    server = AwsFakeServer(moto_url)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def plugin(front):
    def make(**options):
        credentials = {"access_key_id": TEST_KEY_ID, "secret_access_key": TEST_SECRET,
                       "regions": ",".join(REGIONS), **options.pop("credentials", {})}
        defaults = {"connect_timeout": 2, "read_timeout": 5, "max_attempts": 3}
        return AwsPlugin(credentials=credentials, endpoint=front.url, **{**defaults, **options})

    return make


def _fetch(plugin, name):
    return next(e for e in plugin.endpoints() if e.name == name).fetch()


def test_account_info_comes_from_sts_over_http(plugin, front):
    info = plugin().test_connection()
    assert info.account_id == ACCOUNT_ID
    assert front.count("/sts/GetCallerIdentity") == 1


def test_every_endpoint_lists_its_resources_in_every_listed_region(plugin, estate, front):
    aws = plugin()
    instances = _fetch(aws, "ec2/DescribeInstances")
    assert sorted((r.region, r.resource_id) for r in instances) == sorted(estate["instances"])
    assert all(r.specs["cpu_cores"] and r.specs["memory_gb"] for r in instances)
    assert {r.tags["Name"] for r in instances} == {"app-1", "app-2", "app-3", "app-4"}
    assert sum(r.status == "stopped" for r in instances) == 1
    volumes = _fetch(aws, "ec2/DescribeVolumes")
    orphan = next(r for r in volumes if r.resource_id == estate["volumes"][0])
    assert orphan.status == "inactive" and orphan.specs["unattached"] and orphan.resource_name == "orphan-data"
    assert sum(r.specs["unattached"] for r in volumes) == 1  # root volumes are attached
    addresses = {r.resource_id: r for r in _fetch(aws, "ec2/DescribeAddresses")}
    assert set(addresses) == set(estate["addresses"])
    assert addresses[estate["idle_address"]].specs["idle"] is True
    assert sum(r.status == "running" for r in addresses.values()) == 1
    assert front.count("/ec2/DescribeInstances") == len(REGIONS)
    assert front.count("/ec2/DescribeInstanceTypes") == len(REGIONS)


def test_costs_are_daily_lines_per_service_in_usd_across_pages(plugin, moto_url, front):
    first = cost_results(start=START, days=4, seed=3) | {"NextPageToken": "page-2"}
    second = cost_results(start=START + timedelta(days=4), days=3, seed=4)
    queue_cost_results(moto_url, first, second)
    lines = plugin().cost_lines(start=START, end=END)
    assert front.count("/ce/GetCostAndUsage") == 2
    assert {line.day for line in lines} == {START + timedelta(days=i) for i in range(7)}
    assert {line.service_name for line in lines} == set(SERVICES)
    assert len(lines) == 7 * len(SERVICES)
    expected = sum(Decimal(g["Metrics"]["UnblendedCost"]["Amount"])
                   for page in (first, second) for r in page["ResultsByTime"] for g in r["Groups"])
    assert sum(line.amount for line in lines) == expected
    assert all(line.currency == "USD" and line.resource_id == ACCOUNT_ID for line in lines)
    assert [line.description for line in lines if line.day == END - timedelta(days=1)][0].endswith("(estimated)")


def test_costs_request_daily_unblended_cost_grouped_by_service(plugin, moto_url):
    queue_cost_results(moto_url, cost_results(start=START, days=1))
    aws = plugin()
    aws.cost_lines(start=START, end=START + timedelta(days=1))
    ce = aws_client(moto_url, "ce")
    # moto hands the same answer to a request with the same parameters: ours must be these exactly.
    again = ce.get_cost_and_usage(TimePeriod={"Start": "2025-03-01", "End": "2025-03-02"}, Granularity="DAILY",
                                  Metrics=["UnblendedCost"], GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}])
    assert again["ResultsByTime"][0]["TimePeriod"]["Start"] == "2025-03-01"


def test_rejected_keys_are_a_permanent_auth_error_with_a_clear_message(plugin, front):
    front.add_fault("/sts/GetCallerIdentity", status=401)
    with pytest.raises(ProviderAuthError) as caught:
        plugin().test_connection()
    error = caught.value
    assert error.permanent is True and error.code == ProviderErrorCode.AUTH
    assert "InvalidClientTokenId" in error.detail and error.message
    assert TEST_SECRET not in str(error) and TEST_KEY_ID not in str(error)
    assert front.count("/sts/GetCallerIdentity") == 1  # not retried


def test_ec2_auth_failure_fails_the_endpoint_as_auth(plugin, front):
    front.add_fault("/ec2/DescribeVolumes", status=401)
    with pytest.raises(ProviderAuthError) as caught:
        _fetch(plugin(), "ec2/DescribeVolumes")
    assert "AuthFailure" in caught.value.detail


def test_permission_denied_on_one_endpoint_leaves_the_others_working(plugin, front):
    front.add_fault("/ec2/DescribeVolumes", kind="forbid", times=None)
    aws = plugin()
    outcomes = {}
    for endpoint in aws.endpoints():
        try:
            outcomes[endpoint.name] = len(endpoint.fetch())
        except ProviderPermissionError as exc:
            outcomes[endpoint.name] = exc
    assert isinstance(outcomes["ec2/DescribeVolumes"], ProviderPermissionError)
    assert outcomes["ec2/DescribeVolumes"].endpoint == "ec2/DescribeVolumes"
    assert "UnauthorizedOperation" in outcomes["ec2/DescribeVolumes"].detail
    assert outcomes["ec2/DescribeInstances"] == 4 and outcomes["ec2/DescribeAddresses"] == 2


def test_cost_explorer_access_denied_is_a_permission_error(plugin, front):
    front.add_fault("/ce/GetCostAndUsage", status=403)
    with pytest.raises(ProviderPermissionError) as caught:
        plugin().cost_lines(start=START, end=END)
    assert "AccessDeniedException" in caught.value.detail


def test_denied_instance_types_still_list_instances_without_sizes(plugin, front):
    front.add_fault("/ec2/DescribeInstanceTypes", kind="forbid", times=None)
    instances = _fetch(plugin(), "ec2/DescribeInstances")
    assert len(instances) == 4 and all(r.specs["cpu_cores"] is None for r in instances)


def test_throttling_with_retry_after_is_retried_then_succeeds(plugin, front):
    front.add_fault("/ec2/DescribeAddresses", status=429, retry_after=1, times=1)
    addresses = _fetch(plugin(), "ec2/DescribeAddresses")
    assert len(addresses) == 2
    # the first region's call was throttled once and retried; the second region went straight through
    assert front.count("/ec2/DescribeAddresses") == len(REGIONS) + 1


def test_throttling_that_does_not_stop_becomes_rate_limited(plugin, front):
    front.add_fault("/ce/GetCostAndUsage", status=429, retry_after=1, times=None)
    with pytest.raises(ProviderRateLimited) as caught:
        plugin(max_attempts=2).cost_lines(start=START, end=END)
    assert caught.value.permanent is False and "LimitExceededException" in caught.value.detail
    assert front.count("/ce/GetCostAndUsage") == 2  # max_attempts counts the first call


def test_server_errors_are_retried_and_then_unavailable(plugin, front):
    front.add_fault("/ec2/DescribeVolumes", status=500, times=None)
    with pytest.raises(ProviderUnavailable):
        _fetch(plugin(max_attempts=3), "ec2/DescribeVolumes")
    assert front.count("/ec2/DescribeVolumes") == 3


def test_one_server_error_is_absorbed_by_a_retry(plugin, front):
    front.add_fault("/ec2/DescribeVolumes", status=503, times=1)
    assert len(_fetch(plugin(), "ec2/DescribeVolumes")) >= 1


def test_a_hanging_provider_is_cut_off_by_the_read_timeout(plugin, front):
    front.add_fault("/sts/GetCallerIdentity", kind="delay", seconds=3, times=None)
    with pytest.raises(ProviderUnavailable) as caught:
        plugin(read_timeout=0.5, max_attempts=2).test_connection()
    assert "timeout" in caught.value.detail.lower()  # gave up on the 3 s answers rather than waiting for them
    assert front.count("/sts/GetCallerIdentity") == 2  # bounded: max_attempts tries, then the error


def test_an_unreachable_endpoint_is_unavailable(front):
    aws = AwsPlugin(credentials={"access_key_id": TEST_KEY_ID, "secret_access_key": TEST_SECRET},
                    endpoint="http://127.0.0.1:9", connect_timeout=0.5, read_timeout=0.5, max_attempts=1)
    with pytest.raises(ProviderUnavailable) as caught:
        aws.test_connection()
    assert "connection failed" in caught.value.detail


def test_malformed_xml_is_a_bad_response(plugin, front):
    front.add_fault("/ec2/DescribeAddresses", kind="malformed", times=None)
    with pytest.raises(ProviderBadResponse):
        _fetch(plugin(max_attempts=1), "ec2/DescribeAddresses")


def test_malformed_cost_json_is_a_bad_response(plugin, front):
    front.add_fault("/ce/GetCostAndUsage", kind="malformed", times=None)
    with pytest.raises(ProviderBadResponse) as caught:
        plugin(max_attempts=1).cost_lines(start=START, end=END)
    assert caught.value.endpoint == "ce/GetCostAndUsage"


def test_assume_role_uses_the_roles_temporary_credentials(plugin, front, moto_url):
    iam = aws_client(moto_url, "iam")
    role = iam.create_role(RoleName="InfraZenReadOnly", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}}]}))
    aws = plugin(credentials={"role_arn": role["Role"]["Arn"], "external_id": "ext-42"})
    info = aws.test_connection()
    assert front.count("/sts/AssumeRole") == 1
    assert "assumed-role/InfraZenReadOnly/infrazen" in info.server["arn"]
    assert len(_fetch(aws, "ec2/DescribeAddresses")) == 2


def test_assume_role_refused_is_a_permission_error(plugin, front):
    front.add_fault("/sts/AssumeRole", status=403)
    with pytest.raises(ProviderPermissionError) as caught:
        plugin(credentials={"role_arn": "arn:aws:iam::123456789012:role/Nope"}).test_connection()
    assert caught.value.endpoint == "sts/AssumeRole"


def test_the_client_never_shows_its_secret(plugin):
    aws = plugin()
    assert TEST_SECRET not in repr(aws.client) and TEST_SECRET not in repr(vars(aws.client).get("config"))
