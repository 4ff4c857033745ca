"""The shared OpenStack normalizers and catalog reader on the official OpenStack API samples."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from apps.inventory.vocabulary import ResourceKind, ResourceStatus
from apps.providers.plugins.openstack import normalize
from apps.providers.plugins.openstack.client import catalog_endpoints

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str):
    return json.loads((SAMPLES / name).read_text())


def test_nova_v2_47_server_sample_with_embedded_flavor():
    [record] = normalize.server_records(sample("openstack/nova_servers_detail_v2.47.json")["servers"],
                                        provider="selectel", region="ru-1",
                                        costs={"764e369e-a874-4401-b7ce-43e4760888da": Decimal("24")})
    assert record.provider == "selectel" and record.currency == "RUB"
    assert record.resource_type == "server" and record.status == ResourceStatus.RUNNING
    assert record.kind == ResourceKind.COMPUTE  # a Nova server is a compute instance
    assert record.specs["cpu_cores"] == 1 and record.specs["memory_gb"] == "0.50"
    assert record.specs["instance_type"] == "m1.tiny.specs"
    assert record.specs["volumes"] == ["volume_id1", "volume_id2"]
    assert record.specs["ip_addresses"] == ["192.168.1.30"]
    assert record.daily_cost == Decimal("24") and record.monthly_cost == Decimal("720.00")
    assert record.billing_period == "hourly" and record.provider_config["hourly_cost"] == "1.0000"
    assert record.created_at is not None and record.created_at.tzinfo is not None
    assert record.tags == {"My Server Name": "Apache1"}


def test_nova_latest_sample_parses_too():
    records = normalize.server_records(sample("openstack/nova_servers_detail_latest.json")["servers"],
                                       provider="vkcloud", region="RegionOne", currency="RUB")
    assert records and all(r.specs["cpu_cores"] for r in records)
    assert all(r.provider == "vkcloud" and r.kind == ResourceKind.COMPUTE for r in records)
    assert records[0].daily_cost is None  # no consumption known: no invented cost


def test_server_without_embedded_flavor_takes_specs_from_flavors_detail():
    flavors = {f["id"]: f for f in sample("openstack/nova_flavors_detail.json")["flavors"]}
    server = sample("openstack/nova_servers_detail_v2.47.json")["servers"][0]
    server = {**server, "flavor": {"id": "2", "links": []}, "image": "", "status": "SHUTOFF"}
    [record] = normalize.server_records([server], provider="selectel", region="ru-1", flavors=flavors)
    assert record.specs["cpu_cores"] == 1 and record.specs["memory_gb"] == "2.00" and record.specs["disk_gb"] == 20
    assert record.status == ResourceStatus.STOPPED and record.provider_config["image_id"] == ""


def test_cinder_sample_volume():
    [record] = normalize.volume_records(sample("openstack/cinder_volumes_detail_v3.65.json")["volumes"],
                                        provider="selectel", region="ru-3")
    assert record.resource_id == "cb49b381-9012-40cb-b8ee-80c19a4801b5"
    assert record.resource_name == record.resource_id  # the sample volume has no name
    assert record.resource_type == "volume" and record.kind == ResourceKind.VOLUME  # a Cinder volume
    assert record.status == ResourceStatus.PENDING and record.provider_status == "creating"
    assert record.specs["disk_gb"] == 10 and record.specs["bootable"] is False
    assert record.project_id == "89afd400-b646-4bbc-b12b-c0a4d63e5bd3"


def test_neutron_floating_ips_sample_associated_and_idle():
    associated, idle = normalize.floating_ip_records(sample("openstack/neutron_floatingips_list.json")["floatingips"],
                                                     provider="vkcloud", region="RegionOne",
                                                     costs={"61cea855-49cb-4846-997d-801b70c71bdd": Decimal("4.80")})
    assert {associated.kind, idle.kind} == {ResourceKind.IP_ADDRESS}  # a floating IP is a public address
    assert associated.resource_type == idle.resource_type == "floating_ip"
    assert associated.resource_name == "172.24.4.228" and associated.status == ResourceStatus.RUNNING
    assert associated.specs == {"public_ip": "172.24.4.228", "private_ip": "10.0.0.3", "attached": True}
    assert associated.project_id == "4969c491a3c74ee4af974e6d800c62de" and associated.region == "RegionOne"
    assert idle.status == ResourceStatus.INACTIVE and idle.provider_status == "DOWN"  # allocated, not attached
    assert idle.specs["attached"] is False and idle.daily_cost == Decimal("4.80")
    assert idle.provider_config["hourly_cost"] == "0.2000" and idle.service_name == "Network"


def test_unknown_statuses_are_pending_and_missing_ones_unknown():
    [building, blank] = normalize.server_records([{"id": "a", "status": "BUILD"}, {"id": "b"}], provider="p",
                                                 region="r")
    assert building.status == ResourceStatus.PENDING and blank.status == ResourceStatus.UNKNOWN


def test_keystone_catalog_sample_gives_the_public_endpoints_by_region():
    catalog = sample("openstack/keystone_auth-password-project-scoped-response.json")["token"]["catalog"]
    assert catalog_endpoints(catalog, "compute") == {
        "RegionOne": "http://23.253.248.171:8774/v2.1/a6944d763bf64ee6a275f1263fae0352"}
    assert catalog_endpoints(catalog, "volumev3", "volume") == {
        "RegionOne": "http://23.253.248.171:8776/v1/a6944d763bf64ee6a275f1263fae0352"}
    assert catalog_endpoints(catalog, "metric") == {}


def test_keystone_catalog_endpoints_are_read_on_one_interface():
    catalog = sample("openstack/keystone_auth-password-project-scoped-response.json")["token"]["catalog"]
    assert catalog_endpoints(catalog, "compute", interface="internal") == {
        "RegionOne": "http://23.253.248.171:8774/v2.1/a6944d763bf64ee6a275f1263fae0352"}
    assert catalog_endpoints(catalog, "compute", interface="nowhere") == {}
