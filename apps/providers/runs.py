"""The bookkeeping of a sync run: its progress, its error entries and its outcome on the run and the
connection. Used by the engine (``apps.providers.sync``) and by post-sync steps."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .exceptions import ProviderError, SyncErrorCode
from .models import ConnectionStatus, ProviderConnection, SyncPhase, SyncRun


def sync_run_progress(run: SyncRun, **fields: Any) -> None:
    """A short autocommitted UPDATE of ``run`` (and the instance): visible to other connections while the
    run works. Post-sync steps use it for their phase and counts."""
    for key, value in fields.items():
        setattr(run, key, value)
    SyncRun.objects.filter(pk=run.pk).update(**fields)


def error_entry(endpoint: str, exc: ProviderError) -> dict[str, str]:
    """A provider failure as one of the run's ``errors``."""
    return {"endpoint": exc.endpoint or endpoint, "code": exc.code.value, "message": str(exc)[:500]}


def internal_entry(endpoint: str, message: str) -> dict[str, str]:
    """An unexpected failure (logged by the caller) as one of the run's ``errors``."""
    return {"endpoint": endpoint, "code": SyncErrorCode.INTERNAL_ERROR.value, "message": message}


def sync_run_finish(run: SyncRun, *, status: str, errors: list[dict[str, str]], totals: dict[str, Any] | None = None,
                    error_message: str = "", error_details: dict[str, Any] | None = None) -> None:
    finished = timezone.now()
    sync_run_progress(
        run, status=status, phase=SyncPhase.DONE, current_endpoint="", errors=errors, finished_at=finished,
        error_message=error_message[:2000], error_details=error_details or {},
        duration_seconds=int((finished - (run.started_at or finished)).total_seconds()), **(totals or {}))


def connection_sync_done(connection: ProviderConnection, *, ok: bool, error: dict[str, str] | None) -> None:
    """The connection's status after a run: ``ok`` keeps the first error of a partial run as its last one."""
    now = timezone.now()
    fields: dict[str, Any] = {"last_sync_at": now, "updated_at": now}
    if ok:
        fields.update(status=ConnectionStatus.OK, last_error_code=error["code"] if error else "",
                      last_error=error["message"] if error else "")
    else:
        fields.update(status=ConnectionStatus.ERROR, last_error_code=(error or {}).get("code", "")[:64],
                      last_error=(error or {}).get("message", "")[:2000])
    ProviderConnection.objects.filter(pk=connection.pk).update(**fields)
