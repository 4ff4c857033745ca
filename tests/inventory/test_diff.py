"""The sync diff without a database: incoming records vs snapshots of stored rows -> a plan.

Plain test functions (no ``django_db``): any query would fail them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from apps.inventory.diff import (
    ChangeAction,
    ExistingResource,
    IncomingResource,
    content_hash,
    incoming_resource,
    resource_diff,
)
from apps.inventory.vocabulary import ResourceKind, ResourceStatus


@dataclass(frozen=True)
class Record:
    """A record as any source might hand it over: the inventory needs only these attributes."""

    resource_id: str
    resource_type: str = "vm"
    kind: str = ResourceKind.COMPUTE
    resource_name: str = "web-1"
    provider: str = "testcloud"
    service_name: str = "Compute"
    status: str = ResourceStatus.RUNNING
    provider_status: str = "ACTIVE"
    region: str = "ru-1"
    account_id: str = "acc"
    project_id: str = "prj"
    daily_cost: Decimal | None = Decimal("10")
    monthly_cost: Decimal | None = Decimal("300")
    currency: str = "RUB"
    pricing_model: str = "on_demand"
    billing_period: str = "monthly"
    created_at: datetime | None = datetime(2025, 1, 1, tzinfo=UTC)
    specs: dict[str, Any] = field(default_factory=lambda: {"cpu_cores": 2})
    tags: dict[str, str] = field(default_factory=lambda: {"env": "prod"})
    provider_config: dict[str, Any] = field(default_factory=lambda: {"uptime": 1})


def _incoming(*records: Record) -> dict[tuple[str, str], IncomingResource]:
    prepared = [incoming_resource(r) for r in records]
    return {item.key: item for item in prepared if item is not None}


def _stored(record: Record, pk: int, **overrides: Any) -> ExistingResource:
    """The row a previous sync of ``record`` left behind."""
    item = incoming_resource(record)
    row = ExistingResource(
        pk=pk, resource_name=record.resource_name, status=record.status, provider_status=record.provider_status,
        daily_cost=item.baseline.daily_cost, monthly_cost=item.baseline.monthly_cost, content_hash=item.content_hash,
        is_deleted=False, region=record.region, service_name=record.service_name, currency=record.currency)
    return row._replace(**overrides)


def _existing(*rows: tuple[Record, ExistingResource]) -> dict[tuple[str, str], ExistingResource]:
    return {(record.resource_type, record.resource_id): row for record, row in rows}


def test_a_new_record_is_created_upserted_and_tagged():
    new = Record("vm-1")
    plan = resource_diff(_incoming(new), {}, listed_types={"vm"})
    [change] = plan.changes
    assert change.action == ChangeAction.CREATED and change.key == ("vm", "vm-1")
    assert change.existing is None and change.before is None
    assert change.after["daily_cost"] == "10.0000" and change.after["tags"] == {"env": "prod"}
    assert not (change.cost_changed or change.status_changed or change.config_changed)
    assert plan.upserts == [("vm", "vm-1")] and plan.retag == [("vm", "vm-1")] and plan.touched == []
    assert plan.counts == {"created": 1, "updated": 0, "deleted": 0, "unchanged": 0}


def test_an_identical_record_is_unchanged_and_only_touches_last_seen():
    record = Record("vm-1")
    plan = resource_diff(_incoming(record), _existing((record, _stored(record, 7))), listed_types={"vm"})
    [change] = plan.changes
    assert change.action == ChangeAction.UNCHANGED and change.changes is None
    assert change.before is None and change.existing.pk == 7  # its previous costs stay readable
    assert plan.touched == [7] and plan.upserts == [] and plan.retag == []
    assert plan.counts["unchanged"] == 1


def test_a_payload_only_change_is_unchanged_but_refreshes_the_stored_row():
    record = Record("vm-1")
    stored = _stored(record, 7)
    counters_moved = replace(record, provider_config={"uptime": 2})
    plan = resource_diff(_incoming(counters_moved), _existing((record, stored)), listed_types={"vm"})
    [change] = plan.changes
    assert change.action == ChangeAction.UNCHANGED
    assert plan.upserts == [("vm", "vm-1")] and plan.touched == [] and plan.retag == []


def test_a_price_change_is_an_update_with_the_cost_flag_only():
    record = Record("vm-1")
    dearer = replace(record, daily_cost=Decimal("11"), monthly_cost=Decimal("330"))
    plan = resource_diff(_incoming(dearer), _existing((record, _stored(record, 7))), listed_types={"vm"})
    [change] = plan.changes
    assert change.action == ChangeAction.UPDATED
    assert (change.cost_changed, change.status_changed, change.config_changed) == (True, False, False)
    assert change.changes == {"daily_cost": ["10.0000", "11.0000"], "monthly_cost": ["300.00", "330.00"]}
    assert change.before["monthly_cost"] == "300.00" and change.after["monthly_cost"] == "330.00"
    assert plan.upserts == [("vm", "vm-1")] and plan.retag == []


def test_a_status_change_is_an_update_with_the_status_flag():
    record = Record("vm-1")
    stopped = replace(record, status=ResourceStatus.STOPPED, provider_status="SHUTOFF")
    plan = resource_diff(_incoming(stopped), _existing((record, _stored(record, 7))), listed_types={"vm"})
    [change] = plan.changes
    assert (change.cost_changed, change.status_changed, change.config_changed) == (False, True, False)
    assert change.changes == {"status": ["running", "stopped"]}


def test_a_provider_status_change_alone_is_a_status_change():
    record = Record("vm-1")
    plan = resource_diff(_incoming(replace(record, provider_status="MIGRATING")),
                         _existing((record, _stored(record, 7))), listed_types={"vm"})
    assert plan.changes[0].status_changed and plan.changes[0].changes == {"status": ["running", "running"]}


def test_a_rename_or_new_tags_is_a_config_change_and_rewrites_the_tags():
    record = Record("vm-1")
    existing = _existing((record, _stored(record, 7)))
    renamed = resource_diff(_incoming(replace(record, resource_name="web-2")), existing, listed_types={"vm"})
    [change] = renamed.changes
    assert (change.cost_changed, change.status_changed, change.config_changed) == (False, False, True)
    assert change.changes == {"config": True, "resource_name": ["web-1", "web-2"]}
    assert renamed.retag == [("vm", "vm-1")] and renamed.upserts == [("vm", "vm-1")]
    retagged = resource_diff(_incoming(replace(record, tags={"env": "stage"})), existing, listed_types={"vm"})
    assert retagged.changes[0].changes == {"config": True} and retagged.retag == [("vm", "vm-1")]


def test_a_deleted_resource_that_comes_back_is_restored_as_an_update():
    record = Record("vm-1")
    gone = _stored(record, 7, status=ResourceStatus.DELETED, is_deleted=True)
    plan = resource_diff(_incoming(record), _existing((record, gone)), listed_types={"vm"})
    [change] = plan.changes
    assert change.action == ChangeAction.UPDATED and change.status_changed
    assert change.changes == {"status": ["deleted", "running"], "restored": True}
    assert change.before["is_deleted"] is True
    assert plan.upserts == [("vm", "vm-1")] and plan.deleted == []


def test_a_missing_resource_is_deleted_when_its_type_was_listed():
    kept, gone = Record("vm-1"), Record("vm-2", resource_name="old")
    existing = _existing((kept, _stored(kept, 1)), (gone, _stored(gone, 2)))
    plan = resource_diff(_incoming(kept), existing, listed_types={"vm"})
    [deletion] = plan.deleted
    assert deletion.action == ChangeAction.DELETED and deletion.key == ("vm", "vm-2") and deletion.existing.pk == 2
    assert deletion.changes == {"status": ["running", "deleted"]} and deletion.status_changed
    assert deletion.before["resource_name"] == "old" and deletion.after is None
    assert plan.counts == {"created": 0, "updated": 0, "deleted": 1, "unchanged": 1}


def test_a_missing_resource_of_a_type_whose_endpoint_failed_is_kept():
    vm, disk = Record("vm-1"), Record("disk-1", resource_type="disk")
    existing = _existing((vm, _stored(vm, 1)), (disk, _stored(disk, 2)))
    plan = resource_diff({}, existing, listed_types={"disk"})  # the vm endpoint failed
    assert [change.key for change in plan.deleted] == [("disk", "disk-1")]
    assert resource_diff({}, existing, listed_types=set()).deleted == []


def test_a_resource_already_deleted_is_not_deleted_again():
    record = Record("vm-1")
    existing = _existing((record, _stored(record, 1, is_deleted=True, status=ResourceStatus.DELETED)))
    assert resource_diff({}, existing, listed_types={"vm"}).deleted == []


def test_a_record_without_an_id_or_a_type_cannot_be_stored():
    assert incoming_resource(Record("")) is None
    assert incoming_resource(Record("vm-1", resource_type="")) is None


def test_tags_are_trimmed_to_their_column_sizes():
    item = incoming_resource(Record("vm-1", tags={"k" * 200: "v" * 300}))
    assert item.tags == {"k" * 128: "v" * 256}


def test_the_content_hash_splits_configuration_from_the_payload():
    record = Record("vm-1")
    item = incoming_resource(record)
    assert len(item.content_hash) == 64 and item.content_hash == content_hash(record, item.baseline, item.tags)
    payload = incoming_resource(replace(record, provider_config={"uptime": 99}))
    assert payload.content_hash[:32] == item.content_hash[:32] and payload.content_hash[32:] != item.content_hash[32:]
    specs = incoming_resource(replace(record, specs={"cpu_cores": 4}))
    assert specs.content_hash[:32] != item.content_hash[:32] and specs.content_hash[32:] == item.content_hash[32:]
    # Costs and status are compared on their own, not through the hash.
    dearer = incoming_resource(replace(record, daily_cost=Decimal("1"), status=ResourceStatus.STOPPED))
    assert dearer.content_hash == item.content_hash
    # Key order does not matter.
    reordered = incoming_resource(replace(record, tags={"b": "2", "a": "1"}))
    assert reordered.content_hash == incoming_resource(replace(record, tags={"a": "1", "b": "2"})).content_hash


def test_the_plan_keeps_the_order_of_the_incoming_records_and_counts_every_action():
    a, b, c, d = Record("a"), Record("b"), Record("c"), Record("d")
    existing = _existing((b, _stored(b, 2)), (c, _stored(c, 3)), (d, _stored(d, 4)))
    plan = resource_diff(_incoming(c, a, replace(b, daily_cost=Decimal("1"))), existing, listed_types={"vm"})
    assert [(ch.key[1], ch.action) for ch in plan.changes] == [
        ("c", ChangeAction.UNCHANGED), ("a", ChangeAction.CREATED), ("b", ChangeAction.UPDATED)]
    assert [ch.key[1] for ch in plan.deleted] == ["d"]
    assert plan.counts == {"created": 1, "updated": 1, "deleted": 1, "unchanged": 1}
    assert plan.upserts == [("vm", "a"), ("vm", "b")] and plan.touched == [3]
