"""VK Cloud over real HTTP against its fake: Keystone with VK's user domain, the catalog's services, Trove,
Magnum, snapshots and the project's own images, paging, and faults."""

from __future__ import annotations

import pytest

from apps.providers.exceptions import ProviderAuthError, ProviderBadResponse, ProviderUnavailable
from apps.providers.plugins.vkcloud import client as vk_client
from apps.providers.plugins.vkcloud.plugin import VKCloudPlugin
from apps.providers.registry import build_plugin
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.openstack import DEMO_APP_CREDENTIAL_ID, DEMO_APP_CREDENTIAL_SECRET
from tests.fakecloud.vkcloud import (
    DEMO_PROJECT_ID,
    DEMO_USER_PASSWORD,
    DEMO_USERNAME,
    KEYSTONE_PATH,
    OTHER_PROJECT_ID,
    FakeVKCloud,
)

from .sync_helpers import run_all_endpoints

CREDENTIALS = {"username": DEMO_USERNAME, "password": DEMO_USER_PASSWORD, "project_id": DEMO_PROJECT_ID}


@pytest.fixture
def fake_vk():
    with FakeCloudServer(FakeVKCloud(servers=3, seed=2, floating_ips=2, databases=5, clusters=3, snapshots=3,
                                     images=3, stopped=(1,))) as server:
        yield server


def _plugin(server, fast_session, credentials=None, **session_options) -> VKCloudPlugin:
    return build_plugin("vkcloud", credentials=credentials or CREDENTIALS, endpoint=server.url + KEYSTONE_PATH,
                        session=fast_session(**session_options))


def test_the_spec_defaults_to_vks_keystone_and_a_password_or_an_application_credential():
    plugin = build_plugin("vkcloud", credentials=CREDENTIALS)
    assert plugin.client.auth_url == "https://infra.mail.ru:35357/v3"
    assert plugin.region == "RegionOne"
    body = plugin.client._auth.body()["auth"]
    assert body["identity"]["password"]["user"]["domain"] == {"name": "users"}
    assert body["scope"] == {"project": {"id": DEMO_PROJECT_ID}}
    assert plugin.spec.credential_groups == (("username", "password", "project_id"),
                                             ("application_credential_id", "application_credential_secret"))


def test_a_password_in_the_users_domain_gets_a_token_scoped_to_the_project(fake_vk, fast_session):
    info = _plugin(fake_vk, fast_session).test_connection()
    assert info.account_id == DEMO_PROJECT_ID and info.currency == "RUB"
    assert fake_vk.count("/vkcloud/identity/v3/auth/tokens") == 1


def test_an_application_credential_works_without_a_user(fake_vk, fast_session):
    plugin = _plugin(fake_vk, fast_session, credentials={"application_credential_id": DEMO_APP_CREDENTIAL_ID,
                                                         "application_credential_secret": DEMO_APP_CREDENTIAL_SECRET})
    assert plugin.test_connection().account_id == DEMO_PROJECT_ID


def test_a_wrong_password_is_an_auth_error_that_never_shows_the_password(fake_vk, fast_session):
    plugin = _plugin(fake_vk, fast_session, credentials={**CREDENTIALS, "password": "wrong-secret-123"})
    with pytest.raises(ProviderAuthError) as caught:
        plugin.test_connection()
    assert "VK Cloud" in str(caught.value)
    assert "wrong-secret-123" not in f"{caught.value} {caught.value.detail} {plugin!r} {plugin.client!r}"


def test_every_endpoint_lists_its_resources_with_estimates(fake_vk, fast_session):
    fake = fake_vk.providers[0]
    outcome = run_all_endpoints(_plugin(fake_vk, fast_session))
    assert {name: len(records) for name, records in outcome.items()} == {
        "compute/servers": 3, "volume/volumes": 4, "network/floatingips": 2, "volume/snapshots": 3,
        "image/images": 3, "load-balancer/loadbalancers": 0, "database/instances": 5,
        "container-infra/clusters": 3}
    images = outcome["image/images"]
    assert {r.resource_id for r in images} == {i["id"] for i in fake.images if i["owner"] == DEMO_PROJECT_ID}
    assert all(r.project_id != OTHER_PROJECT_ID for r in images)  # the platform's public image is not ours
    servers = {r.resource_name: r for r in outcome["compute/servers"]}
    # srv-2-00000: STD2-1-2 running = (0.70 + 2 x 0.35) x 24; srv-2-00001 stopped: no flavor cost
    assert str(servers["srv-2-00000"].daily_cost) == "33.60" and servers["srv-2-00001"].daily_cost == 0
    assert servers["srv-2-00000"].monthly_cost is not None
    databases = outcome["database/instances"]
    assert all(str(r.daily_cost) == "75.20" for r in databases)  # STD2-2-4 (67.20) + 20 GB ceph-ssd (8.00)
    assert all(r.daily_cost is None for r in outcome["container-infra/clusters"])


def test_trove_and_magnum_follow_their_own_paging(fake_vk, fast_session, monkeypatch):
    monkeypatch.setattr(vk_client, "PAGE_SIZE", 2)
    plugin = _plugin(fake_vk, fast_session)
    url = fake_vk.url + "/vkcloud/RegionOne"
    assert len(vk_client.trove_instances(plugin.client, f"{url}/database/v1.0/{DEMO_PROJECT_ID}")) == 5
    assert fake_vk.count(f"/vkcloud/RegionOne/database/v1.0/{DEMO_PROJECT_ID}/instances") == 3
    assert len(vk_client.magnum_clusters(plugin.client, f"{url}/container-infra/v1")) == 3
    assert fake_vk.count("/vkcloud/RegionOne/container-infra/v1/clusters") == 2


def test_a_forbidden_trove_leaves_the_other_endpoints_listing(fake_vk, fast_session):
    fake_vk.add_fault("/vkcloud/RegionOne/database/", "forbid", times=None)
    outcome = run_all_endpoints(_plugin(fake_vk, fast_session))
    assert isinstance(outcome["database/instances"], Exception)
    assert outcome["database/instances"].endpoint == "database/instances"
    assert all(isinstance(records, list) for name, records in outcome.items() if name != "database/instances")


def test_a_429_on_magnum_is_retried_after_the_time_it_asks(fake_vk, fast_session, retry_sleeps):
    fake_vk.add_fault("/vkcloud/RegionOne/container-infra/v1/clusters", "status", status=429, retry_after=3)
    records = run_all_endpoints(_plugin(fake_vk, fast_session, retries=2))["container-infra/clusters"]
    assert len(records) == 3 and 3.0 in retry_sleeps


def test_a_500_on_snapshots_is_unavailable_and_malformed_json_is_a_bad_response(fake_vk, fast_session):
    fake_vk.add_fault(f"/vkcloud/RegionOne/volume/v3/{DEMO_PROJECT_ID}/snapshots/detail", "status", status=500,
                      times=None)
    fake_vk.add_fault("/vkcloud/RegionOne/image/v2/images", "malformed", times=None)
    outcome = run_all_endpoints(_plugin(fake_vk, fast_session, retries=0))
    assert isinstance(outcome["volume/snapshots"], ProviderUnavailable)
    assert isinstance(outcome["image/images"], ProviderBadResponse)
    assert isinstance(outcome["compute/servers"], list)


def test_a_timeout_is_bounded_and_reported(fake_vk, fast_session):
    fake_vk.add_fault("/vkcloud/RegionOne/container-infra/", "delay", seconds=2, times=None)
    outcome = run_all_endpoints(_plugin(fake_vk, fast_session, retries=0, read_timeout=0.5))
    assert isinstance(outcome["container-infra/clusters"], ProviderUnavailable)
