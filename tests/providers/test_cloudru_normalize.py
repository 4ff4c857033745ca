"""Cloud.ru normalizers on payloads in the provider's shape, with values computed by hand.

Row fields are those of consumption answers (docs/providers/cloudru.md: ``amount`` is documented as the cost
without VAT; ``sku``, ``servname``, ``resource_id``, ``usedate``, ``usefact``, ``unit``, ``is_delete`` as seen
in live answers); VM items carry the Compute list fields (``flavor{cpu,ram,gpu}``, ``state``,
``availability_zone``, ``interfaces[].floating_ip``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from apps.inventory.vocabulary import ResourceKind, ResourceStatus
from apps.providers.plugins.cloudru import normalize

CUSTOMER = "3f1b7a52-6c0e-4d2a-9b8f-1e2d3c4b5a69"
PROJECT = "0ae87bd4-4675-4d08-9103-387a87b3de40"
VM_ID = "6b1e4a53-9a0c-4c61-a3c8-1f2e3d4c5b6a"


def _row(**fields):
    row = {"dog_id": "agr-1", "sku": "evo-vm-vcpu", "servname": "Виртуальные машины vCPU", "resource_id": VM_ID,
           "resource_name": "web-1", "usedate": "2030-06-13", "amount": "1.25", "cost": 0.6125,
           "unit": "vCPU*час", "usefact": "2", "project_id": PROJECT, "is_delete": False}
    row.update(fields)
    return row


def test_quanta_of_one_day_resource_and_sku_are_summed_into_one_line():
    rows = [_row(amount="1.25"), _row(amount=2.5, usefact=4), _row(amount="0,25", usefact="0.5"),
            _row(sku="evo-vm-ram", servname="Виртуальные машины RAM", amount=3, unit="ГБ*час", usefact=16),
            _row(usedate="2030-06-14T00:00:00Z", amount="7")]
    lines = normalize.cost_lines(rows, account_id=CUSTOMER)
    assert [(line.day, line.sku_id, line.amount) for line in lines] == [
        (date(2030, 6, 13), "evo-vm-ram", Decimal("3")),
        (date(2030, 6, 13), "evo-vm-vcpu", Decimal("4.00")),  # 1.25 + 2.5 + 0.25
        (date(2030, 6, 14), "evo-vm-vcpu", Decimal("7")),
    ]
    cpu = lines[1]
    assert cpu.provider == "cloudru" and cpu.currency == "RUB" and cpu.resource_id == VM_ID
    assert cpu.resource_name == "web-1" and cpu.service_name == "Виртуальные машины vCPU"
    assert Decimal(cpu.extras["x_UsageQuantity"]) == Decimal("6.5") and cpu.extras["x_ProjectId"] == PROJECT


def test_vat_is_20_percent_until_2025_and_22_percent_from_2026():
    lines = normalize.cost_lines([_row(usedate="2025-12-31", amount="100"), _row(usedate="2026-01-01", amount="100")])
    old, new = lines
    assert (old.amount, Decimal(old.extras["x_VatRate"]), Decimal(old.extras["x_VatAmount"]),
            Decimal(old.extras["x_AmountWithVat"])) == (Decimal(100), Decimal("0.20"), Decimal(20), Decimal(120))
    assert (new.amount, Decimal(new.extras["x_VatRate"]), Decimal(new.extras["x_VatAmount"]),
            Decimal(new.extras["x_AmountWithVat"])) == (Decimal(100), Decimal("0.22"), Decimal(22), Decimal(122))


def test_withdrawn_rows_and_rows_without_day_or_amount_are_not_counted():
    rows = [_row(amount="5"), _row(amount="999", is_delete=True), _row(amount="3", is_delete="true"),
            _row(amount=None), _row(usedate=None, amount="1"), _row(usedate="not a date", amount="1")]
    [line] = normalize.cost_lines(rows)
    assert line.amount == Decimal(5)
    assert normalize.total(rows) == Decimal(5)
    assert normalize.daily_costs(rows) == {VM_ID: Decimal(5)}


def test_a_row_without_a_resource_is_a_charge_of_the_account():
    [line] = normalize.cost_lines([_row(resource_id="", resource_name="", project_id="", sku="support",
                                        servname="Техническая поддержка", amount="10")], account_id=CUSTOMER)
    assert line.resource_id == CUSTOMER and "x_ProjectId" not in line.extras


def test_the_project_may_come_in_the_meta_block():
    [line] = normalize.cost_lines([_row(project_id=None, meta={"project_id": PROJECT, "iam_project_name": "prod"})])
    assert line.extras["x_ProjectId"] == PROJECT


def test_account_info_shows_the_day_without_vat_in_kopecks_and_no_balance():
    info = normalize.account_info(customer_id=CUSTOMER, day_total=Decimal("281.325"), projects=2)
    assert info.account_id == CUSTOMER and info.daily_rate == Decimal("281.33")
    assert info.balance is None and info.monthly_rate is None and info.server == {"projects": 2}
    assert normalize.account_info(customer_id=CUSTOMER, day_total=None).daily_rate is None


VM_ITEM = {
    "id": VM_ID, "name": "web-1", "project_id": PROJECT, "description": "", "image_id": "img-1",
    "tags": [{"key": "env", "value": "prod"}, "frontend"],
    "flavor": {"id": "fl-1", "name": "lowlatency-4-8", "cpu": "4", "ram": 8, "gpu": 0, "oversubscription": "1:1"},
    "state": "RUNNING", "locked": False, "created_time": "2030-01-02T10:00:00.123456789Z",
    "interfaces": [{"id": "if-1", "ip_address": "10.0.0.5", "floating_ip": {"id": "fip-1", "ip_address": "176.1.2.3"}},
                   {"id": "if-2", "ip_address": "10.0.1.5", "floating_ip": None}],
    "availability_zone": {"id": "az-1", "name": "ru.AZ-1"},
}


def test_a_vm_item_becomes_a_compute_record_with_flavor_addresses_and_daily_cost():
    [vm] = normalize.vm_records([VM_ITEM], project_id=PROJECT, customer_id=CUSTOMER, project_name="prod",
                                costs={VM_ID: Decimal("47.4")})
    assert (vm.resource_type, vm.kind, vm.service_name) == ("vm", ResourceKind.COMPUTE, "Compute")
    assert vm.status == ResourceStatus.RUNNING and vm.provider_status == "running"
    assert vm.specs["cpu_cores"] == 4 and vm.specs["memory_gb"] == "8" and vm.specs["gpus"] == 0
    assert vm.specs["ip_addresses"] == ["176.1.2.3", "10.0.0.5", "10.0.1.5"] and vm.specs["public_ip"] == "176.1.2.3"
    assert vm.tags == {"env": "prod", "frontend": ""} and vm.region == "ru.AZ-1"
    assert vm.created_at == datetime(2030, 1, 2, 10, 0, 0, 123456, tzinfo=UTC)
    assert vm.daily_cost == Decimal("47.40") and vm.monthly_cost == Decimal("1422.00")
    assert vm.project_id == PROJECT and vm.account_id == CUSTOMER and vm.provider_config == VM_ITEM


@pytest.mark.parametrize(("state", "status"), [
    ("stopped", ResourceStatus.STOPPED), ("creating", ResourceStatus.PENDING), ("error", ResourceStatus.ERROR),
    ("deleting", ResourceStatus.DELETED), ("something-new", ResourceStatus.UNKNOWN), (None, ResourceStatus.UNKNOWN),
])
def test_vm_states_map_to_the_neutral_statuses(state, status):
    [vm] = normalize.vm_records([{**VM_ITEM, "state": state}], project_id=PROJECT)
    assert vm.status == status and vm.daily_cost is None


def test_a_vm_with_missing_optional_fields_still_reads():
    [vm] = normalize.vm_records([{"id": VM_ID}], project_id=PROJECT)
    assert vm.resource_name == VM_ID and vm.project_id == PROJECT and vm.specs == {"gpus": 0, "ip_addresses": []}


def test_an_item_without_an_id_or_a_list_that_is_not_a_list_is_unreadable():
    with pytest.raises(ValueError):
        normalize.vm_records([{"name": "x"}], project_id=PROJECT)
    with pytest.raises(ValueError):
        normalize.disk_records({"items": []}, project_id=PROJECT)


def test_disks_know_their_size_type_and_the_vm_they_are_attached_to():
    items = [
        {"id": "d-1", "name": "web-1-boot", "size": "20", "disk_type": {"id": "t", "name": "SSD"}, "state": "in-use",
         "primary": True, "vms": [{"id": VM_ID, "name": "web-1"}]},
        {"id": "d-2", "name": "old", "size": 50, "state": "available", "vms": []},
    ]
    boot, old = normalize.disk_records(items, project_id=PROJECT, costs={"d-2": Decimal("15.625")})
    assert (boot.kind, boot.specs["disk_gb"], boot.specs["disk_type"]) == (ResourceKind.VOLUME, "20", "SSD")
    assert boot.specs["attached"] is True and boot.specs["attached_to"] == VM_ID and boot.specs["bootable"] is True
    assert old.specs["attached"] is False and "attached_to" not in old.specs
    assert old.status == ResourceStatus.RUNNING and old.daily_cost == Decimal("15.63")
