"""The Cloud.ru Evolution client and plugin against the fake over real HTTP: the IAM token (cached, refreshed
before expiry, replaced once on a 401), consumption v2 page tokens (followed; a loop stopped and reported),
projects and Compute lists, and the shared faults.

Expected money is computed by hand from the fake's illustrative prices (without VAT):
vCPU 0.6125 ₽/h, RAM 0.1875 ₽ per GB-hour, disk 0.3125 ₽ per GB-day.
  web-1   2 vCPU, 4 GB:  2 × 0.6125 × 24 = 29.40 + 4 × 0.1875 × 24 = 18.00  -> 47.40 a day
  db-1    4 vCPU, 16 GB: 4 × 0.6125 × 24 = 58.80 + 16 × 0.1875 × 24 = 72.00 -> 130.80 a day
  disks   20 + 40 + 200 + 20 + 50 GB = 330 GB × 0.3125                      -> 103.125 a day
  dev-box is stopped: no vCPU/RAM rows.  Both projects: 281.325 a day; the agreement adds 10.00 of support.
"""

from __future__ import annotations

import json
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from apps.common.http import build_session
from apps.inventory.vocabulary import ResourceKind, ResourceStatus
from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderPermissionError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from apps.providers.plugins.cloudru import client as cr
from apps.providers.plugins.cloudru.plugin import CloudRuPlugin
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.cloudru import (
    DEMO_AGREEMENT_ID,
    DEMO_CUSTOMER_ID,
    DEMO_KEY_ID,
    DEMO_KEY_SECRET,
    DEV_PROJECT_ID,
    PROD_PROJECT_ID,
    FakeCloudRu,
)
from tests.providers.sync_helpers import run_all_endpoints

CREDENTIALS = {"key_id": DEMO_KEY_ID, "key_secret": DEMO_KEY_SECRET, "customer_id": DEMO_CUSTOMER_ID}
TODAY = date(2030, 6, 14)
CONSUMPTION = "/cloudru/organization/v2/consumption"
SAMPLES = Path(__file__).parent / "samples" / "cloudru"


class Clock:
    """A settable clock shared by the plugin and the fake: token expiry without waiting."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    cr.TOKEN_CACHE.clear()
    yield
    cr.TOKEN_CACHE.clear()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def fake(clock):
    server = FakeCloudServer(FakeCloudRu(clock=clock))
    server.fake = server.providers[0]
    with server:
        yield server


@pytest.fixture
def plugin(fake, clock):
    def make(credentials=None, **options):
        session_options = {k: options.pop(k) for k in ("retries", "read_timeout") if k in options}
        session = build_session(**{"retry_post": True, "backoff_factor": 0, "read_timeout": 5,
                                    "connect_timeout": 2, **session_options})
        return CloudRuPlugin(credentials=credentials or dict(CREDENTIALS), endpoint=fake.url, session=session,
                             clock=clock, today=TODAY, **options)

    return make


def _by_type(outcome):
    records = {}
    for value in outcome.values():
        assert not isinstance(value, Exception), value
        for record in value:
            records.setdefault(record.resource_type, []).append(record)
    return records


# --- IAM token -------------------------------------------------------------------------------------
def test_the_fake_answers_the_token_exchange_in_the_documented_shape(fake):
    documented = json.loads((SAMPLES / "iam_auth_token.json").read_text())
    session = build_session(retry_post=True)
    answer = session.post(f"{fake.url}/cloudru/iam/api/v1/auth/token",
                          json={"keyId": DEMO_KEY_ID, "secret": DEMO_KEY_SECRET}, timeout=5).json()
    assert set(answer) == set(documented)
    assert answer["expires_in"] == documented["expires_in"] == 3600 and answer["token_type"] == "Bearer"


def test_one_access_token_serves_every_call_of_a_sync(plugin, fake):
    records = _by_type(run_all_endpoints(plugin()))
    assert {k: len(v) for k, v in records.items()} == {"vm": 3, "disk": 5}
    assert fake.fake.exchanges == 1


def test_the_token_is_cached_until_shortly_before_it_expires_then_refreshed(plugin, fake, clock):
    plugin().test_connection()
    plugin().test_connection()  # the next sync in the same process reuses the token
    assert fake.fake.exchanges == 1
    clock.now += 3600 - cr.TOKEN_REFRESH_MARGIN - 1  # still inside the hour, outside the margin
    plugin().client.projects(DEMO_CUSTOMER_ID)
    assert fake.fake.exchanges == 1
    clock.now += 2  # within the refresh margin: a new token before the old one runs out
    plugin().client.projects(DEMO_CUSTOMER_ID)
    assert fake.fake.exchanges == 2


def test_a_long_sync_refreshes_the_token_between_calls(plugin, fake, clock):
    built = plugin()
    built.client.vms(PROD_PROJECT_ID)
    clock.now += 3600  # an hour later the provider no longer accepts the first token
    assert len(built.client.vms(PROD_PROJECT_ID)) == 2
    assert fake.fake.exchanges == 2
    assert fake.count("/cloudru/compute/api/v1/vms") == 2  # refreshed before the call: no 401 round trip


def test_a_revoked_token_is_replaced_once_and_the_call_succeeds(plugin, fake):
    built = plugin()
    built.client.access_token()
    fake.fake.tokens.clear()  # the provider forgets every token it issued
    assert len(built.client.disks(DEV_PROJECT_ID)) == 2
    assert fake.fake.exchanges == 2
    assert fake.count("/cloudru/compute/api/v1/disks") == 2


def test_a_401_that_persists_after_a_fresh_token_is_an_auth_error_after_one_retry(plugin, fake):
    fake.add_fault("/cloudru/compute/api/v1/vms", "status", status=401, times=None)
    with pytest.raises(ProviderAuthError):
        plugin().client.vms(PROD_PROJECT_ID)
    assert fake.count("/cloudru/compute/api/v1/vms") == 2
    assert fake.fake.exchanges == 2


def test_a_wrong_key_secret_is_a_permanent_auth_error_that_echoes_nothing(plugin, fake):
    with pytest.raises(ProviderAuthError) as info:
        plugin({**CREDENTIALS, "key_secret": "Wrong-Secret-123"}).test_connection()
    assert info.value.permanent and info.value.message == str(cr.MSG_REJECTED_KEY)
    assert info.value.endpoint == "iam/auth/token" and info.value.detail == "HTTP 401"
    assert "Wrong-Secret-123" not in str(info.value) and "Wrong-Secret-123" not in repr(plugin().client)
    assert fake.count("/cloudru/organization/") == 0


def test_a_failing_token_service_is_unavailable_not_an_auth_error(plugin, fake):
    fake.add_fault("/cloudru/iam/", "status", status=503, times=None)
    with pytest.raises(ProviderUnavailable):
        plugin(retries=1).test_connection()


# --- consumption v2 ------------------------------------------------------------------------------
def test_cost_lines_follow_page_tokens_to_the_end(plugin, fake):
    built = plugin(consumption_page_size=5)
    lines = built.cost_lines(start=date(2030, 6, 12), end=date(2030, 6, 14))
    # prod: 12 rows a day -> 24 rows in 5 pages of 5; dev: 2 a day -> 4 rows in one page
    assert fake.count(CONSUMPTION) == 6
    totals: dict[date, Decimal] = {}
    for line in lines:
        totals[line.day] = totals.get(line.day, Decimal(0)) + line.amount
    assert totals == {date(2030, 6, 12): Decimal("281.325"), date(2030, 6, 13): Decimal("281.325")}
    assert {line.day for line in lines} == {date(2030, 6, 12), date(2030, 6, 13)}


def test_the_consumption_window_is_sent_as_documented(plugin, fake):
    seen = []
    original = fake.fake.consumption
    fake.fake.consumption = lambda request, fault: (seen.append(dict(request.query)), original(request, fault))[1]
    plugin({**CREDENTIALS, "agreement_id": DEMO_AGREEMENT_ID}).cost_lines(start=date(2030, 6, 1),
                                                                          end=date(2030, 6, 3))
    assert seen == [{"agreement_id": DEMO_AGREEMENT_ID, "start_date": "2030-06-01T00:00:00Z",
                     "end_date": "2030-06-03T00:00:00Z", "page_filter.page_size": str(cr.CONSUMPTION_PAGE_SIZE)}]


def test_a_repeated_page_token_stops_the_read_and_reports_the_loop(plugin, fake):
    fake.add_fault(CONSUMPTION, "loop", times=None)
    built = plugin(consumption_page_size=5)
    with pytest.raises(ProviderBadResponse) as info:
        built.cost_lines(start=date(2030, 6, 12), end=date(2030, 6, 14))
    assert info.value.message == str(cr.MSG_PAGE_LOOP)
    assert info.value.endpoint == "organization/v2/consumption" and "repeated" in info.value.detail
    assert fake.count(CONSUMPTION) == 2  # the first page, then the page that points to itself: no spinning


def test_more_pages_than_the_cap_stop_the_read(plugin, fake, monkeypatch):
    monkeypatch.setattr(cr, "CONSUMPTION_MAX_PAGES", 3)
    with pytest.raises(ProviderBadResponse) as info:
        plugin(consumption_page_size=2).cost_lines(start=date(2030, 6, 12), end=date(2030, 6, 13))
    assert info.value.message == str(cr.MSG_TOO_MANY_PAGES)
    assert fake.count(CONSUMPTION) == 3


def test_agreement_consumption_includes_the_charges_without_a_resource_as_account_level(plugin):
    lines = plugin({**CREDENTIALS, "agreement_id": DEMO_AGREEMENT_ID}).cost_lines(
        start=date(2030, 6, 13), end=date(2030, 6, 14))
    assert sum(line.amount for line in lines) == Decimal("291.325")
    [support] = [line for line in lines if line.sku_id == "support-standard"]
    assert support.resource_id == DEMO_CUSTOMER_ID and support.amount == Decimal("10.00")


def test_vat_is_kept_beside_the_amount_without_vat(plugin):
    lines = plugin().cost_lines(start=date(2030, 6, 13), end=date(2030, 6, 14))
    web_cpu = next(line for line in lines if line.resource_name == "web-1" and line.sku_id == "evo-vm-vcpu-ll")
    assert web_cpu.amount == Decimal("29.40")  # two 12-hour quanta of 14.70, the withdrawn 999.00 not counted
    assert Decimal(web_cpu.extras["x_VatRate"]) == Decimal("0.22")
    assert Decimal(web_cpu.extras["x_VatAmount"]) == Decimal("6.468")
    assert Decimal(web_cpu.extras["x_AmountWithVat"]) == Decimal("35.868")
    assert web_cpu.extras["x_ProjectId"] == PROD_PROJECT_ID and web_cpu.service_name == "Виртуальные машины vCPU"
    assert Decimal(web_cpu.extras["x_UsageQuantity"]) == 48 and web_cpu.extras["x_UsageUnit"] == "vCPU*час"


def test_an_empty_window_asks_nothing(plugin, fake):
    assert plugin().cost_lines(start=TODAY, end=TODAY) == []
    assert fake.count(CONSUMPTION) == 0


# --- inventory and account -------------------------------------------------------------------------
def test_vms_and_disks_of_every_project_carry_their_project_specs_and_yesterdays_cost(plugin):
    records = _by_type(run_all_endpoints(plugin()))
    web = next(r for r in records["vm"] if r.resource_name == "web-1")
    assert web.kind == ResourceKind.COMPUTE and web.status == ResourceStatus.RUNNING
    assert web.provider_status == "running"
    assert web.project_id == PROD_PROJECT_ID and web.account_id == DEMO_CUSTOMER_ID and web.region == "ru.AZ-1"
    assert web.specs["cpu_cores"] == 2 and web.specs["memory_gb"] == "4" and web.specs["flavor"] == "lowlatency-2-4"
    assert web.specs["project_name"] == "prod" and web.specs["public_ip"] == "176.123.160.11"
    assert web.tags == {"env": "prod"}
    assert web.daily_cost == Decimal("47.40") and web.monthly_cost == Decimal("1422.00")
    dev_box = next(r for r in records["vm"] if r.resource_name == "dev-box")
    assert dev_box.status == ResourceStatus.STOPPED and dev_box.project_id == DEV_PROJECT_ID
    assert dev_box.daily_cost is None  # not billed yesterday
    db = next(r for r in records["vm"] if r.resource_name == "db-1")
    assert db.specs["cpu_cores"] == 4 and db.daily_cost == Decimal("130.80")
    disks = {r.resource_name: r for r in records["disk"]}
    assert disks["db-1-data"].specs["disk_gb"] == "200" and disks["db-1-data"].specs["attached_to"] == db.resource_id
    assert disks["old-backup"].specs["attached"] is False and disks["old-backup"].daily_cost == Decimal("15.63")
    assert disks["db-1-boot"].specs["disk_gb"] == "40"  # given as a string by the fake


def test_a_project_id_limits_inventory_and_consumption_to_that_project(plugin, fake):
    built = plugin({**CREDENTIALS, "project_id": DEV_PROJECT_ID})
    records = _by_type(run_all_endpoints(built))
    assert [r.resource_name for r in records["vm"]] == ["dev-box"]
    assert {r.project_id for r in records["disk"]} == {DEV_PROJECT_ID}
    assert records["vm"][0].specs["project_name"] == "dev"
    lines = built.cost_lines(start=date(2030, 6, 13), end=date(2030, 6, 14))
    assert sum(line.amount for line in lines) == Decimal("21.875")  # 20 GB + 50 GB at 0.3125


def test_a_project_administrator_who_cannot_list_projects_still_connects_to_its_project(plugin, fake):
    fake.add_fault("/cloudru/organization/v1/projects", "forbid", times=None)
    built = plugin({**CREDENTIALS, "project_id": PROD_PROJECT_ID})
    info = built.test_connection()
    assert info.account_id == DEMO_CUSTOMER_ID and info.daily_rate == Decimal("259.45")  # 47.40 + 130.80 + 81.25
    assert [r.resource_name for r in built.endpoints()[0].fetch()] == ["web-1", "db-1"]


def test_account_info_is_the_customer_and_yesterdays_consumption_without_vat(plugin, fake):
    info = plugin().test_connection()
    assert info.account_id == DEMO_CUSTOMER_ID and info.currency == "RUB"
    assert info.daily_rate == Decimal("281.33") and info.balance is None and info.monthly_rate is None
    assert info.server == {"projects": 2}


def test_without_consumption_access_the_card_has_no_rate_but_the_connection_works(plugin, fake):
    fake.add_fault(CONSUMPTION, "forbid", times=None)
    info = plugin().test_connection()
    assert info.daily_rate is None and info.account_id == DEMO_CUSTOMER_ID
    records = _by_type(run_all_endpoints(plugin()))
    assert len(records["vm"]) == 3 and all(r.daily_cost is None for r in records["vm"])


def test_a_wrong_customer_id_fails_the_connection_test(plugin):
    with pytest.raises(ProviderPermissionError):
        plugin({**CREDENTIALS, "customer_id": "00000000-0000-4000-8000-000000000000"}).test_connection()


def test_403_on_one_endpoint_fails_only_that_endpoint(plugin, fake):
    fake.add_fault("/cloudru/compute/api/v1/disks", "forbid", times=None)
    outcome = run_all_endpoints(plugin())
    assert isinstance(outcome["compute/disks"], ProviderPermissionError)
    assert len(outcome["compute/vms"]) == 3


def test_failed_project_discovery_fails_every_per_project_endpoint(plugin, fake):
    fake.add_fault("/cloudru/organization/v1/projects", "forbid", times=None)
    outcome = run_all_endpoints(plugin())
    assert all(isinstance(value, ProviderPermissionError) for value in outcome.values())


def test_429_with_retry_after_is_retried_then_succeeds(plugin, fake, retry_sleeps):
    fake.add_fault("/cloudru/compute/api/v1/vms", "status", status=429, retry_after=4, times=1)
    built = plugin()
    built.client.access_token()
    assert len(built.client.vms(PROD_PROJECT_ID)) == 2
    assert fake.count("/cloudru/compute/api/v1/vms") == 2
    assert retry_sleeps == [4]


def test_persistent_429_surfaces_as_rate_limited(plugin, fake):
    fake.add_fault(CONSUMPTION, "status", status=429, retry_after=0, times=None)
    with pytest.raises(ProviderRateLimited):
        plugin(retries=1).cost_lines(start=date(2030, 6, 13), end=date(2030, 6, 14))


def test_500_is_retried_then_unavailable(plugin, fake):
    fake.add_fault("/cloudru/compute/api/v1/vms", "status", status=500, times=None)
    outcome = run_all_endpoints(plugin(retries=2))
    assert isinstance(outcome["compute/vms"], ProviderUnavailable)
    assert fake.count("/cloudru/compute/api/v1/vms") == 3
    assert len(outcome["compute/disks"]) == 5


def test_timeout_is_bounded(plugin, fake):
    fake.add_fault("/cloudru/compute/api/v1/disks", "delay", seconds=3, times=None)
    built = plugin(read_timeout=0.4)
    built.client.access_token()
    with pytest.raises(ProviderUnavailable) as info:
        built.client.disks(PROD_PROJECT_ID)
    assert "timeout" in info.value.detail


def test_malformed_json_is_a_bad_response_of_that_endpoint_only(plugin, fake):
    built = plugin()
    built.projects()
    built.day_costs()
    fake.add_fault("/cloudru/compute/api/v1/vms", "malformed", times=1)
    outcome = run_all_endpoints(built)
    assert isinstance(outcome["compute/vms"], ProviderBadResponse)
    assert len(outcome["compute/disks"]) == 5


def test_compute_lists_are_read_page_by_page(clock):
    fake = FakeCloudRu(extra_vms=45, clock=clock)
    with FakeCloudServer(fake) as server:
        built = CloudRuPlugin(credentials=dict(CREDENTIALS), endpoint=server.url, clock=clock, today=TODAY,
                              compute_page_size=20)
        vms = built.client.vms(PROD_PROJECT_ID)
        assert len(vms) == 47 and len({vm["id"] for vm in vms}) == 47
        assert server.count("/cloudru/compute/api/v1/vms") == 3


def test_every_service_is_served_under_the_one_custom_base_url(plugin, fake):
    run_all_endpoints(plugin())
    assert {path.split("/")[2] for _method, path in fake.calls} == {"iam", "organization", "compute"}
    assert cr.derive_bases("") == {"iam": "https://iam.api.cloud.ru",
                                   "organization": "https://organization.api.cloud.ru",
                                   "compute": "https://compute.api.cloud.ru"}
    assert cr.derive_bases("http://fake:8765/")["organization"] == "http://fake:8765/cloudru/organization"
