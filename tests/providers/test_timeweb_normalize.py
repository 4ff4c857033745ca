"""Timeweb Cloud normalizers on the official spec's own examples (tests/providers/samples/timeweb/, copied from
shared/providers/timeweb/samples with their *.source.txt). Expected values are computed by hand in the comments."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus
from apps.providers.plugins.timeweb import normalize

SAMPLES = Path(__file__).parent / "samples" / "timeweb"


def sample(name: str):
    return json.loads((SAMPLES / name).read_text())


def test_finances_give_balance_rates_and_days_to_block():
    info = normalize.account_info(sample("v1_account_finances.json"), status_payload=sample("v1_account_status.json"),
                                  account_id="cp78562")
    assert info.account_id == "cp78562"
    assert info.currency == "RUB"
    assert info.balance == Decimal("7378.3")
    assert info.monthly_rate == Decimal("24297")
    # hourly_cost 33.192622950819676 × 24 = 796.6229508196722 -> 796.62
    assert info.daily_rate == Decimal("796.62")
    assert info.days_to_block == 0  # hours_left 10 < 24: less than a day paid
    assert info.status == "active"
    assert info.server["hourly_cost"] == "33.1926"
    assert info.as_json()["balance"] == "7378.3"


def test_numbers_as_strings_and_nulls_are_read():
    info = normalize.account_info({"finances": {"balance": "1 200,50", "currency": "rub", "hourly_cost": "2.5",
                                                "monthly_cost": "1830", "hours_left": "480", "total_paid": None}},
                                  status_payload={"status": {"is_blocked": True}})
    assert info.balance == Decimal("1200.50") and info.currency == "RUB"
    assert info.daily_rate == Decimal("60.00")  # 2.5 × 24
    assert info.days_to_block == 20  # 480 / 24
    assert info.status == "blocked"
    assert normalize.account_info({"finances": {"balance": 5, "hours_left": None}}).days_to_block is None
    with pytest.raises(ValueError):
        normalize.account_info({"servers": []})


def test_services_costs_are_monthly_prices_turned_daily():
    costs = normalize.service_costs(sample("v1_account_services_cost.json")["services_costs"])
    assert len(costs) == 1  # the example repeats one entry (server 12345)
    cost = costs[0]
    assert (cost.service_type, cost.service_id, cost.project_id) == ("server", "12345", "100")
    assert cost.monthly == Decimal("400.5")  # total_cost (with its additional services), not cost 250
    assert cost.base_monthly == Decimal("250")
    assert cost.daily == Decimal("13.3500")  # 400.5 / 30
    assert cost.extras[0] == ("Дополнительный диск 100GB", Decimal("150.5"))
    assert normalize.cost_index(costs)[("server", "12345")] is cost


def test_servers_with_specs_disks_ips_and_status():
    payload = sample("v1_servers.json")
    costs = normalize.cost_index([normalize.ServiceCost("server", "1", Decimal("1650"), Decimal("1500"), "", "", ())])
    records = normalize.server_records(payload["servers"][:1], costs=costs)
    record = records[0]
    assert (record.resource_id, record.resource_name, record.resource_type) == ("1", "Cute Quail", "server")
    assert record.kind == ResourceKind.COMPUTE
    assert (record.status, record.provider_status) == (ResourceStatus.RUNNING, "on")
    assert record.region == "ru-1"
    assert record.specs["cpu_cores"] == 16
    assert record.specs["memory_gb"] == "2.00"  # 2048 MB
    assert record.specs["disk_gb"] == "10.00"  # one disk of 10240 MB (the example lists it twice)
    assert record.specs["disk_used_gb"] == "5.00"  # 5120 MB
    assert record.specs["ip_addresses"] == ["0.0.0.0"]
    assert record.specs["bandwidth_mbps"] == 200
    assert record.specs["os"] == "bitrix 18.04"
    assert record.monthly_cost == Decimal("1650") and record.daily_cost == Decimal("55.0000")  # 1650 / 30
    assert record.created_at == datetime(2021, 2, 25, 11, 4, 15, tzinfo=UTC)
    for secret in ("root_pass", "vnc_pass", "cloud_init"):
        assert secret not in record.provider_config


@pytest.mark.parametrize(("raw", "status"), [
    ("off", ResourceStatus.STOPPED), ("installing", ResourceStatus.PENDING), ("no_paid", ResourceStatus.SUSPENDED),
    ("removed", ResourceStatus.DELETED), ("", ResourceStatus.UNKNOWN), ("something_new", ResourceStatus.PENDING),
])
def test_server_statuses_map_to_the_vocabulary(raw, status):
    record = normalize.server_records([{"id": "7", "name": "x", "status": raw}])[0]
    assert record.status == status and record.provider_status == raw
    assert record.daily_cost is None  # no price known


def test_databases_buckets_floating_ips_balancers_and_clusters():
    db = normalize.database_records(sample("v1_databases.json")["dbs"][:1])[0]
    assert (db.resource_type, db.kind, db.status) == ("mysql_cluster", ResourceKind.DATABASE, ResourceStatus.RUNNING)
    assert db.specs["engine"] == "mysql" and db.specs["disk_gb"] == "10.00"  # 10485760 KB
    assert normalize.database_resource_type("postgres16") == ("postgresql_cluster", "postgresql")
    assert normalize.database_resource_type("valkey8_1") == ("database_cluster", "valkey")

    bucket = normalize.bucket_records(sample("v1_storages_buckets.json")["buckets"][:1])[0]
    assert (bucket.resource_type, bucket.status, bucket.project_id) == ("bucket", ResourceStatus.RUNNING, "1")
    assert bucket.resource_name == "c372805f-72c7-416c-918d-ac78c2dde306"
    assert bucket.specs["size_gb"] == "10.00" and bucket.specs["used_gb"] == "0.00"  # 486 KB
    assert bucket.specs["storage_class"] == "cold"
    assert "secret_key" not in bucket.provider_config and "access_key" not in bucket.provider_config

    ip = normalize.floating_ip_records(sample("v1_floating-ips.json")["ips"][:1])[0]
    assert (ip.resource_id, ip.resource_name) == ("4df0e781-cafb-4419-9636-ce5fc93591af", "82.97.244.202")
    assert ip.status == ResourceStatus.RUNNING and ip.specs["attached_to"] == "server:24569"
    idle = normalize.floating_ip_records([{"id": "a", "ip": "1.2.3.4", "resource_id": None}])[0]
    assert idle.status == ResourceStatus.INACTIVE

    balancer = normalize.balancer_records(sample("v1_balancers.json")["balancers"][:1])[0]
    assert (balancer.resource_type, balancer.kind) == ("load_balancer", ResourceKind.LOAD_BALANCER)
    assert balancer.status == ResourceStatus.RUNNING and balancer.specs["ip_addresses"] == ["1.1.1.1"]
    assert normalize.balancer_records([{"id": 2, "status": "stoped"}])[0].status == ResourceStatus.STOPPED

    cluster = normalize.k8s_records(sample("v1_projects_project_id_resources.json")["clusters"][:1])[0]
    assert (cluster.resource_type, cluster.status) == ("kubernetes_cluster", ResourceStatus.RUNNING)
    assert cluster.specs["memory_gb"] == "1.00" and cluster.specs["disk_gb"] == "30.00"


def test_projects_group_resources_by_their_resources_answer():
    index = normalize.project_index(sample("v1_projects.json")["projects"],
                                    {"1": sample("v1_projects_project_id_resources.json")})
    project = normalize.Project(id="1", name="Project")
    assert index[("server", "1")] == project and index[("k8s", "1")] == project
    record = normalize.server_records(sample("v1_servers.json")["servers"][:1], projects=index)[0]
    assert record.project_id == "1" and record.tags == {"project": "Project"}


def test_services_without_a_listing_become_cloud_services():
    costs = normalize.service_costs([
        {"type": "mail", "service_id": 9, "cost": 109, "total_cost": 109, "project_id": None},
        {"type": "server", "service_id": 1, "cost": 500, "total_cost": "600"},
        {"type": "floating_ip", "service_id": 5517, "cost": "150", "total_cost": None},
    ])
    records = normalize.other_service_records(costs)
    assert [(r.resource_id, r.resource_type, r.monthly_cost, r.daily_cost) for r in records] == [
        ("mail:9", "cloud_service", Decimal("109"), Decimal("3.6333")),  # 109 / 30
        ("floating_ip:5517", "cloud_service", Decimal("150"), Decimal("5.0000")),
    ]
    assert records[0].service_name == "Mail" and records[1].service_name == "Network"


def test_statistics_become_cpu_memory_and_network_series():
    series = {s.metric: s for s in normalize.statistics_series(sample("v1_servers_server_id_statistics.json"),
                                                               resource_id="1")}
    assert set(series) == {MetricName.CPU_PERCENT, MetricName.MEMORY_PERCENT, MetricName.MEMORY_USED_MB,
                           MetricName.NETWORK_IN, MetricName.NETWORK_OUT}
    moment = datetime(2023, 2, 5, 17, 37, 57, tzinfo=UTC)  # 20:37:57+03:00
    assert series[MetricName.CPU_PERCENT].points == ((moment, Decimal("12.300")),)  # load 0.123 of 1
    assert series[MetricName.CPU_PERCENT].unit == "percent"
    assert series[MetricName.MEMORY_PERCENT].points == ((moment, Decimal("30.888")),)  # 598 / 1936 = 30.8884 %
    assert series[MetricName.MEMORY_USED_MB].points == ((moment, Decimal("598.000")),)
    assert series[MetricName.NETWORK_IN].points == ((moment, Decimal("1.123")),)
    assert series[MetricName.NETWORK_IN].unit == "Mbit/s"
    with pytest.raises(ValueError):
        normalize.statistics_series({"cpu": "x"}, resource_id="1")


def test_memory_percent_needs_a_total():
    payload = {"cpu": [], "network_traffic": [], "disk": [],
               "ram": [{"logged_at": "2023-02-05T20:37:57+03:00", "total": 0, "used": 598}]}
    names = {s.metric for s in normalize.statistics_series(payload, resource_id="1")}
    assert names == {MetricName.MEMORY_USED_MB}


def test_disk_use_of_the_server_object():
    at = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    server = {"disks": [{"id": 2, "size": 51200, "used": 10240}, {"id": 3, "size": 20480, "used": 5120}]}
    series = {s.metric: s.points for s in normalize.disk_series(server, resource_id="1", at=at)}
    assert series[MetricName.DISK_USED_GB] == ((at, Decimal("15.000")),)  # 15360 MB
    assert series[MetricName.DISK_USED_PERCENT] == ((at, Decimal("21.429")),)  # 15360 / 71680 = 21.4286 %
