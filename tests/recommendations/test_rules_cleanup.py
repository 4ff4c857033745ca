"""Cleanup rules on hand-built contexts (no database): savings computed by hand in the comments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import translation

from apps.recommendations.rules.cleanup import (
    OldSnapshotRule,
    StoppedVmPaidRule,
    UnattachedVolumeRule,
    UnusedImageRule,
    UnusedIpRule,
)
from tests.recommendations.rulekit import NOW, context, params, resource, rub

VOLUME = UnattachedVolumeRule()
STOPPED = StoppedVmPaidRule()
IP = UnusedIpRule()
SNAPSHOT = OldSnapshotRule()
IMAGE = UnusedImageRule()


def _run(rule, ctx, **overrides):
    with translation.override("ru"):
        return list(rule.evaluate(ctx, params(rule, **overrides)))


# --- unattached_volume -------------------------------------------------------------------------------------------

def test_unattached_volume():
    loose = resource("volume", name="old-data", specs={"attached": False, "disk_gb": 200}, price="1960")
    emptied = resource("volume", name="emptied", specs={"attached_to": []}, spend="450")
    used = resource("volume", specs={"attached_to": ["srv-1"]}, price="1000")
    unknown = resource("volume", price="1000")  # the plugin says nothing: not a finding
    ctx = context(loose, emptied, used, unknown)
    found = {d.resource.name: d for d in _run(VOLUME, ctx)}
    assert set(found) == {"old-data", "emptied"}
    assert found["old-data"].savings == Decimal("1960.00")
    assert found["old-data"].confidence == "high"
    assert found["old-data"].formula == (f"Диск ни к чему не подключён: экономится вся его стоимость, цена провайдера "
                                         f"{rub('1 960,00')} в месяц = {rub('1 960,00')}")
    assert found["old-data"].title == "Неподключённый диск «old-data»"
    # 450 over the 30-day ledger window = 450,00 a month, measured: medium.
    assert found["emptied"].savings == Decimal("450.00") and found["emptied"].confidence == "medium"
    assert [d.resource.name for d in _run(VOLUME, ctx, min_monthly_cost=1000)] == ["old-data"]


# --- stopped_vm_paid ---------------------------------------------------------------------------------------------

def _stopped_estate():
    vm = resource("compute", status="stopped", name="db-old", resource_id="srv-1", provider="selectel",
                  specs={"volumes": ["vol-2"], "ip_addresses": ["10.0.0.5", "31.129.42.77"]}, spend="600")
    by_attachment = resource("volume", name="data", resource_id="vol-1", specs={"attached_to": ["srv-1"]},
                             price="1000")
    by_server_list = resource("volume", name="boot", resource_id="vol-2", specs={"disk_gb": 20}, spend="450")
    address = resource("ip_address", name="31.129.42.77", specs={"public_ip": "31.129.42.77", "attached": True},
                       price="250")
    other_disk = resource("volume", resource_id="vol-3", specs={"attached_to": ["srv-2"]}, price="700")
    other_connection = resource("volume", resource_id="vol-4", connection_id=2, specs={"attached_to": ["srv-1"]},
                                price="700")
    return vm, by_attachment, by_server_list, address, other_disk, other_connection


def test_stopped_vm_still_paying_for_disks_addresses_and_itself():
    vm, data, boot, address, *others = _stopped_estate()
    ctx = context(vm, data, boot, address, *others)
    [draft] = _run(STOPPED, ctx)
    # disk 1 000 (price) + disk 450 (ledger, 30 days) + address 250 (price) + the server's own ledger 600 = 2 300.
    assert draft.savings == Decimal("2300.00")
    assert draft.resource is vm
    assert set(draft.related) == {data.pk, boot.pk, address.pk}
    assert draft.action == "delete"
    assert draft.confidence == "medium"  # part of it from the ledger
    assert draft.title == "Остановленный сервер «db-old» всё ещё стоит денег"
    assert draft.formula == (
        f"Сервер остановлен, но по-прежнему оплачиваются: диск «data» — {rub('1 000,00')} по прайсу, "
        f"диск «boot» — {rub('450,00')} по счетам, IP-адрес «31.129.42.77» — {rub('250,00')} по прайсу, "
        f"сам сервер — {rub('600,00')} по счетам; итого {rub('2 300,00')} в месяц")
    assert draft.evidence["server_monthly_cost"] == Decimal(600)


def test_stopped_vm_yandex_style_references_and_price_only_is_high():
    vm = resource("compute", status="stopped", name="dev-vm", resource_id="fhm-1", specs={"disk_ids": ["d-1"]})
    disk = resource("volume", resource_id="d-1", name="dev-boot", specs={"instance_ids": ["fhm-1"],
                                                                          "attached": True}, price="320.50")
    address = resource("ip_address", resource_id="e9b-1", specs={"instance_id": "fhm-1"}, price="150")
    [draft] = _run(STOPPED, context(vm, disk, address))
    # 320,50 + 150,00 = 470,50, both the provider's prices.
    assert draft.savings == Decimal("470.50")
    assert draft.confidence == "high"


def test_stopped_vm_negative_cases_and_threshold():
    vm, data, boot, address, *others = _stopped_estate()
    running = resource("compute", status="running", resource_id="srv-9", spend="100")
    disk_of_running = resource("volume", specs={"attached_to": ["srv-9"]}, price="500")
    bare = resource("compute", status="stopped", resource_id="srv-8")  # nothing billed: no finding
    # A detached disk the server still lists is ``unattached_volume``'s finding, not counted twice.
    detached = resource("volume", resource_id="vol-8", specs={"attached": False}, price="900")
    listing = resource("compute", status="stopped", resource_id="srv-7", specs={"volume_ids": ["vol-8"]})
    ctx = context(vm, data, boot, address, *others, running, disk_of_running, bare, detached, listing)
    assert [d.resource for d in _run(STOPPED, ctx)] == [vm]
    assert _run(STOPPED, ctx, min_monthly_cost=2301) == []  # 2 300 < 2 301
    assert len(_run(STOPPED, ctx, min_monthly_cost=2300)) == 1


# --- unused_ip ---------------------------------------------------------------------------------------------------

def test_unused_ip():
    loose = resource("ip_address", name="84.201.1.2", specs={"attached": False}, price="150")
    inactive = resource("ip_address", name="84.201.1.3", status="inactive", spend="90")  # Yandex: reserved, unused
    used = resource("ip_address", specs={"attached": True}, price="150")
    unknown = resource("ip_address", price="150")
    free = resource("ip_address", specs={"attached": False})  # no price, no ledger: nothing to save
    found = {d.resource.name: d for d in _run(IP, context(loose, inactive, used, unknown, free))}
    assert set(found) == {"84.201.1.2", "84.201.1.3"}
    assert found["84.201.1.2"].savings == Decimal("150.00") and found["84.201.1.2"].action == "release"
    assert found["84.201.1.2"].formula == (f"Адрес ни к чему не привязан: экономится вся его стоимость, цена "
                                           f"провайдера {rub('150,00')} в месяц = {rub('150,00')}")
    assert found["84.201.1.2"].title == "Неиспользуемый IP-адрес «84.201.1.2»"
    assert found["84.201.1.3"].savings == Decimal("90.00") and found["84.201.1.3"].confidence == "medium"


# --- old_snapshot ------------------------------------------------------------------------------------------------

def test_old_snapshot():
    old = resource("snapshot", name="before-upgrade", created_at=NOW - timedelta(days=45), price="80",
                   specs={"storage_gb": 40})
    seen_long_ago = resource("snapshot", name="seen", first_seen_at=NOW - timedelta(days=40), spend="33")
    young = resource("snapshot", name="young", created_at=NOW - timedelta(days=20), price="80")
    exactly = resource("snapshot", name="exactly", created_at=NOW - timedelta(days=30), price="80")
    found = {d.resource.name: d for d in _run(SNAPSHOT, context(old, seen_long_ago, young, exactly))}
    assert set(found) == {"before-upgrade", "seen"}
    draft = found["before-upgrade"]
    assert draft.savings == Decimal("80.00") and draft.action == "delete"
    assert draft.confidence == "medium"  # the provider's price, but it may be the only backup
    assert draft.confidence_reason == "Проверьте, что это не единственная резервная копия."
    assert draft.formula == (f"Возраст снимка — 45 дн. (порог — 30 дн.): удаление экономит всю его стоимость, "
                             f"цена провайдера {rub('80,00')} в месяц = {rub('80,00')}")
    assert draft.evidence["age_days"] == 45 and draft.evidence["size_gb"] == 40
    assert found["seen"].savings == Decimal("33.00")
    # A 10-day limit finds the 20-day-old one too; 50 days finds none.
    assert {d.resource.name for d in _run(SNAPSHOT, context(old, young), days=10)} == {"before-upgrade", "young"}
    assert _run(SNAPSHOT, context(old, young), days=50) == []


# --- unused_image ------------------------------------------------------------------------------------------------

def test_unused_image():
    born = NOW - timedelta(days=60)
    unused = resource("image", name="golden-2024", resource_id="img-1", created_at=born, price="120")
    by_id = resource("image", resource_id="img-2", created_at=born, price="120")
    by_name = resource("image", name="Ubuntu custom", resource_id="img-3", created_at=born, price="120")
    by_config = resource("image", resource_id="ami-4", created_at=born, price="120")
    by_disk = resource("image", resource_id="img-5", created_at=born, price="120")
    young = resource("image", resource_id="img-6", created_at=NOW - timedelta(days=10), price="120")
    servers = [resource("compute", specs={"image_id": "img-2"}), resource("compute", specs={"image": "Ubuntu custom"}),
               resource("compute", config={"ImageId": "ami-4"}),
               resource("volume", specs={"source_image_id": "img-5"})]
    ctx = context(unused, by_id, by_name, by_config, by_disk, young, *servers)
    [draft] = _run(IMAGE, ctx)
    assert draft.resource is unused
    assert draft.savings == Decimal("120.00")
    assert draft.title == "Неиспользуемый образ «golden-2024»"
    assert draft.formula == (f"Возраст образа — 60 дн. (порог — 30 дн.), его не использует ни один сервер или диск: "
                             f"удаление экономит всю его стоимость, цена провайдера {rub('120,00')} в месяц = "
                             f"{rub('120,00')}")
    assert {d.resource.resource_id for d in _run(IMAGE, ctx, days=5)} == {"img-1", "img-6"}
