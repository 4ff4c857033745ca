"""The provider-agnostic sync engine: orchestration only.

``sync_run_start`` queues a run (one per connection at a time: checked here and guaranteed by a partial
unique index); the django-q2 task calls ``sync_run_execute`` inside the organization's schema, which:

1. reads account information (stored on the connection);
2. walks ``plugin.endpoints()``, each isolated: a failing endpoint is recorded as
   ``{endpoint, code, message}`` and the others go on. Every record's ``provider_config`` is stripped of
   secrets here (``apps.common.secrets``), whatever the plugin did;
3. hands the records to the inventory (``apps.inventory.services.resource_sync``: the diff and the writes)
   and writes a ``ResourceState`` per resource, in one transaction. When every endpoint failed or the
   credentials were rejected nothing is written and the last good inventory stays;
4. fetches metrics for running resources (bounded per run) and hands them to the inventory;
5. runs the post-sync steps of ``settings.SYNC_POST_STEPS`` in order (the native cost import first), each
   isolated: a step that raises or returns error entries makes the run partial and undoes nothing.

Progress (phase, current endpoint, counts) is written with short autocommitted UPDATEs outside the
write transaction, so the API and the UI see it while the run works.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from apps.audit.services import audit_event_record
from apps.common.bulk import bulk_copy
from apps.common.cache import organization_data_changed
from apps.common.errors import ApplicationError
from apps.common.secrets import strip_secrets
from apps.common.tasks import enqueue_in_tenant
from apps.inventory.diff import IncomingResource, Key, ResourceChange, incoming_resource
from apps.inventory.selectors import metric_candidates, resource_totals
from apps.inventory.services import SyncWrite, metric_points_store, resource_sync
from apps.inventory.vocabulary import ResourceStatus

from . import registry
from .exceptions import ProviderError, ProviderErrorCode, SyncErrorCode
from .models import (
    ACTIVE_SYNC_STATUSES,
    ConnectionStatus,
    ProviderConnection,
    ResourceState,
    SyncPhase,
    SyncRun,
    SyncStatus,
    SyncTrigger,
)
from .plugins.base import Capability, ResourceRecord
from .runs import connection_sync_done, error_entry, internal_entry, sync_run_finish, sync_run_progress
from .services import connection_plugin

logger = logging.getLogger(__name__)


def _conflict() -> ApplicationError:
    return ApplicationError(_("A synchronization of this connection is already running."),
                            SyncErrorCode.ALREADY_RUNNING, http_status=409)


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


# --- execute ----------------------------------------------------------------------------------
def _without_secrets(record: ResourceRecord) -> ResourceRecord:
    config = strip_secrets(record.provider_config)
    return record if config is record.provider_config else dataclasses.replace(record, provider_config=config)


@dataclass
class _Fetched:
    incoming: dict[Key, IncomingResource] = field(default_factory=dict)
    listed_types: set[str] = field(default_factory=set)
    errors: list[dict[str, str]] = field(default_factory=list)
    endpoints_ok: int = 0
    endpoints_failed: int = 0
    auth_failed: bool = False


class _Engine:
    def __init__(self, run: SyncRun, connection: ProviderConnection, plugin_options: dict[str, Any]):
        self.run = run
        self.connection = connection
        self.spec = registry.get_spec(connection.provider)
        self.plugin = connection_plugin(connection, **plugin_options)
        self.now = timezone.now()

    def execute(self) -> None:
        fetched = self._fetch(account_error=self._account_info())
        if fetched.auth_failed or fetched.endpoints_ok == 0:
            self._finish(fetched, failed=True)
            return
        self._save(fetched)
        fetched.errors.extend(self._metrics(fetched))
        fetched.incoming.clear()  # stored now: the post-sync steps read the inventory, and may use the memory
        fetched.errors.extend(self._post_steps())
        self._finish(fetched, failed=False)

    def _account_info(self) -> dict[str, str] | None:
        if Capability.ACCOUNT_INFO not in self.spec.capabilities:
            return None
        sync_run_progress(self.run, phase=SyncPhase.ACCOUNT, current_endpoint="account_info")
        try:
            info = self.plugin.account_info()
        except ProviderError as exc:
            return error_entry("account_info", exc)
        self.connection.account_info = info.as_json()
        ProviderConnection.objects.filter(pk=self.connection.pk).update(account_info=self.connection.account_info)
        return None

    def _fetch(self, *, account_error: dict[str, str] | None) -> _Fetched:
        fetched = _Fetched()
        if account_error is not None:
            fetched.errors.append(account_error)
            fetched.auth_failed = account_error["code"] == ProviderErrorCode.AUTH.value
        endpoints = [] if fetched.auth_failed else list(self.plugin.endpoints())
        sync_run_progress(self.run, phase=SyncPhase.FETCHING, endpoints_total=len(endpoints), errors=fetched.errors)
        for endpoint in endpoints:
            sync_run_progress(self.run, current_endpoint=endpoint.name)
            try:
                records = endpoint.fetch()
            except ProviderError as exc:
                fetched.endpoints_failed += 1
                fetched.errors.append(error_entry(endpoint.name, exc))
                fetched.auth_failed |= exc.code == ProviderErrorCode.AUTH
            except Exception:  # a plugin bug must not stop the other endpoints
                logger.exception("sync %s: endpoint %s failed unexpectedly", self.run.pk, endpoint.name)
                fetched.endpoints_failed += 1
                fetched.errors.append(
                    internal_entry(endpoint.name, _("The provider's answer could not be processed.")))
            else:
                fetched.endpoints_ok += 1
                fetched.listed_types |= set(endpoint.resource_types)
                for record in records:
                    incoming = incoming_resource(_without_secrets(record))
                    if incoming is not None:
                        fetched.incoming[incoming.key] = incoming
            sync_run_progress(self.run, endpoints_ok=fetched.endpoints_ok, endpoints_failed=fetched.endpoints_failed,
                              resources_found=len(fetched.incoming), errors=fetched.errors)
        return fetched

    def _save(self, fetched: _Fetched) -> None:
        """The inventory diffs and writes; the run's ``ResourceState`` rows go in the same transaction."""
        sync_run_progress(self.run, phase=SyncPhase.SAVING, current_endpoint="")
        with transaction.atomic():
            written = resource_sync(connection=self.connection, incoming=fetched.incoming,
                                    listed_types=fetched.listed_types, now=self.now)
            bulk_copy(ResourceState, self._states(written))
            counts = written.plan.counts
            sync_run_progress(self.run, resources_created=counts["created"], resources_updated=counts["updated"],
                              resources_deleted=counts["deleted"], resources_unchanged=counts["unchanged"])

    def _states(self, written: SyncWrite) -> Iterator[ResourceState]:
        for change in (*written.plan.changes, *written.plan.deleted):
            yield self._state(change, resource_pk=written.pks[change.key])

    def _state(self, change: ResourceChange, *, resource_pk: int) -> ResourceState:
        new, old = change.incoming, change.existing
        state = ResourceState(
            sync_run=self.run, resource_id=resource_pk, resource_type=change.key[0], provider_resource_id=change.key[1],
            state=change.action.value, previous_state=change.before, current_state=change.after,
            changes=dict(change.changes or {}), cost_changed=change.cost_changed,
            status_changed=change.status_changed, config_changed=change.config_changed,
            previous_daily_cost=old.daily_cost if old else None,
            previous_monthly_cost=old.monthly_cost if old else None)
        if new is None:  # deleted: what was stored
            state.resource_name, state.service_name, state.region = old.resource_name, old.service_name, old.region
            state.status = ResourceStatus.DELETED
        else:
            r = new.record
            state.resource_name, state.service_name = r.resource_name[:255], r.service_name[:100]
            state.region, state.status = r.region[:100], r.status[:32]
            state.current_daily_cost, state.current_monthly_cost = new.baseline.daily_cost, new.baseline.monthly_cost
        return state

    def _metrics(self, fetched: _Fetched) -> list[dict[str, str]]:
        limit = int(getattr(settings, "SYNC_METRICS_MAX_RESOURCES", 200))
        if Capability.METRICS not in self.spec.capabilities or limit <= 0:
            return []
        candidates = metric_candidates(connection_id=self.connection.pk, limit=limit)
        if not candidates:
            return []
        sync_run_progress(self.run, phase=SyncPhase.METRICS, current_endpoint="metrics")
        errors: dict[str, dict[str, str]] = {}
        series = {}
        for pk, resource_type, resource_id in candidates:
            incoming = fetched.incoming.get((resource_type, resource_id))
            if incoming is None:
                continue
            try:
                series[pk] = self.plugin.metrics(incoming.record)
            except ProviderError as exc:
                entry = error_entry("metrics", exc)
                errors.setdefault(entry["endpoint"], entry)
        sync_run_progress(self.run, metric_points=metric_points_store(series=series, fetched_at=self.now))
        return list(errors.values())

    def _post_steps(self) -> list[dict[str, str]]:
        """``settings.SYNC_POST_STEPS``, read now (tests override it): ``step(run, *, plugin)`` returns error
        entries or ``None``; an exception is one internal error entry. Neither stops the next step."""
        errors: list[dict[str, str]] = []
        for path in getattr(settings, "SYNC_POST_STEPS", ()):
            name = path.rpartition(".")[2]
            try:
                found = import_string(path)(self.run, plugin=self.plugin) or []
            except Exception:  # one step's bug must not undo or stop the others
                logger.exception("sync %s: the post-sync step %s failed", self.run.pk, path)
                found = [internal_entry(name, _("A step after the synchronization failed."))]
            errors.extend({"endpoint": str(entry.get("endpoint") or name),
                           "code": str(entry.get("code") or SyncErrorCode.INTERNAL_ERROR.value),
                           "message": str(entry.get("message") or "")[:500]} for entry in found)
        return errors

    def _finish(self, fetched: _Fetched, *, failed: bool) -> None:
        errors = fetched.errors
        if failed:
            auth = next((e for e in errors if e["code"] == ProviderErrorCode.AUTH.value), None)
            first = auth or (errors[0] if errors else {
                "endpoint": "", "code": SyncErrorCode.ALL_ENDPOINTS_FAILED.value,
                "message": _("The provider listed no resources.")})
            sync_run_finish(self.run, status=SyncStatus.ERROR, errors=errors, error_message=first["message"],
                            error_details={"code": first["code"]})
        else:
            first = errors[0] if errors else None
            totals = resource_totals(connection_id=self.connection.pk)
            sync_run_finish(self.run, status=SyncStatus.PARTIAL if errors else SyncStatus.SUCCESS, errors=errors,
                            error_message=first["message"] if first else "", totals={
                                "total_daily_cost": totals["daily_cost"], "total_monthly_cost": totals["monthly_cost"],
                                "total_resources_by_type": totals["by_type"],
                                "total_resources_by_status": totals["by_status"]})
        connection_sync_done(self.connection, ok=not failed, error=first)


def sync_run_execute(*, sync_run_id: int, plugin_options: dict[str, Any] | None = None) -> SyncRun | None:
    """Run a queued sync in the current (tenant) schema. A run not in ``queued`` is left alone, so a task
    delivered twice does nothing the second time."""
    claimed = SyncRun.objects.filter(pk=sync_run_id, status=SyncStatus.QUEUED).update(
        status=SyncStatus.RUNNING, started_at=timezone.now(), phase=SyncPhase.ACCOUNT)
    if not claimed:
        return None
    run = SyncRun.objects.select_related("connection").get(pk=sync_run_id)
    connection = run.connection
    ProviderConnection.objects.filter(pk=connection.pk).update(status=ConnectionStatus.SYNCING)
    try:
        _Engine(run, connection, plugin_options or {}).execute()
    except Exception:
        logger.exception("sync %s of connection %s failed", run.pk, connection.pk)
        entry = internal_entry("", _("The synchronization failed unexpectedly."))
        sync_run_finish(run, status=SyncStatus.ERROR, errors=[*(run.errors or []), entry],
                        error_message=entry["message"], error_details={"code": SyncErrorCode.INTERNAL_ERROR.value})
        connection_sync_done(connection, ok=False, error=entry)
    organization_data_changed()  # the dashboard's and the explorer's cached figures are out of date
    run.refresh_from_db()
    _finished_steps(run)
    return run


def _finished_steps(run: SyncRun) -> None:
    """``settings.SYNC_FINISHED_STEPS``: ``step(run)`` once the run has its final status and errors (alerts about
    a failed sync); each isolated, a failure is logged and changes nothing."""
    for path in getattr(settings, "SYNC_FINISHED_STEPS", ()):
        try:
            import_string(path)(run)
        except Exception:  # the run is finished; a step's bug must not undo it
            logger.exception("sync %s: the finished-sync step %s failed", run.pk, path)
