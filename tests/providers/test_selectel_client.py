"""The Selectel plugin against the fake Selectel over real HTTP: every endpoint and every fault."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.common.http import build_session
from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderPermissionError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from apps.providers.plugins.selectel.client import SERVICE_USER_REJECTED
from apps.providers.plugins.selectel.plugin import SelectelPlugin
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.selectel import (
    DEMO_ACCOUNT_ID,
    DEMO_PROJECT_ID,
    DEMO_PROJECT_NAME,
    DEMO_TOKEN,
    DEMO_USER_PASSWORD,
    DEMO_USERNAME,
    FINAL_SUM_KOPECKS,
    FakeSelectel,
)
from tests.providers.sync_helpers import run_all_endpoints

TODAY = date(2025, 10, 11)
SERVICE_USER = {"username": DEMO_USERNAME, "password": DEMO_USER_PASSWORD, "project_id": DEMO_PROJECT_ID}


@pytest.fixture
def fake_selectel():
    # Server #1 is seeded shut off (SHUTOFF), so the estate has a stopped server to normalize.
    with FakeCloudServer(FakeSelectel(servers=5, seed=3, stopped=(1,))) as server:
        yield server


@pytest.fixture
def selectel(fake_selectel):
    def make(*, url=None, service_user=True, **credentials):
        session_options = {k: credentials.pop(k) for k in ("retries", "read_timeout") if k in credentials}
        session = build_session(**{"retry_post": True, "backoff_factor": 0, "read_timeout": 5, "connect_timeout": 2,
                                   **session_options})
        creds = {"token": DEMO_TOKEN, **(SERVICE_USER if service_user else {}), **credentials}
        return SelectelPlugin(credentials=creds, endpoint=url or fake_selectel.url, session=session, today=TODAY)

    return make



def test_test_connection_reads_balance_prediction_rate_and_quota_limits(selectel, fake_selectel):
    info = selectel().test_connection()
    fake = fake_selectel.providers[0]
    assert info.account_id == DEMO_ACCOUNT_ID  # read from the resell account, none was given
    assert info.balance == Decimal(FINAL_SUM_KOPECKS) / 100
    assert info.daily_rate == Decimal(fake.daily_kopecks()) / 100
    assert info.monthly_rate is None  # never derived from the day's consumption
    assert info.days_to_block == int(FINAL_SUM_KOPECKS // fake.daily_kopecks())
    cores = sum(s["flavor"]["vcpus"] for s in fake.servers)
    # The quota-manager of each region in the catalog (ru-1, ru-3): 20 cores each for the service user's project.
    assert info.limits["compute_cores"].used == cores and info.limits["compute_cores"].limit == 40
    assert info.limits["compute_ram"].used == sum(s["flavor"]["ram"] for s in fake.servers)  # "used" was a string
    assert fake_selectel.count("/selectel/ru-1/quota-manager/v1/projects/") == 1
    assert fake_selectel.count("/selectel/ru-3/quota-manager/v1/projects/") == 1
    assert fake_selectel.count("/selectel/cloud/identity/v3/auth/tokens") == 1


def test_without_a_service_user_the_card_has_no_quotas_and_asks_nothing_for_them(selectel, fake_selectel):
    info = selectel(service_user=False).account_info()
    assert info.limits == {} and info.balance == Decimal(FINAL_SUM_KOPECKS) / 100
    assert fake_selectel.count("/selectel/cloud/identity/") == 0
    assert fake_selectel.count("/selectel/api/vpc/resell/v2/quotas/") == 0


def test_static_token_alone_lists_billed_resources_from_consumption(selectel, fake_selectel):
    plugin = selectel(service_user=False)
    assert [e.name for e in plugin.endpoints()] == ["cloud_billing/consumption"]
    records = run_all_endpoints(plugin)["cloud_billing/consumption"]
    fake = fake_selectel.providers[0]
    billed_servers = [s for s in fake.servers if s["status"] == "ACTIVE"]
    by_type = {}
    for record in records:
        by_type.setdefault(record.resource_type, []).append(record)
    assert len(by_type["server"]) == len(billed_servers)
    assert len(by_type["volume"]) == len(fake.volumes)
    assert [r.service_name for r in by_type["cloud_service"]] == ["Database"]
    assert sum(r.daily_cost for r in records) == Decimal(fake.daily_kopecks()) / 100
    assert fake_selectel.count("/selectel/cloud/") == 0  # no Keystone without a service user


def test_service_user_lists_servers_and_volumes_in_every_catalog_region(selectel, fake_selectel):
    outcome = run_all_endpoints(selectel())
    fake = fake_selectel.providers[0]
    servers, volumes = outcome["compute/servers"], outcome["volume/volumes"]
    assert sorted(r.resource_id for r in servers) == sorted(s["id"] for s in fake.servers)
    assert {r.region for r in servers} == {"ru-1", "ru-3"}
    assert sorted(r.resource_id for r in volumes) == sorted(v["id"] for v in fake.volumes)
    assert [r.resource_type for r in outcome["cloud_billing/consumption"]] == ["cloud_service"]
    first = next(r for r in servers if r.resource_id == fake.servers[0]["id"])
    flavor = fake.servers[0]["flavor"]
    assert first.specs["cpu_cores"] == flavor["vcpus"]  # from /flavors/detail: microversion 2.1 has no specs
    assert first.daily_cost == Decimal((flavor["vcpu_kop"] + flavor["ram_kop"]) * 24) / 100
    (stopped,) = [r for r in servers if r.resource_id == fake.servers[1]["id"]]
    assert (stopped.status, stopped.provider_status, stopped.daily_cost) == ("stopped", "SHUTOFF", None)
    assert all(r.status == "running" for r in servers if r is not stopped)
    spare = [r for r in volumes if r.resource_name.startswith("spare-")]
    assert len(spare) == 2 and all(r.status == "inactive" and r.daily_cost == Decimal("14.40") for r in spare)
    everything = [r for records in outcome.values() for r in records]
    assert sum(r.daily_cost or 0 for r in everything) == Decimal(fake.daily_kopecks()) / 100


def test_project_name_scopes_the_token_when_no_project_id(selectel):
    plugin = selectel(project_id="", project_name=DEMO_PROJECT_NAME, account_id=DEMO_ACCOUNT_ID)
    assert len(plugin.endpoints()[0].fetch()) == 5


def test_cost_lines_per_day_and_service_in_roubles_for_a_half_open_window(selectel, fake_selectel):
    lines = selectel().cost_lines(start=date(2025, 10, 1), end=date(2025, 10, 4))
    fake = fake_selectel.providers[0]
    assert {line.day for line in lines} == {date(2025, 10, 1), date(2025, 10, 2), date(2025, 10, 3)}
    assert sum(line.amount for line in lines) == Decimal(fake.daily_kopecks()) * 3 / 100
    assert {line.service_name for line in lines} == {"Compute", "Storage", "Database"}
    assert all(isinstance(line.amount, Decimal) and line.currency == "RUB" for line in lines)


def test_wrong_static_token_is_a_clear_permanent_auth_error(selectel, fake_selectel):
    with pytest.raises(ProviderAuthError) as info:
        selectel(token="wrong-token-123").test_connection()
    assert info.value.permanent
    assert "token" in info.value.message.lower()
    assert "wrong-token-123" not in str(info.value) and "wrong-token-123" not in repr(info.value.as_dict())


def test_wrong_service_user_password_is_a_clear_auth_error(selectel):
    with pytest.raises(ProviderAuthError) as info:
        selectel(password="bad-password-456").test_connection()
    assert info.value.endpoint == "identity/auth/tokens" and info.value.permanent
    assert info.value.message == str(SERVICE_USER_REJECTED)
    assert "bad-password-456" not in str(info.value)


def test_forbidden_endpoint_fails_alone(selectel, fake_selectel):
    fake_selectel.add_fault("/selectel/ru-3/volume/", "forbid", times=None)
    outcome = run_all_endpoints(selectel())
    assert isinstance(outcome["volume/volumes"], ProviderPermissionError)
    assert outcome["volume/volumes"].permanent
    assert len(outcome["compute/servers"]) == 5
    assert len(outcome["cloud_billing/consumption"]) == 1


def test_forbidden_quotas_do_not_break_the_account_card(selectel, fake_selectel):
    fake_selectel.add_fault("/selectel/ru-1/quota-manager/", "status", status=403, times=None)
    info = selectel().account_info()
    assert info.balance == Decimal(FINAL_SUM_KOPECKS) / 100 and info.limits == {}


def test_429_with_retry_after_is_retried_then_succeeds(selectel, fake_selectel, retry_sleeps):
    fake_selectel.add_fault("/selectel/api/v1/cloud_billing/", "status", status=429, retry_after=7, times=1)
    records = selectel(service_user=False).endpoints()[0].fetch()
    assert records
    assert retry_sleeps == [7]  # waited as the server asked, although backoff_factor is 0
    assert fake_selectel.count("/selectel/api/v1/cloud_billing/") == 2


def test_persistent_429_surfaces_as_rate_limited(selectel, fake_selectel):
    fake_selectel.add_fault("/selectel/api/v3/balances", "status", status=429, retry_after=0, times=None)
    with pytest.raises(ProviderRateLimited):
        selectel(retries=1).account_info()


def test_500_is_unavailable_after_retries(selectel, fake_selectel):
    fake_selectel.add_fault("/selectel/ru-1/compute/", "status", status=500, times=None)
    outcome = run_all_endpoints(selectel(retries=1))
    assert isinstance(outcome["compute/servers"], ProviderUnavailable)
    assert len(outcome["volume/volumes"]) == 7


def test_timeout_is_bounded(selectel, fake_selectel):
    fake_selectel.add_fault("/selectel/api/v3/balances", "delay", seconds=3, times=None)
    with pytest.raises(ProviderUnavailable) as info:
        selectel(read_timeout=0.4).account_info()
    assert "timeout" in info.value.detail  # gave up on the 3 s answers rather than waiting for them
    assert fake_selectel.count("/selectel/api/v3/balances") == 2  # the first try and one read retry, not 1 + 3


def test_malformed_json_is_a_bad_response_for_that_endpoint_only(selectel, fake_selectel):
    fake_selectel.add_fault("/selectel/ru-1/volume/", "malformed", times=1)
    outcome = run_all_endpoints(selectel())
    assert isinstance(outcome["volume/volumes"], ProviderBadResponse)
    assert len(outcome["compute/servers"]) == 5


def test_unexpected_consumption_shape_is_a_bad_response(selectel, monkeypatch):
    plugin = selectel(service_user=False)
    monkeypatch.setattr(plugin.client, "consumption", lambda **kwargs: {"status": "success", "data": {"x": 1}})
    with pytest.raises(ProviderBadResponse):
        plugin.endpoints()[0].fetch()


def test_consumption_failure_leaves_inventory_without_costs(selectel, fake_selectel):
    fake_selectel.add_fault("/selectel/api/v1/cloud_billing/", "status", status=503, times=None)
    outcome = run_all_endpoints(selectel(retries=0))
    assert isinstance(outcome["cloud_billing/consumption"], ProviderUnavailable)
    assert len(outcome["compute/servers"]) == 5
    assert all(r.daily_cost is None for r in outcome["compute/servers"])


def test_connection_refused_is_unavailable():
    plugin = SelectelPlugin(credentials={"token": "t-secret"}, endpoint="http://127.0.0.1:9",
                            session=build_session(retries=0))
    with pytest.raises(ProviderUnavailable) as info:
        plugin.test_connection()
    assert "t-secret" not in str(info.value)


def test_client_repr_hides_token_and_password(selectel):
    text = repr(selectel().client)
    assert DEMO_TOKEN not in text and DEMO_USER_PASSWORD not in text
