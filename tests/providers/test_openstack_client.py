"""The shared OpenStack client against the fake OpenStack over real HTTP: Keystone, catalog, paged lists."""

from __future__ import annotations

import pytest

from apps.common.http import build_session
from apps.inventory.vocabulary import ResourceKind
from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderPermissionError,
    ProviderUnavailable,
)
from apps.providers.plugins.openstack import normalize
from apps.providers.plugins.openstack.client import (
    CREDENTIALS_REJECTED,
    ApplicationCredentialAuth,
    OpenStackClient,
    PasswordAuth,
)
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.openstack import (
    DEMO_APP_CREDENTIAL_ID,
    DEMO_APP_CREDENTIAL_NAME,
    DEMO_APP_CREDENTIAL_SECRET,
    DEMO_PROJECT_ID,
    DEMO_PROJECT_NAME,
    DEMO_USER_DOMAIN,
    DEMO_USER_PASSWORD,
    DEMO_USERNAME,
    FakeOpenStack,
)

PASSWORD = PasswordAuth(username=DEMO_USERNAME, password=DEMO_USER_PASSWORD, user_domain=DEMO_USER_DOMAIN,
                        project_id=DEMO_PROJECT_ID)


@pytest.fixture
def cloud():
    with FakeCloudServer(FakeOpenStack(servers=5, seed=3, floating_ips=4)) as server:
        yield server


def client_for(server, auth=PASSWORD, **options) -> OpenStackClient:
    session = build_session(retry_post=True, backoff_factor=0, read_timeout=5, connect_timeout=2, retries=1)
    return OpenStackClient(auth_url=f"{server.url}/openstack/identity/v3", auth=auth, session=session, **options)


def test_password_token_is_fetched_once_and_its_catalog_gives_public_endpoints_by_region(cloud):
    client = client_for(cloud)
    assert client.endpoints("compute") == {
        "RegionOne": f"{cloud.url}/openstack/RegionOne/compute/v2.1",
        "RegionTwo": f"{cloud.url}/openstack/RegionTwo/compute/v2.1",
    }  # the fake also lists internal endpoints on another host: only the public ones are read
    assert client.endpoints("volumev3", "volume")["RegionOne"].endswith(f"/volume/v3/{DEMO_PROJECT_ID}")
    assert client.endpoints("metric") == {}
    assert client.token().project_id == DEMO_PROJECT_ID
    assert cloud.count("/openstack/identity/v3/auth/tokens") == 1


def test_project_name_in_the_user_domain_scopes_the_token(cloud):
    auth = PasswordAuth(username=DEMO_USERNAME, password=DEMO_USER_PASSWORD, user_domain=DEMO_USER_DOMAIN,
                        project_name=DEMO_PROJECT_NAME)
    assert client_for(cloud, auth).token().project_id == DEMO_PROJECT_ID


@pytest.mark.parametrize("auth", [
    ApplicationCredentialAuth(id=DEMO_APP_CREDENTIAL_ID, secret=DEMO_APP_CREDENTIAL_SECRET),
    ApplicationCredentialAuth(name=DEMO_APP_CREDENTIAL_NAME, username=DEMO_USERNAME, user_domain=DEMO_USER_DOMAIN,
                              secret=DEMO_APP_CREDENTIAL_SECRET),
], ids=["by-id", "by-name"])
def test_application_credential_reads_the_project_it_is_scoped_to(cloud, auth):
    client = client_for(cloud, auth)
    servers = client.servers(client.endpoints("compute")["RegionOne"])
    assert len(servers) == 3 and client.token().project_id == DEMO_PROJECT_ID


def test_application_credential_body_carries_no_scope():
    body = ApplicationCredentialAuth(id="abc", secret="s").body()
    assert body == {"auth": {"identity": {"methods": ["application_credential"],
                                          "application_credential": {"secret": "s", "id": "abc"}}}}


def test_rejected_credentials_are_a_permanent_auth_error_with_the_callers_message(cloud):
    auth = PasswordAuth(username=DEMO_USERNAME, password="bad-password-456", project_id=DEMO_PROJECT_ID)
    with pytest.raises(ProviderAuthError) as info:
        client_for(cloud, auth).token()
    assert info.value.endpoint == "identity/auth/tokens" and info.value.permanent
    assert info.value.message == str(CREDENTIALS_REJECTED)
    assert "bad-password-456" not in str(info.value)
    with pytest.raises(ProviderAuthError) as info:
        client_for(cloud, ApplicationCredentialAuth(id=DEMO_APP_CREDENTIAL_ID, secret="nope"),
                   rejected_message="VK Cloud said no").token()
    assert info.value.message == "VK Cloud said no"


def test_auth_may_be_resolved_only_when_a_token_is_needed(cloud):
    asked = []

    def auth():
        asked.append(True)
        return PASSWORD

    client = client_for(cloud, auth)
    assert asked == []
    client.token()
    client.token()
    assert asked == [True]


def test_lists_are_paged_with_marker():
    with FakeCloudServer(FakeOpenStack(servers=450, seed=9)) as server:
        client = client_for(server)
        url = client.endpoints("compute")["RegionOne"]
        servers = client.servers(url)
        assert len(servers) == 225 and len({s["id"] for s in servers}) == 225
        assert server.count("/openstack/RegionOne/compute/v2.1/servers/detail") == 2  # pages of 200


def test_servers_of_an_old_microversion_take_their_specs_from_the_flavors(cloud):
    client = client_for(cloud)
    url = client.endpoints("compute")["RegionOne"]
    flavors = {str(f["id"]): f for f in client.flavors(url)}
    records = normalize.server_records(client.servers(url), provider="vkcloud", region="RegionOne", flavors=flavors)
    fake = cloud.providers[0]
    expected = [s for s in fake.servers if s["region"] == "RegionOne"]
    assert [r.specs["cpu_cores"] for r in records] == [s["flavor"]["vcpus"] for s in expected]
    assert all(r.provider_config["flavor_id"] for r in records)


def test_embedded_flavor_of_newer_nova_is_used_as_is():
    fake = FakeOpenStack(servers=2, nova_microversion_default="2.79")
    with FakeCloudServer(fake) as server:
        client = client_for(server)
        records = []
        for region, url in client.endpoints("compute").items():
            records += normalize.server_records(client.servers(url), provider="vkcloud", region=region)
    assert all(r.provider_config["flavor_id"] == "" for r in records)  # embedded: no id to look up
    assert [r.specs["cpu_cores"] for r in records] == [s["flavor"]["vcpus"] for s in fake.servers]


def test_volumes_are_read_under_the_project_and_floating_ips_under_v2_0(cloud):
    client = client_for(cloud)
    fake = cloud.providers[0]
    volumes, addresses = [], []
    for region, url in client.endpoints("volumev3", "volume").items():
        volumes += normalize.volume_records(client.volumes(url), provider="vkcloud", region=region)
    for region, url in client.endpoints("network").items():
        addresses += normalize.floating_ip_records(client.floating_ips(url), provider="vkcloud", region=region)
    assert sorted(r.resource_id for r in volumes) == sorted(v["id"] for v in fake.volumes)
    assert {r.kind for r in volumes} == {ResourceKind.VOLUME}
    assert sorted(r.resource_id for r in addresses) == sorted(f["id"] for f in fake.floating_ips)
    assert {r.kind for r in addresses} == {ResourceKind.IP_ADDRESS}
    assert sorted(r.specs["attached"] for r in addresses) == [False, False, True, True]


def test_a_forbidden_or_failing_service_raises_for_its_endpoint(cloud):
    client = client_for(cloud)
    urls = client.endpoints("compute")
    cloud.add_fault("/openstack/RegionOne/compute/", "forbid", times=None)
    with pytest.raises(ProviderPermissionError) as info:
        client.servers(urls["RegionOne"])
    assert info.value.endpoint == "compute/servers"
    cloud.add_fault("/openstack/RegionTwo/compute/", "status", status=500, times=None)
    with pytest.raises(ProviderUnavailable):
        client.servers(urls["RegionTwo"])


def test_an_unexpected_list_shape_is_a_bad_response(cloud):
    client = client_for(cloud)
    url = client.endpoints("network")["RegionOne"]
    with pytest.raises(ProviderBadResponse) as info:
        client.paged(f"{url}/v2.0/floatingips", items_key="servers", endpoint="network/floatingips")
    assert "servers is not a list" in info.value.detail


def test_reprs_hide_passwords_and_secrets():
    text = repr(PASSWORD) + repr(ApplicationCredentialAuth(id="x", secret=DEMO_APP_CREDENTIAL_SECRET))
    assert DEMO_USER_PASSWORD not in text and DEMO_APP_CREDENTIAL_SECRET not in text


# --- re-authentication, overrides, the services beyond Nova/Cinder/Neutron -------------------------------
def test_a_token_that_expires_mid_listing_is_renewed_once_and_the_page_asked_again():
    fake = FakeOpenStack(servers=450, seed=9, token_ttl=1)  # every token is good for one API request
    with FakeCloudServer(fake) as server:
        client = client_for(server)
        servers = client.servers(client.endpoints("compute")["RegionOne"])
        assert len(servers) == 225 and len({s["id"] for s in servers}) == 225  # 2 pages of 200 / 25
        assert server.count("/openstack/identity/v3/auth/tokens") == 2  # the first token, one renewal
        assert server.count("/openstack/RegionOne/compute/v2.1/servers/detail") == 3  # page 2 asked twice


def test_a_revoked_token_is_replaced_and_the_catalog_kept(cloud):
    client = client_for(cloud)
    url = client.endpoints("volumev3")["RegionOne"]
    client.volumes(url)
    cloud.providers[0].revoke_tokens()
    assert len(client.volumes(url)) == 4  # servers 0, 2 and 4 of 5 are in RegionOne, a disk each, + 1 spare
    assert cloud.count("/openstack/identity/v3/auth/tokens") == 2


def test_a_second_401_after_renewing_is_the_credentials_rejection(cloud):
    client = client_for(cloud, rejected_message="VK Cloud said no")
    url = client.endpoints("compute")["RegionOne"]
    cloud.add_fault("/openstack/RegionOne/compute/", "status", status=401, times=2)
    with pytest.raises(ProviderAuthError) as info:
        client.servers(url)
    assert info.value.message == "VK Cloud said no" and info.value.endpoint == "compute/servers"
    assert cloud.count("/openstack/identity/v3/auth/tokens") == 2  # renewed once, not in a loop


def test_endpoint_overrides_replace_the_catalog_for_their_service_type(cloud):
    region_two = f"{cloud.url}/openstack/RegionTwo/compute/v2.1/"
    client = client_for(cloud, endpoint_overrides={"compute": region_two}, override_region="mine")
    assert client.endpoints("compute") == {"mine": region_two.rstrip("/")}
    assert client.endpoints("network")["RegionOne"].endswith("/openstack/RegionOne/network")  # the catalog's
    assert len(client.servers(client.endpoints("compute")["mine"])) == 2  # servers 1 and 3 of 5


def test_a_service_missing_from_the_catalog_is_reported_for_its_endpoint():
    from apps.providers.plugins.openstack.client import ServiceMissing

    with FakeCloudServer(FakeOpenStack(servers=1, omit_services={"image"}, load_balancers=None)) as server:
        client = client_for(server)
        assert client.endpoints("image") == {} and client.endpoints("load-balancer") == {}
        with pytest.raises(ServiceMissing) as info:
            client.require(("image",), endpoint="image/images", what="images")
    assert info.value.endpoint == "image/images" and info.value.permanent
    assert "image" in info.value.message and "images" in info.value.message


def test_nova_microversion_2_47_embeds_flavors_and_an_older_nova_is_asked_without_it():
    with FakeCloudServer(FakeOpenStack(servers=2)) as server:
        client = client_for(server)
        [embedded] = client.servers(client.endpoints("compute")["RegionOne"], microversion="2.47")
        assert embedded["flavor"]["vcpus"] in (1, 2, 4) and "id" not in embedded["flavor"]
    with FakeCloudServer(FakeOpenStack(servers=2, nova_max_microversion="2.38")) as server:
        client = client_for(server)
        [linked] = client.servers(client.endpoints("compute")["RegionOne"], microversion="2.47")
        assert set(linked["flavor"]) == {"id", "links"}  # answered 406 first, then without the header
        assert server.count("/openstack/RegionOne/compute/v2.1/servers/detail") == 2


def test_glance_lists_only_the_projects_own_images_following_its_next_link():
    fake = FakeOpenStack(servers=1, images=420, public_images=3, regions=("RegionOne",))
    with FakeCloudServer(fake) as server:
        client = client_for(server)
        url = client.endpoints("image")["RegionOne"]
        images = client.images(url, owner=DEMO_PROJECT_ID)
        assert len(images) == 420 and {i["owner"] for i in images} == {DEMO_PROJECT_ID}
        assert server.count("/openstack/RegionOne/image/v2/images") == 3  # 200 + 200 + 20
        everything = client.images(url)  # without the filter Glance adds the cloud's public images
        assert len(everything) == 423


def test_snapshots_ports_and_load_balancers_are_paged_lists():
    fake = FakeOpenStack(servers=4, snapshots=5, floating_ips=4, load_balancers=3)
    with FakeCloudServer(fake) as server:
        client = client_for(server)
        snapshots, ports, balancers = [], [], []
        for url in client.endpoints("volumev3").values():
            snapshots += client.snapshots(url)
        for url in client.endpoints("network").values():
            ports += client.ports(url)
        for url in client.endpoints("load-balancer").values():
            balancers += client.load_balancers(url)
    assert len(snapshots) == 5 and len(balancers) == 3
    assert len(ports) == 2  # floating IPs 0 and 2 are attached to servers 0 and 2
    assert {p["device_owner"].split(":")[0] for p in ports} == {"compute"}
    assert server.count("/openstack/RegionOne/volume/v3/") == 1


def test_without_octavia_the_load_balancer_url_is_not_served():
    with FakeCloudServer(FakeOpenStack(servers=1, load_balancers=None)) as server:
        client = client_for(server)
        assert client.endpoints("load-balancer") == {}
        with pytest.raises(ProviderBadResponse):  # 404: not deployed
            client.load_balancers(f"{server.url}/openstack/RegionOne/load-balancer")
