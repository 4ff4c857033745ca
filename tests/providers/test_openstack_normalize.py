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
    assert associated.specs == {"public_ip": "172.24.4.228", "private_ip": "10.0.0.3", "attached": True,
                                "attached_to": "8e3941b4-a6e9-499f-a1ac-2a4662025cba"}  # from its port_details
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


# --- Cinder snapshots, Glance images, Octavia, ports, Gnocchi ------------------------------------------
def test_cinder_snapshot_sample():
    [record] = normalize.snapshot_records(sample("openstack/cinder_snapshots_list_detailed.json")["snapshots"],
                                          provider="openstack", region="RegionOne",
                                          costs={"b1323cda-8e4b-41c1-afc5-2fc791809c8c": Decimal("2.40")})
    assert record.resource_id == "b1323cda-8e4b-41c1-afc5-2fc791809c8c"
    assert record.resource_name == "test-volume-snapshot" and record.resource_type == "snapshot"
    assert record.kind == ResourceKind.SNAPSHOT and record.status == ResourceStatus.RUNNING
    assert record.provider_status == "available"
    assert record.project_id == "bab7d5c60cd041a0a36f7c4b6e1dd978"
    assert record.specs == {"size_gb": 1, "source_volume_id": "173f7b48-c4c1-4e70-9acc-086b39073506"}
    assert record.created_at.isoformat() == "2015-11-29T02:25:51+00:00"
    assert record.tags == {"name": "test"}
    assert record.daily_cost == Decimal("2.40") and record.monthly_cost == Decimal("72.00")  # 2.40 x 30
    assert record.provider_config["hourly_cost"] == "0.1000"  # 2.40 / 24


def test_glance_image_sample_sizes_and_the_owner_filter():
    images = sample("openstack/glance_images_list.json")["images"]
    owner = "5ef70662f8b34079a6eddb8da9d75fe8"
    cirros, fedora = normalize.image_records(images, provider="openstack", region="RegionOne", owner=owner)
    assert cirros.kind == ResourceKind.IMAGE and cirros.resource_type == "image"
    assert cirros.status == ResourceStatus.RUNNING and cirros.project_id == owner
    assert cirros.specs["size_gb"] == "0.01"  # 13 167 616 B / 1 073 741 824 = 0.0123 GiB
    assert fedora.specs["size_gb"] == "0.44"  # 476 704 768 B / 1 073 741 824 = 0.4440 GiB
    assert fedora.specs["disk_format"] == "qcow2" and fedora.specs["visibility"] == "public"
    assert fedora.created_at.isoformat() == "2014-10-30T08:23:39+00:00"
    # An image of another owner (a public one the filter let through) is not the project's.
    assert normalize.image_records(images, provider="openstack", region="RegionOne", owner="another") == []


def test_octavia_load_balancer_sample_and_statuses():
    [record] = normalize.load_balancer_records(sample("openstack/octavia_loadbalancers_list.json")["loadbalancers"],
                                               provider="openstack", region="RegionOne")
    assert record.resource_id == "607226db-27ef-4d41-ae89-f2a800e9c2db" and record.resource_name == "best_load_balancer"
    assert record.kind == ResourceKind.LOAD_BALANCER and record.status == ResourceStatus.RUNNING
    assert record.provider_status == "ACTIVE/ONLINE" and record.project_id == "e3cd678b11784734bc366148aa37580e"
    assert record.specs["private_ip"] == "203.0.113.50"
    assert record.specs["listeners"] == 1 and record.specs["pools"] == 1
    assert record.provider_config["vip_port_id"] == "b4ca07d1-a31e-43e2-891a-7d14f419f342"
    assert record.daily_cost is None and record.monthly_cost is None
    statuses = {(p, o): normalize.load_balancer_records([{"id": "x", "provisioning_status": p,
                                                          "operating_status": o}], provider="o", region="r")[0].status
                for p, o in (("ACTIVE", "OFFLINE"), ("PENDING_UPDATE", "ONLINE"), ("ERROR", "ONLINE"),
                             ("ACTIVE", "DEGRADED"), ("PENDING_DELETE", "ONLINE"))}
    assert statuses == {("ACTIVE", "OFFLINE"): ResourceStatus.STOPPED,
                        ("PENDING_UPDATE", "ONLINE"): ResourceStatus.PENDING,
                        ("ERROR", "ONLINE"): ResourceStatus.ERROR, ("ACTIVE", "DEGRADED"): ResourceStatus.RUNNING,
                        ("PENDING_DELETE", "ONLINE"): ResourceStatus.DELETED}


def test_floating_ip_port_details_or_ports_say_what_the_address_is_attached_to():
    addresses = sample("openstack/neutron_floatingips_list.json")["floatingips"]
    on_server, idle = normalize.floating_ip_records(addresses, provider="openstack", region="RegionOne")
    assert on_server.specs["attached"] is True  # port_details: compute:nova, device 8e3941b4-...
    assert on_server.specs["attached_to"] == "8e3941b4-a6e9-499f-a1ac-2a4662025cba"
    assert on_server.provider_config["device_owner"] == "compute:nova"
    assert idle.specs["attached"] is False and "attached_to" not in idle.specs
    # Without the fip-port-details extension the project's ports say it (neutron ports-list sample).
    ports = {p["id"]: p for p in sample("openstack/neutron_ports_list.json")["ports"]}
    bare = {**addresses[0], "port_details": None, "port_id": "f71a6703-d6de-4be1-a91a-a570ede1d159"}
    [on_router] = normalize.floating_ip_records([bare], provider="openstack", region="RegionOne", ports=ports)
    assert on_router.specs["attached"] is True
    assert on_router.specs["attached_to"] == "9ae135f4-b6e0-4dad-9e91-3c223e385824"
    assert on_router.provider_config["device_owner"] == "network:router_interface"
    unused_port = {**ports["f71a6703-d6de-4be1-a91a-a570ede1d159"], "device_id": "", "device_owner": ""}
    [dangling] = normalize.floating_ip_records([bare], provider="openstack", region="RegionOne",
                                               ports={unused_port["id"]: unused_port})
    assert dangling.specs["attached"] is False  # a port no device uses: the address serves nothing


# Gnocchi measures as its REST API documents them: [timestamp, granularity (s), value], oldest first; an
# archive policy with two granularities (1 h and 5 min). Values chosen for hand computation.
CPU_NS = [
    ["2026-12-01T09:00:00+00:00", 3600.0, 1.0e12],
    ["2026-12-01T10:00:00+00:00", 3600.0, 4.6e12],
    ["2026-12-01T11:00:00+00:00", 3600.0, 6.4e12],
    ["2026-12-01T12:00:00+00:00", 3600.0, 1.0e11],
    ["2026-12-01T13:00:00+00:00", 3600.0, 7.3e12],
    ["2026-12-01T13:00:00+00:00", 300.0, 7.0e12],
    ["2026-12-01T13:05:00+00:00", 300.0, 7.6e12],
]


def test_gnocchi_cumulative_cpu_nanoseconds_become_hourly_percent_of_the_vcpus():
    series = normalize.cpu_series(CPU_NS, resource_id="srv", metric="cpu", vcpus=2)
    assert series.metric == "cpu_percent" and series.unit == "percent" and series.resource_id == "srv"
    assert [(t.isoformat(), v) for t, v in series.points] == [
        ("2026-12-01T10:00:00+00:00", Decimal("50.00")),  # 3.6e12 ns / (3600 s x 1e9 x 2 vCPU) = 0.5
        ("2026-12-01T11:00:00+00:00", Decimal("25.00")),  # 1.8e12 / 7.2e12
        # 12:00 the counter went down (a restart): no point
        ("2026-12-01T13:00:00+00:00", Decimal("100.00")),  # 7.2e12 / 7.2e12
    ]  # the 5-minute points reach less far back than the hourly ones: not used
    assert normalize.cpu_series(CPU_NS, resource_id="srv", metric="cpu", vcpus=None).points == ()


def test_gnocchi_cpu_util_is_already_a_percent_averaged_per_hour():
    measures = [["2026-12-01T10:00:00+00:00", 300.0, 10.0], ["2026-12-01T10:05:00+00:00", 300.0, 15.0],
                ["2026-12-01T11:00:00+00:00", 300.0, 40.25]]
    series = normalize.cpu_series(measures, resource_id="srv", metric="cpu_util", vcpus=4)
    assert [(t.isoformat(), v) for t, v in series.points] == [
        ("2026-12-01T10:00:00+00:00", Decimal("12.50")), ("2026-12-01T11:00:00+00:00", Decimal("40.25"))]
