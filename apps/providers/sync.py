"""The provider-agnostic sync engine.

``sync_run_start`` queues a run (one per connection at a time: checked here and guaranteed by a partial
unique index); the django-q2 task calls ``sync_run_execute`` inside the organization's schema, which:

1. reads account information (stored on the connection);
2. walks ``plugin.endpoints()``, each isolated: a failing endpoint is recorded as
   ``{endpoint, code, message}`` and the others go on;
3. diffs the records against the stored inventory (created / updated / deleted / unchanged with
   cost / status / config flags) and writes it in one transaction with bulk statements: the number
   of queries does not depend on the number of resources. A resource is marked deleted only when an
   endpoint listing its kind succeeded; when every endpoint failed or the credentials were rejected
   nothing is written and the last good inventory stays;
4. fetches metrics for running resources (bounded per run) and recomputes their summaries;
5. for providers with ``Capability.COSTS``: pulls ``plugin.cost_lines`` for the last
   ``PROVIDER_COST_DAYS`` UTC days and replaces the connection's rows of that window in the cost ledger
   (``apps.costs.provider_costs``); a failure is a ``costs`` error entry and leaves the ledger intact.

Progress (phase, current endpoint, counts) is written with short autocommitted UPDATEs outside the
write transaction, so the API and the UI see it while the run works.
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_event_record
from apps.common.bulk import bulk_copy, bulk_copy_upsert
from apps.common.errors import ApplicationError
from apps.common.tasks import enqueue_in_tenant
from apps.inventory.costs import cost_baseline
from apps.inventory.models import MetricPoint, Resource, ResourceMetricSummary, ResourceTag, UtilizationTier
from apps.inventory.vocabulary import ResourceStatus

from . import registry
from .errors import ProviderError, ProviderErrorCode
from .models import (
    ACTIVE_SYNC_STATUSES,
    ConnectionStatus,
    ProviderConnection,
    ResourceState,
    ResourceStateAction,
    SyncPhase,
    SyncRun,
    SyncStatus,
    SyncTrigger,
)
from .plugins.base import Capability, ResourceRecord

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
METRIC_WINDOW_DAYS = 30
SCHEDULE_TASK = "apps.providers.tasks.sync_scheduled"


class SyncErrorCode(str, enum.Enum):
    ALREADY_RUNNING = "sync_already_running"
    INTERNAL_ERROR = "sync_internal_error"
    ALL_ENDPOINTS_FAILED = "sync_all_endpoints_failed"


def _conflict() -> ApplicationError:
    return ApplicationError(_("A synchronization of this connection is already running."),
                            SyncErrorCode.ALREADY_RUNNING, http_status=409)  # type: ignore[arg-type]


# --- start ------------------------------------------------------------------------------------
def _expire_stale_runs(*, connection: ProviderConnection) -> None:
    """A run whose worker died must not block the connection forever."""
    limit = timezone.now() - timedelta(seconds=getattr(settings, "SYNC_STALE_AFTER_SECONDS", 3 * 3600))
    SyncRun.objects.filter(connection=connection, status__in=ACTIVE_SYNC_STATUSES, created_at__lt=limit).update(
        status=SyncStatus.ERROR, phase=SyncPhase.DONE, finished_at=timezone.now(),
        error_message=_("The synchronization did not finish in time and was abandoned."),
    )


def sync_run_start(*, connection: ProviderConnection, actor=None, trigger: str = SyncTrigger.MANUAL,
                   enqueue: bool = True) -> SyncRun:
    """Queue a sync of ``connection``; the task starts once the current transaction commits
    (``enqueue=False``: the caller runs ``sync_run_execute`` itself, as ``seed_demo`` does).

    Raises ``ApplicationError`` (code ``sync_already_running``, HTTP 409) while another run of the same
    connection is queued or running.
    """
    _expire_stale_runs(connection=connection)
    if SyncRun.objects.filter(connection=connection, status__in=ACTIVE_SYNC_STATUSES).exists():
        raise _conflict()
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                connection=connection, trigger=trigger, status=SyncStatus.QUEUED, phase=SyncPhase.QUEUED,
                requested_by_id=getattr(actor, "pk", None),
                sync_config={"provider": connection.provider, "trigger": str(trigger)},
            )
    except IntegrityError:
        raise _conflict() from None
    schema = db_connection.schema_name
    if enqueue:
        enqueue_in_tenant(schema, "apps.providers.tasks.sync_run_task", sync_run_id=run.pk,
                          task_name=f"sync-{schema}-{run.pk}")
    audit_event_record(schema_name=schema, action="connection.sync_started", actor=actor,
                       target=f"connection:{connection.pk}", data={"sync_run": run.pk, "trigger": str(trigger)})
    return run


# --- schedules --------------------------------------------------------------------------------
def _schedule_name(connection: ProviderConnection) -> str:
    return f"sync:{db_connection.schema_name}:{connection.pk}"


def sync_schedule_update(*, connection: ProviderConnection) -> None:
    """Keep one django-q2 schedule per auto-synced connection, at its interval (public schema table)."""
    from django_q.models import Schedule

    name = _schedule_name(connection)
    if not connection.auto_sync:
        Schedule.objects.filter(name=name).delete()
        return
    minutes = int(connection.sync_interval_minutes)
    args = repr((db_connection.schema_name, connection.pk))
    schedule = Schedule.objects.filter(name=name).first()
    if schedule is None:
        Schedule.objects.create(name=name, func=SCHEDULE_TASK, args=args, schedule_type=Schedule.MINUTES,
                                minutes=minutes, repeats=-1, next_run=timezone.now() + timedelta(minutes=minutes))
    elif schedule.minutes != minutes or schedule.args != args or schedule.func != SCHEDULE_TASK:
        schedule.minutes, schedule.args, schedule.func = minutes, args, SCHEDULE_TASK
        schedule.next_run = timezone.now() + timedelta(minutes=minutes)
        schedule.save(update_fields=["minutes", "args", "func", "next_run"])


def sync_schedule_delete(*, connection: ProviderConnection) -> None:
    from django_q.models import Schedule

    Schedule.objects.filter(name=_schedule_name(connection)).delete()


# --- execute ----------------------------------------------------------------------------------
def _progress(run: SyncRun, **fields: Any) -> None:
    """A short autocommitted UPDATE: visible to other connections while the run works."""
    for key, value in fields.items():
        setattr(run, key, value)
    SyncRun.objects.filter(pk=run.pk).update(**fields)


def _error_entry(endpoint: str, exc: ProviderError) -> dict[str, str]:
    return {"endpoint": exc.endpoint or endpoint, "code": exc.code.value, "message": str(exc)[:500]}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _content_hash(record: ResourceRecord, baseline, tags: dict[str, str]) -> str:
    """Two halves: what counts as configuration (everything shown but costs and status), then the raw
    provider payload, whose own changes (usage counters, prices repeated inside it) are refreshed quietly."""
    config = {
        "name": record.resource_name, "service": record.service_name, "region": record.region,
        "account": record.account_id, "project": record.project_id, "currency": record.currency,
        "pricing_model": record.pricing_model, "period": baseline.original_period, "created": record.created_at,
        "specs": record.specs, "tags": tags,
    }

    def digest(data: Any) -> str:
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32]

    return digest(config) + digest(record.provider_config)


@dataclass
class _Incoming:
    record: ResourceRecord
    baseline: Any
    tags: dict[str, str]
    content_hash: str

    def snapshot(self) -> dict[str, Any]:
        r = self.record
        return {
            "resource_name": r.resource_name, "status": r.status, "provider_status": r.provider_status,
            "region": r.region, "service_name": r.service_name, "daily_cost": _money(self.baseline.daily_cost),
            "monthly_cost": _money(self.baseline.monthly_cost), "currency": r.currency,
            "specs": json.loads(json.dumps(dict(r.specs), default=str)), "tags": self.tags,
        }


@dataclass
class _Existing:
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


@dataclass
class _Fetched:
    records: dict[tuple[str, str], _Incoming] = field(default_factory=dict)
    ok_kinds: set[str] = field(default_factory=set)
    errors: list[dict[str, str]] = field(default_factory=list)
    endpoints_ok: int = 0
    endpoints_failed: int = 0
    auth_failed: bool = False


class _Change(NamedTuple):
    """What the diff decided for one incoming resource; its ``ResourceState`` is built while it is written."""

    key: tuple[str, str]
    action: str
    old: _Existing | None = None
    changes: dict[str, Any] | None = None
    cost_changed: bool = False
    status_changed: bool = False
    config_changed: bool = False


_SYNC_FIELDS = [
    "provider", "resource_name", "service_name", "status", "provider_status", "region", "account_id", "project_id",
    "daily_cost", "monthly_cost", "currency", "original_price", "original_period", "pricing_model", "specs",
    "provider_config", "created_at_provider", "last_seen_at", "is_deleted", "deleted_at", "content_hash",
]


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


class _Engine:
    def __init__(self, run: SyncRun, connection: ProviderConnection, plugin_options: dict[str, Any]):
        self.run = run
        self.connection = connection
        self.spec = registry.get_spec(connection.provider)
        from .services import connection_plugin

        self.plugin = connection_plugin(connection, **plugin_options)
        self.now = timezone.now()

    # -- stages
    def execute(self) -> None:
        account = self._account_info()
        fetched = self._fetch(account_error=account)
        if fetched.auth_failed or fetched.endpoints_ok == 0:
            self._finish_failed(fetched)
            return
        self._save(fetched)
        metric_errors = self._metrics(fetched)
        fetched.errors.extend(metric_errors)
        fetched.errors.extend(self._costs())
        self._finish(fetched)

    def _account_info(self) -> dict[str, str] | None:
        if Capability.ACCOUNT_INFO not in self.spec.capabilities:
            return None
        _progress(self.run, phase=SyncPhase.ACCOUNT, current_endpoint="account_info")
        try:
            info = self.plugin.account_info()
        except ProviderError as exc:
            return _error_entry("account_info", exc)
        self.connection.account_info = info.as_json()
        ProviderConnection.objects.filter(pk=self.connection.pk).update(account_info=self.connection.account_info)
        return None

    def _fetch(self, *, account_error: dict[str, str] | None) -> _Fetched:
        fetched = _Fetched()
        if account_error is not None:
            fetched.errors.append(account_error)
            fetched.auth_failed = account_error["code"] == ProviderErrorCode.AUTH.value
        endpoints = [] if fetched.auth_failed else list(self.plugin.endpoints())
        _progress(self.run, phase=SyncPhase.FETCHING, endpoints_total=len(endpoints), errors=fetched.errors)
        for endpoint in endpoints:
            _progress(self.run, current_endpoint=endpoint.name)
            try:
                records = endpoint.fetch()
            except ProviderError as exc:
                fetched.endpoints_failed += 1
                fetched.errors.append(_error_entry(endpoint.name, exc))
                if exc.code == ProviderErrorCode.AUTH:
                    fetched.auth_failed = True
            except Exception:  # a plugin bug must not stop the other endpoints
                logger.exception("sync %s: endpoint %s failed unexpectedly", self.run.pk, endpoint.name)
                fetched.endpoints_failed += 1
                fetched.errors.append({"endpoint": endpoint.name, "code": SyncErrorCode.INTERNAL_ERROR.value,
                                       "message": _("The provider's answer could not be processed.")})
            else:
                fetched.endpoints_ok += 1
                fetched.ok_kinds |= set(endpoint.kinds)
                for record in records:
                    if not record.resource_id or not record.resource_type:
                        continue
                    tags = {str(k)[:128]: str(v)[:256] for k, v in dict(record.tags).items()}
                    baseline = cost_baseline(record)
                    fetched.records[(record.resource_type, record.resource_id)] = _Incoming(
                        record, baseline, tags, _content_hash(record, baseline, tags))
            _progress(self.run, endpoints_ok=fetched.endpoints_ok, endpoints_failed=fetched.endpoints_failed,
                      resources_found=len(fetched.records), errors=fetched.errors)
        return fetched

    def _load_existing(self) -> dict[tuple[str, str], _Existing]:
        rows = Resource.objects.filter(connection=self.connection).values_list(
            "resource_type", "resource_id", "pk", "resource_name", "status", "provider_status", "daily_cost",
            "monthly_cost", "content_hash", "is_deleted", "region", "service_name", "currency")
        return {(row[0], row[1]): _Existing(*row[2:]) for row in rows.iterator(chunk_size=5000)}

    def _resource(self, incoming: _Incoming) -> Resource:
        """The row to insert or, on (connection, type, id) conflict, to update with ``_SYNC_FIELDS``."""
        r, b = incoming.record, incoming.baseline
        return Resource(
            connection=self.connection, provider=r.provider or self.connection.provider,
            resource_id=r.resource_id,
            resource_type=r.resource_type, resource_name=r.resource_name[:255], service_name=r.service_name[:100],
            status=r.status[:32], provider_status=r.provider_status[:64], region=r.region[:100],
            account_id=r.account_id[:255], project_id=r.project_id[:255], daily_cost=b.daily_cost,
            monthly_cost=b.monthly_cost, currency=r.currency or "RUB", original_price=b.original_price,
            original_period=b.original_period, pricing_model=r.pricing_model, specs=_json_safe(dict(r.specs)),
            provider_config=_json_safe(dict(r.provider_config)), created_at_provider=r.created_at,
            first_seen_at=self.now, last_seen_at=self.now, is_deleted=False, deleted_at=None,
            content_hash=incoming.content_hash,
        )

    def _save(self, fetched: _Fetched) -> None:
        """Diff, then write with COPY: four statements per table however many resources, and the model
        instances are made one at a time while they stream (10 000 of them never sit in memory at once)."""
        _progress(self.run, phase=SyncPhase.SAVING, current_endpoint="")
        existing = self._load_existing()
        upserts: list[tuple[str, str]] = []
        retag: list[tuple[str, str]] = []
        states: list[_Change] = []
        unchanged_pks: list[int] = []
        counts = Counter()
        for key, incoming in fetched.records.items():
            old = existing.get(key)
            if old is None:
                upserts.append(key)
                retag.append(key)
                counts["created"] += 1
                states.append(_Change(key, ResourceStateAction.CREATED))
                continue
            b, r = incoming.baseline, incoming.record
            cost_changed = old.daily_cost != b.daily_cost or old.monthly_cost != b.monthly_cost
            status_changed = old.status != r.status or old.provider_status != r.provider_status or old.is_deleted
            config_changed = old.content_hash[:32] != incoming.content_hash[:32]
            payload_changed = old.content_hash != incoming.content_hash
            if not (cost_changed or status_changed or config_changed):
                if payload_changed:
                    upserts.append(key)
                else:
                    unchanged_pks.append(old.pk)
                counts["unchanged"] += 1
                states.append(_Change(key, ResourceStateAction.UNCHANGED, old))
                continue
            upserts.append(key)
            if config_changed:
                retag.append(key)
            counts["updated"] += 1
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
            states.append(_Change(key, ResourceStateAction.UPDATED, old, changes, cost_changed, status_changed,
                                  config_changed))
        deleted: list[tuple[tuple[str, str], _Existing]] = [
            (key, old) for key, old in existing.items()
            if not (old.is_deleted or key in fetched.records or key[0] not in fetched.ok_kinds)]
        counts["deleted"] = len(deleted)
        pks = {key: old.pk for key, old in existing.items()}

        with transaction.atomic():
            if upserts:
                written = bulk_copy_upsert(
                    Resource, (self._resource(fetched.records[key]) for key in upserts),
                    unique_fields=["connection", "resource_type", "resource_id"], update_fields=_SYNC_FIELDS,
                    returning=("pk", "resource_type", "resource_id"))
                pks.update(((resource_type, resource_id), pk) for pk, resource_type, resource_id in written)
            if unchanged_pks:
                Resource.objects.filter(pk__in=unchanged_pks).update(last_seen_at=self.now)
            if deleted:
                Resource.objects.filter(pk__in=[old.pk for _key, old in deleted]).update(
                    is_deleted=True, deleted_at=self.now)
            if retag:
                ResourceTag.objects.filter(resource_id__in=[pks[key] for key in retag]).delete()
                bulk_copy(ResourceTag, (ResourceTag(resource_id=pks[key], key=k, value=v)
                                        for key in retag for k, v in fetched.records[key].tags.items()))
            bulk_copy(ResourceState, self._states(fetched, states, deleted, pks))
            _progress(self.run, resources_created=counts["created"], resources_updated=counts["updated"],
                      resources_deleted=counts["deleted"], resources_unchanged=counts["unchanged"])

    def _states(self, fetched: _Fetched, states: list[_Change], deleted: list[tuple[tuple[str, str], _Existing]],
                pks: dict[tuple[str, str], int]) -> Iterator[ResourceState]:
        for change in states:
            yield self._state(fetched.records[change.key], change, resource_pk=pks[change.key])
        for key, old in deleted:
            yield ResourceState(
                sync_run=self.run, resource_id=old.pk, provider_resource_id=key[1], resource_type=key[0],
                resource_name=old.resource_name, state=ResourceStateAction.DELETED, previous_state=old.snapshot(),
                current_state=None, changes={"status": [old.status, ResourceStatus.DELETED]},
                service_name=old.service_name, region=old.region, status=ResourceStatus.DELETED,
                previous_daily_cost=old.daily_cost, previous_monthly_cost=old.monthly_cost, status_changed=True)

    def _state(self, incoming: _Incoming, change: _Change, *, resource_pk: int) -> ResourceState:
        r, b, old = incoming.record, incoming.baseline, change.old
        return ResourceState(
            sync_run=self.run, resource_id=resource_pk, provider_resource_id=r.resource_id,
            resource_type=r.resource_type, resource_name=r.resource_name[:255], state=change.action,
            previous_state=old.snapshot() if old is not None and change.action != ResourceStateAction.UNCHANGED
            else None,
            current_state=incoming.snapshot(), changes=change.changes or {}, service_name=r.service_name[:100],
            region=r.region[:100], status=r.status[:32], previous_daily_cost=old.daily_cost if old else None,
            current_daily_cost=b.daily_cost, previous_monthly_cost=old.monthly_cost if old else None,
            current_monthly_cost=b.monthly_cost, cost_changed=change.cost_changed,
            status_changed=change.status_changed, config_changed=change.config_changed,
        )

    # -- metrics
    def _metrics(self, fetched: _Fetched) -> list[dict[str, str]]:
        if Capability.METRICS not in self.spec.capabilities:
            return []
        limit = int(getattr(settings, "SYNC_METRICS_MAX_RESOURCES", 200))
        if limit <= 0:
            return []
        candidates = list(
            Resource.objects.filter(connection=self.connection, is_deleted=False, status=ResourceStatus.RUNNING)
            .order_by(F("metrics_fetched_at").asc(nulls_first=True), "id")
            .values_list("pk", "resource_type", "resource_id")[:limit])
        if not candidates:
            return []
        _progress(self.run, phase=SyncPhase.METRICS, current_endpoint="metrics")
        errors: dict[str, dict[str, str]] = {}
        points: list[MetricPoint] = []
        fetched_pks: list[int] = []
        for pk, resource_type, resource_id in candidates:
            incoming = fetched.records.get((resource_type, resource_id))
            if incoming is None:
                continue
            try:
                series_list = self.plugin.metrics(incoming.record)
            except ProviderError as exc:
                entry = _error_entry("metrics", exc)
                errors.setdefault(entry["endpoint"], entry)
                continue
            fetched_pks.append(pk)
            for series in series_list:
                points.extend(MetricPoint(resource_id=pk, metric=series.metric[:64], ts=ts, value=value)
                              for ts, value in series.points)
        with transaction.atomic():
            if points:
                bulk_copy_upsert(MetricPoint, points, unique_fields=["resource", "metric", "ts"])
            if fetched_pks:
                Resource.objects.filter(pk__in=fetched_pks).update(metrics_fetched_at=self.now)
                metric_summaries_recompute(resource_pks=fetched_pks)
        _progress(self.run, metric_points=len(points))
        return list(errors.values())

    # -- costs
    def _costs(self) -> list[dict[str, str]]:
        """The native cost pull: an isolated stage. Any failure is one ``costs`` error entry (the run turns
        partial) and leaves the ledger as it was: the import writes in one transaction, after the fetch."""
        if Capability.COSTS not in self.spec.capabilities:
            return []
        days = int(getattr(settings, "PROVIDER_COST_DAYS", 35))
        if days <= 0:
            return []
        from apps.costs.services.provider_costs import provider_costs_import, provider_costs_window

        start, end = provider_costs_window(days=days, today=self.now.astimezone(UTC).date())
        _progress(self.run, phase=SyncPhase.COSTS, current_endpoint="costs")
        try:
            lines = self.plugin.cost_lines(start=start, end=end)
            written = provider_costs_import(connection=self.connection, start=start, end=end, lines=lines)
        except ProviderError as exc:
            return [{"endpoint": "costs", "code": exc.code.value, "message": str(exc)[:500]}]
        except Exception:  # a plugin or mapping bug must not fail the resources already saved
            logger.exception("sync %s: the cost import failed unexpectedly", self.run.pk)
            return [{"endpoint": "costs", "code": SyncErrorCode.INTERNAL_ERROR.value,
                     "message": _("The provider's costs could not be processed.")}]
        _progress(self.run, cost_records=written)
        return []

    # -- finish
    def _totals(self) -> dict[str, Any]:
        live = Resource.objects.filter(connection=self.connection, is_deleted=False).order_by()
        sums = live.aggregate(daily=Sum("daily_cost"), monthly=Sum("monthly_cost"))
        by_type = Counter(dict(_grouped(live, "resource_type")))
        by_status = Counter(dict(_grouped(live, "status")))
        return {
            "total_daily_cost": sums["daily"] or Decimal(0), "total_monthly_cost": sums["monthly"] or Decimal(0),
            "total_resources_by_type": dict(by_type), "total_resources_by_status": dict(by_status),
        }

    def _finish(self, fetched: _Fetched) -> None:
        status = SyncStatus.PARTIAL if fetched.errors else SyncStatus.SUCCESS
        first = fetched.errors[0] if fetched.errors else None
        _finish_run(self.run, status=status, errors=fetched.errors, totals=self._totals(),
                    error_message=first["message"] if first else "")
        _connection_done(self.connection, ok=True, error=first, now=timezone.now())

    def _finish_failed(self, fetched: _Fetched) -> None:
        auth = next((e for e in fetched.errors if e["code"] == ProviderErrorCode.AUTH.value), None)
        first = auth or (fetched.errors[0] if fetched.errors else {
            "endpoint": "", "code": SyncErrorCode.ALL_ENDPOINTS_FAILED.value,
            "message": _("The provider listed no resources.")})
        _finish_run(self.run, status=SyncStatus.ERROR, errors=fetched.errors, totals=None,
                    error_message=first["message"], error_details={"code": first["code"]})
        _connection_done(self.connection, ok=False, error=first, now=timezone.now())


def _grouped(queryset, field_name: str):
    return queryset.values_list(field_name).annotate(n=Count("id")).values_list(field_name, "n")


def _finish_run(run: SyncRun, *, status: str, errors: list[dict[str, str]], totals: dict[str, Any] | None,
                error_message: str = "", error_details: dict[str, Any] | None = None) -> None:
    finished = timezone.now()
    fields: dict[str, Any] = {
        "status": status, "phase": SyncPhase.DONE, "current_endpoint": "", "errors": errors,
        "finished_at": finished, "error_message": error_message[:2000], "error_details": error_details or {},
        "duration_seconds": int((finished - (run.started_at or finished)).total_seconds()),
    }
    if totals:
        fields.update(totals)
    _progress(run, **fields)


def _connection_done(connection: ProviderConnection, *, ok: bool, error: dict[str, str] | None, now) -> None:
    fields: dict[str, Any] = {"last_sync_at": now, "updated_at": now}
    if ok:
        fields.update(status=ConnectionStatus.OK, last_error_code=error["code"] if error else "",
                      last_error=error["message"] if error else "")
    else:
        fields.update(status=ConnectionStatus.ERROR, last_error_code=(error or {}).get("code", "")[:64],
                      last_error=(error or {}).get("message", "")[:2000])
    ProviderConnection.objects.filter(pk=connection.pk).update(**fields)


def metric_summaries_recompute(*, resource_pks: list[int]) -> None:
    """avg / min / max / p95 of each metric over the last 30 days of its data; CPU gets a utilization tier."""
    if not resource_pks:
        return
    table = MetricPoint._meta.db_table
    sql = f"""
        WITH latest AS (
            SELECT resource_id, metric, max(ts) AS last_ts FROM {table}
            WHERE resource_id = ANY(%s) GROUP BY resource_id, metric
        )
        SELECT p.resource_id, p.metric, count(*), avg(p.value), min(p.value), max(p.value),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY p.value), min(p.ts), max(p.ts)
        FROM {table} p JOIN latest l ON l.resource_id = p.resource_id AND l.metric = p.metric
        WHERE p.ts > l.last_ts - interval '{METRIC_WINDOW_DAYS} days'
        GROUP BY p.resource_id, p.metric
    """  # noqa: S608 -- table name from the model, values bound
    with db_connection.cursor() as cursor:
        cursor.execute(sql, [list(resource_pks)])
        rows = cursor.fetchall()
    quant = Decimal("0.0001")
    summaries = []
    for resource_id, metric, count, avg, low, high, p95, start, end in rows:
        avg = Decimal(avg).quantize(quant)
        summaries.append(ResourceMetricSummary(
            resource_id=resource_id, metric=metric, points=count, avg=avg, min=low, max=high,
            p95=Decimal(str(p95)).quantize(quant), period_start=start, period_end=end,
            tier=utilization_tier(metric, avg), updated_at=timezone.now()))
    ResourceMetricSummary.objects.bulk_create(
        summaries, batch_size=BATCH_SIZE, update_conflicts=True, unique_fields=["resource", "metric"],
        update_fields=["points", "avg", "min", "max", "p95", "period_start", "period_end", "tier", "updated_at"])


def utilization_tier(metric: str, average: Decimal) -> str:
    """CPU: low under 30 %, medium under 70 %, high above; other metrics have no tier."""
    if not metric.startswith("cpu"):
        return ""
    if average < 30:
        return UtilizationTier.LOW
    if average < 70:
        return UtilizationTier.MEDIUM
    return UtilizationTier.HIGH


def sync_run_execute(*, sync_run_id: int, plugin_options: dict[str, Any] | None = None) -> SyncRun | None:
    """Run a queued sync in the current (tenant) schema. A run not in ``queued`` is left alone, so a task
    delivered twice does nothing the second time."""
    now = timezone.now()
    claimed = SyncRun.objects.filter(pk=sync_run_id, status=SyncStatus.QUEUED).update(
        status=SyncStatus.RUNNING, started_at=now, phase=SyncPhase.ACCOUNT)
    if not claimed:
        return None
    run = SyncRun.objects.select_related("connection").get(pk=sync_run_id)
    connection = run.connection
    ProviderConnection.objects.filter(pk=connection.pk).update(status=ConnectionStatus.SYNCING)
    try:
        _Engine(run, connection, plugin_options or {}).execute()
    except Exception:
        logger.exception("sync %s of connection %s failed", run.pk, connection.pk)
        entry = {"endpoint": "", "code": SyncErrorCode.INTERNAL_ERROR.value,
                 "message": _("The synchronization failed unexpectedly.")}
        _finish_run(run, status=SyncStatus.ERROR, errors=[*(run.errors or []), entry], totals=None,
                    error_message=entry["message"], error_details={"code": SyncErrorCode.INTERNAL_ERROR.value})
        _connection_done(connection, ok=False, error=entry, now=timezone.now())
    run.refresh_from_db()
    return run
