"""What a sync changes in the inventory, decided without the database.

Incoming records (anything shaped like :class:`IncomingRecord`: the providers' ``ResourceRecord``, a demo's
own dataclass) are compared with snapshots of the stored rows (:class:`ExistingResource`) into a
:class:`ResourcePlan`: one :class:`ResourceChange` per record (created / updated / unchanged, with the
cost / status / config flags, the change dict and the before/after snapshots), the stored resources to mark
deleted, and what the writes need (rows to upsert, rows whose ``last_seen_at`` alone moves, rows whose tags
are rewritten). ``apps.inventory.services.resource_sync`` loads the snapshots and writes the plan.

Rules that live here:
- the content hash has two halves: what counts as configuration (everything shown but costs and status),
  then the raw provider payload, whose own changes (usage counters, prices repeated inside it) refresh the
  stored row quietly: such a resource stays "unchanged";
- a stored resource missing from the answer is marked deleted only when an endpoint that lists its type
  succeeded (``listed_types``): a failed endpoint keeps the last good inventory of its types;
- a deleted resource that comes back is an update with the status flag and ``changes["restored"]``.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from .costs import CostBaseline, cost_baseline
from .vocabulary import ResourceStatus

Key = tuple[str, str]  # (resource_type, resource_id): unique per connection


class IncomingRecord(Protocol):
    """What the inventory reads of a record (``apps.providers.plugins.base.ResourceRecord`` is one).

    ``provider_config`` is stored as given: the sync engine strips secrets before it hands records over.
    ``cost_baseline`` also reads an optional ``original_price``.
    """

    provider: str
    resource_id: str
    resource_name: str
    resource_type: str
    kind: str  # ``apps.inventory.vocabulary.ResourceKind``
    service_name: str
    status: str
    provider_status: str
    region: str
    account_id: str
    project_id: str
    daily_cost: Decimal | None
    monthly_cost: Decimal | None
    currency: str
    pricing_model: str
    billing_period: str
    created_at: datetime | None
    specs: Mapping[str, Any]
    tags: Mapping[str, str]
    provider_config: Mapping[str, Any]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32]


def json_safe(value: Any) -> Any:
    """``value`` as it reads back from a JSON column (dates and decimals as strings)."""
    return json.loads(json.dumps(value, default=str))


def content_hash(record: IncomingRecord, baseline: CostBaseline, tags: Mapping[str, str]) -> str:
    """The configuration half (32 hex digits), then the payload half: see the module docstring."""
    config = {
        "name": record.resource_name, "service": record.service_name, "region": record.region,
        "account": record.account_id, "project": record.project_id, "currency": record.currency,
        "pricing_model": record.pricing_model, "period": baseline.original_period, "created": record.created_at,
        "specs": record.specs, "tags": tags,
    }
    # The kind follows the plugin's mapping of the type: a changed mapping refreshes rows quietly.
    return _digest(config) + _digest({"kind": record.kind, "payload": record.provider_config})


@dataclass(frozen=True, slots=True)
class IncomingResource:
    """One record ready to be compared and stored: its cost baseline, cleaned tags and content hash."""

    record: IncomingRecord
    baseline: CostBaseline
    tags: dict[str, str]
    content_hash: str

    @property
    def key(self) -> Key:
        return (self.record.resource_type, self.record.resource_id)

    def snapshot(self) -> dict[str, Any]:
        r, b = self.record, self.baseline
        return {
            "resource_name": r.resource_name, "status": r.status, "provider_status": r.provider_status,
            "region": r.region, "service_name": r.service_name, "daily_cost": _money(b.daily_cost),
            "monthly_cost": _money(b.monthly_cost), "currency": r.currency,
            "specs": json_safe(dict(r.specs)), "tags": self.tags,
        }


def incoming_resource(record: IncomingRecord) -> IncomingResource | None:
    """``record`` prepared for the diff; ``None`` when it has no id or type to be known by."""
    if not record.resource_id or not record.resource_type:
        return None
    tags = {str(k)[:128]: str(v)[:256] for k, v in dict(record.tags).items()}
    baseline = cost_baseline(record)
    return IncomingResource(record, baseline, tags, content_hash(record, baseline, tags))


class ExistingResource(NamedTuple):
    """What the diff needs of a stored resource (a tuple: 10 000 of them stay small)."""

    pk: int
    resource_name: str
    status: str
    provider_status: str
    daily_cost: Decimal | None
    monthly_cost: Decimal | None
    content_hash: str
    is_deleted: bool
    region: str
    service_name: str
    currency: str

    def snapshot(self) -> dict[str, Any]:
        return {
            "resource_name": self.resource_name, "status": self.status, "provider_status": self.provider_status,
            "region": self.region, "service_name": self.service_name, "daily_cost": _money(self.daily_cost),
            "monthly_cost": _money(self.monthly_cost), "currency": self.currency, "is_deleted": self.is_deleted,
        }


# The columns to load, in ExistingResource's order, after the key's two.
EXISTING_COLUMNS: tuple[str, ...] = ("resource_type", "resource_id", *ExistingResource._fields)


class ChangeAction(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    UNCHANGED = "unchanged"


class ResourceChange(NamedTuple):
    """What the diff decided for one resource. ``incoming`` is ``None`` for a deletion, ``existing`` for a
    creation."""

    key: Key
    action: ChangeAction
    incoming: IncomingResource | None = None
    existing: ExistingResource | None = None
    changes: Mapping[str, Any] | None = None
    cost_changed: bool = False
    status_changed: bool = False
    config_changed: bool = False

    @property
    def before(self) -> dict[str, Any] | None:
        """The stored resource as it was, for a change that altered it."""
        if self.existing is None or self.action == ChangeAction.UNCHANGED:
            return None
        return self.existing.snapshot()

    @property
    def after(self) -> dict[str, Any] | None:
        return None if self.incoming is None else self.incoming.snapshot()


@dataclass
class ResourcePlan:
    changes: list[ResourceChange] = field(default_factory=list)  # one per incoming record, in its order
    deleted: list[ResourceChange] = field(default_factory=list)
    upserts: list[Key] = field(default_factory=list)  # created, updated, or a payload-only refresh
    touched: list[int] = field(default_factory=list)  # pks of unchanged rows: only last_seen_at moves
    retag: list[Key] = field(default_factory=list)  # created, or the configuration (tags among it) changed

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ChangeAction, 0)
        for change in self.changes:
            counts[change.action] += 1
        counts[ChangeAction.DELETED] = len(self.deleted)
        return {str(action): n for action, n in counts.items()}


def _compare(key: Key, new: IncomingResource, old: ExistingResource, plan: ResourcePlan) -> ResourceChange:
    b, r = new.baseline, new.record
    cost_changed = old.daily_cost != b.daily_cost or old.monthly_cost != b.monthly_cost
    status_changed = old.status != r.status or old.provider_status != r.provider_status or old.is_deleted
    config_changed = old.content_hash[:32] != new.content_hash[:32]
    if not (cost_changed or status_changed or config_changed):
        if old.content_hash != new.content_hash:
            plan.upserts.append(key)
        else:
            plan.touched.append(old.pk)
        return ResourceChange(key, ChangeAction.UNCHANGED, new, old)
    plan.upserts.append(key)
    if config_changed:
        plan.retag.append(key)
    changes: dict[str, Any] = {}
    if cost_changed:
        changes["daily_cost"] = [_money(old.daily_cost), _money(b.daily_cost)]
        changes["monthly_cost"] = [_money(old.monthly_cost), _money(b.monthly_cost)]
    if status_changed:
        changes["status"] = [old.status, r.status]
        if old.is_deleted:
            changes["restored"] = True
    if config_changed:
        changes["config"] = True
        if old.resource_name != r.resource_name:
            changes["resource_name"] = [old.resource_name, r.resource_name]
    return ResourceChange(key, ChangeAction.UPDATED, new, old, changes, cost_changed, status_changed, config_changed)


def resource_diff(incoming: Mapping[Key, IncomingResource], existing: Mapping[Key, ExistingResource], *,
                  listed_types: Collection[str]) -> ResourcePlan:
    """The plan that brings the stored resources of one connection (``existing``) to ``incoming``.

    ``listed_types``: the resource types whose listing endpoint succeeded; only a missing resource of one of
    them is marked deleted.
    """
    plan = ResourcePlan()
    for key, new in incoming.items():
        old = existing.get(key)
        if old is None:
            plan.upserts.append(key)
            plan.retag.append(key)
            plan.changes.append(ResourceChange(key, ChangeAction.CREATED, new))
        else:
            plan.changes.append(_compare(key, new, old, plan))
    plan.deleted = [
        ResourceChange(key, ChangeAction.DELETED, None, old, {"status": [old.status, ResourceStatus.DELETED]},
                       status_changed=True)
        for key, old in existing.items()
        if not (old.is_deleted or key in incoming or key[0] not in listed_types)]
    return plan
