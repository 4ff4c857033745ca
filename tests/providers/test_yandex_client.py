from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal

import jwt
import pytest

from apps.common.http import build_session
from apps.inventory.vocabulary import ResourceStatus
from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderPermissionError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from apps.providers.plugins.yandex import client as yc
from apps.providers.plugins.yandex.plugin import YandexPlugin
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.yandex import (
    BILLING_ACCOUNT_ID,
    CLOUD_ID,
    DEMO_OAUTH_TOKEN,
    DEV_FOLDER_ID,
    PROD_FOLDER_ID,
    FakeYandex,
    generate_authorized_key,
)
from tests.providers.sync_helpers import run_all_endpoints


class Clock:
    """A settable clock shared by the plugin and the fake, so token expiry can be tested without waiting."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def key_pair():
    return generate_authorized_key()


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    yc.TOKEN_CACHE.clear()
    yield
    yc.TOKEN_CACHE.clear()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def fake(key_pair, clock):
    """A fake Yandex Cloud on a free port over real HTTP, knowing the demo OAuth token and the test key."""
    fake = FakeYandex(keys=(key_pair[1],), clock=clock)
    server = FakeCloudServer(fake)
    server.fake = fake
    server.start()
    yield server
    server.stop()


@pytest.fixture
def plugin(fake, clock):
    def make(credentials=None, **session_options):
        defaults = {"retry_post": True, "backoff_factor": 0, "read_timeout": 5, "connect_timeout": 2}
        page_size = session_options.pop("page_size", yc.PAGE_SIZE)
        return YandexPlugin(credentials=credentials or {"oauth_token": DEMO_OAUTH_TOKEN}, endpoint=fake.url,
                            session=build_session(**{**defaults, **session_options}), page_size=page_size,
                            clock=clock)

    return make



def _by_type(outcome):
    records = {}
    for value in outcome.values():
        assert not isinstance(value, Exception), value
        for record in value:
            records.setdefault(record.resource_type, []).append(record)
    return records


def test_oauth_token_is_exchanged_for_an_iam_token_and_every_endpoint_lists_its_resources(plugin, fake):
    records = _by_type(run_all_endpoints(plugin()))
    assert {k: len(v) for k, v in records.items()} == {
        "cloud": 1, "folder": 2, "vm": 4, "disk": 6, "snapshot": 1, "ip_address": 2}
    assert fake.fake.exchanges == ["oauth"]  # one IAM token served all twenty-odd calls
    web = next(r for r in records["vm"] if r.resource_name == "web-1")
    assert web.status == ResourceStatus.RUNNING and web.region == "ru-central1-a"
    assert web.project_id == PROD_FOLDER_ID and web.account_id == CLOUD_ID
    assert web.specs["cpu_cores"] == 2 and web.specs["core_fraction"] == 100 and web.specs["memory_gb"] == "4.00"
    assert web.specs["platform"] == "standard-v3" and web.specs["ip_addresses"] == ["51.250.10.11"]
    assert web.tags == {"env": "prod", "app": "web"}
    assert web.daily_cost is None and web.monthly_cost is None  # the API has no per-resource price
    dev_box = next(r for r in records["vm"] if r.resource_name == "dev-box")
    assert dev_box.status == ResourceStatus.STOPPED and dev_box.provider_status == "STOPPED"
    batch = next(r for r in records["vm"] if r.resource_name == "batch-1")
    assert batch.pricing_model == "preemptible" and batch.specs["core_fraction"] == 20


def test_unattached_disk_and_idle_address_are_recognisable(plugin):
    records = _by_type(run_all_endpoints(plugin()))
    orphan = next(r for r in records["disk"] if r.resource_name == "old-data")
    assert orphan.specs["attached"] is False and orphan.specs["disk_gb"] == "100.00"
    others = [r for r in records["disk"] if r.resource_name != "old-data"]
    assert others and all(r.specs["attached"] for r in others)
    spare = next(r for r in records["ip_address"] if r.resource_name == "spare-ip")
    assert spare.status == ResourceStatus.INACTIVE and spare.specs["used"] is False  # "used": false is omitted
    assert spare.specs["address"] == "51.250.10.99" and spare.specs["reserved"] is True
    snapshot = records["snapshot"][0]
    assert snapshot.specs["storage_gb"] == "7.00" and snapshot.specs["disk_gb"] == "20.00"


def test_int64_fields_are_read_whether_given_as_strings_or_as_numbers(plugin, fake):
    prod_raw = fake.fake.instances[PROD_FOLDER_ID][0]["resources"]
    dev_raw = fake.fake.instances[DEV_FOLDER_ID][0]["resources"]
    assert isinstance(prod_raw["cores"], str) and isinstance(dev_raw["cores"], int)  # both forms are served
    records = _by_type(run_all_endpoints(plugin()))
    prod = next(r for r in records["vm"] if r.resource_name == "batch-1")  # same shape as dev-box
    dev = next(r for r in records["vm"] if r.resource_name == "dev-box")
    assert (prod.specs["cpu_cores"], prod.specs["core_fraction"], prod.specs["memory_gb"]) == (2, 20, "2.00")
    assert (dev.specs["cpu_cores"], dev.specs["core_fraction"], dev.specs["memory_gb"]) == (2, 20, "2.00")
    disks = {r.resource_name: r for r in records["disk"]}
    assert disks["batch-1-boot"].specs["disk_gb"] == disks["dev-box-boot"].specs["disk_gb"] == "20.00"


def test_service_account_key_is_exchanged_through_a_ps256_jwt_the_fake_verifies(plugin, fake, key_pair):
    key_file, _public = key_pair
    info = plugin({"authorized_key": json.dumps(key_file)}).test_connection()
    assert info.account_id == BILLING_ACCOUNT_ID
    assert fake.fake.exchanges == ["jwt"]
    assert fake.count("/iam/v1/tokens") == 1


def test_signed_jwt_carries_the_documented_header_and_claims(key_pair):
    key = yc.parse_authorized_key(json.dumps(key_pair[0]))
    token = yc.sign_jwt(key, now=1_700_000_000)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "PS256", "typ": "JWT", "kid": key_pair[0]["id"]}
    claims = jwt.decode(token, key_pair[1].public_key_pem, algorithms=["PS256"], audience=yc.JWT_AUDIENCE,
                        options={"verify_exp": False, "verify_iat": False})
    assert claims == {"iss": key_pair[0]["service_account_id"], "aud": yc.JWT_AUDIENCE, "iat": 1_700_000_000,
                      "exp": 1_700_003_600}


def test_key_signed_by_another_private_key_is_rejected_as_a_permanent_auth_error(plugin, key_pair):
    impostor, _public = generate_authorized_key(key_id=key_pair[0]["id"],
                                                service_account_id=key_pair[0]["service_account_id"])
    with pytest.raises(ProviderAuthError) as info:
        plugin({"authorized_key": json.dumps(impostor)}).test_connection()
    assert info.value.permanent and info.value.message == str(yc.MSG_REJECTED_KEY)
    assert "PRIVATE KEY" not in str(info.value) and "HTTP 401" in info.value.detail


def test_key_of_an_unknown_service_account_is_rejected(plugin, key_pair):
    stranger = dict(key_pair[0], service_account_id="ajeotherserviceacct1")
    with pytest.raises(ProviderAuthError):
        plugin({"authorized_key": json.dumps(stranger)}).test_connection()


@pytest.mark.parametrize("raw", ["not json at all", "[1, 2]", json.dumps({"id": "x", "service_account_id": "y"}),
                                 json.dumps({"id": "x", "service_account_id": "y", "private_key": "garbage"})])
def test_unreadable_authorized_key_is_a_clear_auth_error_that_echoes_nothing(plugin, fake, raw):
    with pytest.raises(ProviderAuthError) as info:
        plugin({"authorized_key": raw}).test_connection()
    assert info.value.permanent and info.value.message == str(yc.MSG_BAD_KEY)
    assert "garbage" not in str(info.value) and "not json" not in str(info.value)
    assert fake.count("/iam/v1/tokens") == 0


def test_wrong_oauth_token_is_a_permanent_auth_error_with_a_clear_message(plugin):
    with pytest.raises(ProviderAuthError) as info:
        plugin({"oauth_token": "y0_wrong-token-123"}).test_connection()
    assert info.value.permanent and info.value.message == str(yc.MSG_REJECTED_OAUTH)
    assert info.value.endpoint == "iam/v1/tokens"
    assert "y0_wrong-token-123" not in str(info.value)


@pytest.mark.parametrize("credentials, message", [
    ({}, yc.MSG_NO_CREDENTIALS),
    ({"oauth_token": DEMO_OAUTH_TOKEN, "authorized_key": "{}"}, yc.MSG_BOTH_CREDENTIALS),
])
def test_exactly_one_of_oauth_token_and_authorized_key_is_required(plugin, fake, credentials, message):
    built = YandexPlugin(credentials=credentials, endpoint=fake.url)
    with pytest.raises(ProviderAuthError) as info:
        built.test_connection()
    assert info.value.message == str(message)
    assert fake.count("/iam/v1/tokens") == 0


def test_iam_token_is_cached_until_shortly_before_it_expires(plugin, fake, clock):
    first = plugin()
    first.test_connection()
    plugin().test_connection()  # another plugin in the same process (next sync) reuses the token
    assert fake.fake.exchanges == ["oauth"]
    clock.now += 6 * 3600  # halfway through the 12-hour lifetime the fake announced in expiresAt
    plugin().test_connection()
    assert fake.fake.exchanges == ["oauth"]
    clock.now += 6 * 3600 - yc.TOKEN_REFRESH_MARGIN + 1
    plugin().test_connection()
    assert fake.fake.exchanges == ["oauth", "oauth"]


def test_a_revoked_iam_token_is_replaced_once_and_the_call_succeeds(plugin, fake):
    built = plugin()
    built.test_connection()
    fake.fake.tokens.clear()  # the provider forgets every token it issued
    assert len(built.client.clouds()) == 1
    assert fake.fake.exchanges == ["oauth", "oauth"]


def test_account_info_is_the_billing_account_balance(plugin):
    info = plugin().account_info()
    assert info.account_id == BILLING_ACCOUNT_ID and info.plan_name == "InfraZen demo"
    assert info.balance == Decimal("15234.56") and info.currency == "RUB" and info.status == "active"
    chosen = plugin({"oauth_token": DEMO_OAUTH_TOKEN, "billing_account_id": BILLING_ACCOUNT_ID}).account_info()
    assert chosen.balance == Decimal("15234.56")


def test_without_billing_access_the_connection_still_works_without_a_balance(plugin, fake):
    fake.add_fault("/billing/", "forbid", times=None)
    info = plugin({"oauth_token": DEMO_OAUTH_TOKEN, "cloud_id": CLOUD_ID}).test_connection()
    assert info.balance is None and info.account_id == CLOUD_ID


def test_403_on_one_endpoint_fails_only_that_endpoint(plugin, fake):
    fake.add_fault("/compute/v1/disks", "forbid", times=None)
    outcome = run_all_endpoints(plugin())
    assert isinstance(outcome["compute/v1/disks"], ProviderPermissionError)
    assert outcome["compute/v1/disks"].permanent
    assert len(outcome["compute/v1/instances"]) == 4
    assert len(outcome["vpc/v1/addresses"]) == 2 and len(outcome["compute/v1/snapshots"]) == 1


def test_429_with_retry_after_is_retried_then_succeeds(plugin, fake, retry_sleeps):
    fake.add_fault("/compute/v1/instances", "status", status=429, retry_after=7, times=1)
    built = plugin()
    built.client.iam_token()
    instances = built.client.instances(PROD_FOLDER_ID)
    assert len(instances) == 3
    assert fake.count("/compute/v1/instances") == 2
    assert retry_sleeps == [7]  # waited as the server asked, although backoff_factor is 0


def test_429_on_the_monitoring_post_is_retried_too(plugin, fake):
    fake.add_fault("/monitoring/v2/data/read", "status", status=429, retry_after=0, times=1)
    built = plugin()
    web = next(r for r in built.endpoints()[2].fetch() if r.resource_name == "web-1")
    assert len(built.metrics(web)[0].points) == 168


def test_persistent_429_surfaces_as_rate_limited(plugin, fake):
    fake.add_fault("/vpc/v1/addresses", "status", status=429, retry_after=0, times=None)
    built = plugin(retries=2)
    with pytest.raises(ProviderRateLimited):
        built.client.addresses(PROD_FOLDER_ID)
    assert fake.count("/vpc/v1/addresses") == 3


def test_500_is_retried_then_unavailable(plugin, fake):
    fake.add_fault("/compute/v1/snapshots", "status", status=500, times=None)
    outcome = run_all_endpoints(plugin(retries=2))
    assert isinstance(outcome["compute/v1/snapshots"], ProviderUnavailable)
    assert fake.count("/compute/v1/snapshots") == 3
    assert len(outcome["compute/v1/instances"]) == 4


def test_500_on_the_token_exchange_is_unavailable_not_an_auth_error(plugin, fake):
    fake.add_fault("/iam/v1/tokens", "status", status=503, times=None)
    with pytest.raises(ProviderUnavailable):
        plugin(retries=1).test_connection()


def test_timeout_is_bounded(plugin, fake):
    fake.add_fault("/resource-manager/v1/clouds", "delay", seconds=3, times=None)
    with pytest.raises(ProviderUnavailable) as info:
        plugin(read_timeout=0.4).client.clouds()
    assert "timeout" in info.value.detail  # gave up on the 3 s answers rather than waiting for them
    assert fake.count("/resource-manager/v1/clouds") == 2  # the first try and one read retry, not 1 + 3


def test_malformed_json_is_a_bad_response_of_that_endpoint_only(plugin, fake):
    built = plugin()
    built.folders()  # discovery done: the fault below hits only the list it targets
    fake.add_fault("/vpc/v1/addresses", "malformed", times=1)
    outcome = run_all_endpoints(built)
    assert isinstance(outcome["vpc/v1/addresses"], ProviderBadResponse)
    assert len(outcome["compute/v1/instances"]) == 4


def test_failed_folder_discovery_fails_every_per_folder_endpoint(plugin, fake):
    fake.add_fault("/resource-manager/v1/folders", "forbid", times=None)
    outcome = run_all_endpoints(plugin())
    assert len(outcome["resource-manager/v1/clouds"]) == 1
    for name in ("compute/v1/instances", "compute/v1/disks", "compute/v1/snapshots", "vpc/v1/addresses"):
        assert isinstance(outcome[name], ProviderPermissionError)


def test_lists_follow_next_page_token_to_the_end(key_pair, clock):
    fake = FakeYandex(extra_instances=250, seed=7, clock=clock)
    with FakeCloudServer(fake) as server:
        built = YandexPlugin(credentials={"oauth_token": DEMO_OAUTH_TOKEN}, endpoint=server.url, page_size=50,
                             clock=clock)
        vms = built.endpoints()[2].fetch()
        assert len(vms) == 254 and len({r.resource_id for r in vms}) == 254
        # prod: 3 + 125 VMs in 3 pages of 50; dev: 1 + 125 in 3 pages
        assert server.count("/compute/v1/instances") == 6


def test_folder_filter_limits_every_list_to_that_folder(plugin):
    records = _by_type(run_all_endpoints(plugin({"oauth_token": DEMO_OAUTH_TOKEN, "folder_id": DEV_FOLDER_ID})))
    assert [r.resource_name for r in records["vm"]] == ["dev-box"]
    assert [r.resource_id for r in records["folder"]] == [DEV_FOLDER_ID]
    assert [r.resource_id for r in records["cloud"]] == [CLOUD_ID]
    assert "ip_address" not in records


def test_cloud_filter_reads_that_cloud_only(plugin, fake):
    records = _by_type(run_all_endpoints(plugin({"oauth_token": DEMO_OAUTH_TOKEN, "cloud_id": CLOUD_ID})))
    assert len(records["folder"]) == 2
    assert fake.count("/resource-manager/v1/clouds/") >= 1
    assert ("GET", "/resource-manager/v1/clouds") not in fake.calls


def test_inaccessible_folder_is_a_permission_error(plugin):
    with pytest.raises(ProviderPermissionError):
        plugin({"oauth_token": DEMO_OAUTH_TOKEN, "folder_id": "b1gnotmine0000000000"}).test_connection()


def test_metrics_are_hourly_cpu_usage_for_the_last_week(plugin, fake):
    now = datetime(2025, 10, 8, 12, 30, tzinfo=UTC)
    built = plugin()
    built.now = lambda: now
    records = built.endpoints()[2].fetch()
    web = next(r for r in records if r.resource_name == "web-1")
    series = built.metrics(web)
    assert [(s.metric, s.unit) for s in series] == [("cpu_percent", "percent")]
    points = series[0].points
    assert len(points) == 168
    assert points[0][0] == datetime(2025, 10, 1, 12, 0, tzinfo=UTC)
    assert all(isinstance(v, Decimal) and 0 <= v <= 100 for _t, v in points)
    assert series == built.metrics(web)  # deterministic
    disk = built.endpoints()[3].fetch()[0]
    assert built.metrics(disk) == []


def test_every_service_is_served_under_the_one_custom_base_url(plugin, fake):
    run_all_endpoints(plugin())
    prefixes = {path.split("/")[1] for _method, path in fake.calls}
    assert prefixes == {"iam", "resource-manager", "compute", "vpc"}
    default = yc.YandexClient(oauth_token="x")
    assert default.url("compute", "/compute/v1/instances") == "https://compute.api.cloud.yandex.net/compute/v1/instances"
    assert default.url("iam", yc.TOKENS_PATH) == "https://iam.api.cloud.yandex.net/iam/v1/tokens"


def test_client_repr_hides_the_credentials(plugin, key_pair):
    assert DEMO_OAUTH_TOKEN not in repr(plugin().client)
    built = plugin({"authorized_key": json.dumps(key_pair[0])})
    built.client.iam_token()
    assert "PRIVATE" not in repr(built.client) and "PRIVATE" not in repr(built.client._key)
