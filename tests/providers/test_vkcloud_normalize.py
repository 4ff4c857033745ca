"""VK Cloud: price list estimates (hand-computed) and the Trove / Magnum normalizers on api-ref shaped payloads."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from apps.inventory.vocabulary import ResourceKind, ResourceStatus
from apps.providers.plugins.base import ResourceRecord
from apps.providers.plugins.openstack import normalize as openstack
from apps.providers.plugins.vkcloud import normalize
from apps.providers.plugins.vkcloud.prices import Price, parse_price_list, price_list

SAMPLES = Path(__file__).parent / "samples" / "vkcloud"
FLAVORS = {"df3c499a-044f-41d2-8612-d303adc613cc": {"id": "df3c499a-044f-41d2-8612-d303adc613cc",
                                                    "name": "STD2-2-4", "vcpus": 2, "ram": 4096, "disk": 0}}

# The shipped list, read by hand: vCPU 0.70 ₽/h, RAM 0.35 ₽/GB/h, ceph-ssd 12.00 ₽/GB/month, ceph-hdd 4.50,
# high-iops 18.00, floating IP 0.20 ₽/h, snapshot and image 3.00 ₽/GB/month, local disk 12.00 ₽/GB/month.
PRICES = price_list()


def _record(resource_type: str, status: str = ResourceStatus.RUNNING, **specs) -> ResourceRecord:
    return ResourceRecord(provider="vkcloud", resource_id="r", resource_name="r", resource_type=resource_type,
                          service_name="Compute", status=status, specs=specs)


def test_the_shipped_price_list_names_its_date_source_and_currency():
    assert PRICES.date.isoformat() == "2026-12-01" and PRICES.currency == "RUB"
    assert PRICES.source.startswith("https://cloud.vk.com/")
    assert PRICES.vcpu.source.startswith("https://cloud.vk.com/docs/") and PRICES.vcpu.date == "2026-12-01"
    assert PRICES.volume_types["ceph-hdd"].source == PRICES.source  # an item without its own takes the file's


def test_prices_quoted_per_hour_or_month_become_daily_costs():
    assert Price(Decimal("0.70"), "hour").daily == Decimal("16.80")  # x 24
    assert Price(Decimal("12.00"), "month").daily == Decimal("0.4")  # / 30
    with pytest.raises(ValueError):
        _ = Price(Decimal(1), "week").daily


def test_a_running_2_vcpu_4_gb_server_costs_its_hourly_price_times_24():
    # (2 x 0.70 + 4 x 0.35) = 2.80 ₽ an hour, x 24 = 67.20 ₽ a day
    assert normalize.estimated_daily(_record("server", cpu_cores=2, memory_gb="4.00", disk_gb=0,
                                             instance_type="STD2-2-4"), PRICES) == Decimal("67.20")


def test_a_stopped_server_costs_its_local_disk_only_not_its_flavor():
    assert normalize.estimated_daily(_record("server", ResourceStatus.STOPPED, cpu_cores=2, memory_gb="4.00",
                                             disk_gb=0), PRICES) == Decimal("0.00")
    # 30 GB of local disk at 12.00 ₽/GB/month = 12.00 ₽ a day
    assert normalize.estimated_daily(_record("server", ResourceStatus.STOPPED, cpu_cores=2, memory_gb="4.00",
                                             disk_gb=30), PRICES) == Decimal("12.00")


def test_an_explicit_flavor_price_wins_over_vcpu_and_ram():
    prices = parse_price_list({"date": "2026-01-01", "compute": {
        "vcpu": {"price": "1", "per": "hour"}, "ram_gb": {"price": "1", "per": "hour"},
        "flavors": {"STD2-2-4": {"price": "1500", "per": "month"}}}})
    assert normalize.estimated_daily(_record("server", cpu_cores=2, memory_gb="4", instance_type="STD2-2-4"),
                                     prices) == Decimal("50.00")


@pytest.mark.parametrize(("volume_type", "size", "daily"), [
    ("ceph-ssd", 50, "20.00"),  # 50 x 12.00 / 30
    ("ceph-hdd", 30, "4.50"),  # 30 x 4.50 / 30
    ("high-iops", 20, "12.00"),  # 20 x 18.00 / 30
    ("dp1-ssd", 10, "4.00"),  # not listed: its family, ssd
])
def test_a_volume_costs_its_size_at_its_types_price_per_gb(volume_type, size, daily):
    record = _record("volume", ResourceStatus.INACTIVE, volume_type=volume_type, disk_gb=size)
    assert normalize.estimated_daily(record, PRICES) == Decimal(daily)


def test_a_volume_of_an_unknown_type_is_not_priced():
    assert normalize.estimated_daily(_record("volume", volume_type="mystery", disk_gb=10), PRICES) is None


def test_floating_ips_snapshots_and_images_are_priced():
    assert normalize.estimated_daily(_record("floating_ip", ResourceStatus.INACTIVE), PRICES) == Decimal("4.80")
    assert normalize.estimated_daily(_record("snapshot", disk_gb=10), PRICES) == Decimal("1.00")  # 10 x 3 / 30
    assert normalize.estimated_daily(_record("image", disk_gb="2.00"), PRICES) == Decimal("0.20")  # 2 x 3 / 30
    assert normalize.estimated_daily(_record("kubernetes_cluster"), PRICES) is None  # its nodes are servers


def test_trove_instances_become_database_records_priced_by_flavor_and_volume():
    payload = json.loads((SAMPLES / "trove_instances.json").read_text())
    records = normalize.trove_records(payload["instances"], region="RegionOne", project_id="p", flavors=FLAVORS)
    main, old = records
    assert (main.resource_type, main.kind, main.status) == ("database_instance", ResourceKind.DATABASE,
                                                            ResourceStatus.RUNNING)
    assert main.specs["engine"] == "postgresql" and main.specs["cpu_cores"] == 2 and main.specs["disk_gb"] == 20
    assert main.specs["memory_gb"] == "4.00" and main.specs["instance_type"] == "STD2-2-4"
    # 67.20 (2 vCPU, 4 GB) + 20 GB at the database volume price 12.00 / 30 = 8.00
    assert normalize.estimated_daily(main, PRICES) == Decimal("75.20")
    assert old.status == ResourceStatus.STOPPED and old.provider_status == "SHUTDOWN"
    assert normalize.estimated_daily(old, PRICES) == Decimal("4.00")  # stopped: its 10 GB volume only


def test_magnum_clusters_become_kubernetes_records_without_a_cost_of_their_own():
    payload = json.loads((SAMPLES / "magnum_clusters.json").read_text())
    (cluster,) = normalize.magnum_records(payload["clusters"], region="RegionOne", project_id="p")
    assert cluster.resource_id == "731387cf-a92b-4c36-981e-3271d63e5597"
    assert (cluster.kind, cluster.status, cluster.provider_status) == (ResourceKind.KUBERNETES,
                                                                        ResourceStatus.RUNNING, "CREATE_COMPLETE")
    assert cluster.specs["node_count"] == 2 and cluster.specs["master_count"] == 1
    assert cluster.daily_cost is None


def test_shared_openstack_volumes_keep_vks_type_for_pricing():
    volume = {"id": "v1", "name": "data", "size": 50, "volume_type": "ceph-ssd", "status": "available",
              "attachments": []}
    (record,) = openstack.volume_records([volume], provider="vkcloud", region="RegionOne")
    assert normalize.estimated_daily(record, PRICES) == Decimal("20.00")
