"""Alerts the lower layers cannot send themselves: a synchronization that failed or was partial.

``sync_failed_step`` is a step of ``settings.SYNC_FINISHED_STEPS`` (apps.providers.sync runs them once a run has
its final status and errors; the post-sync steps do not run when a sync fails, so they cannot report it)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from apps.providers.models import SyncRun, SyncStatus

from .links import absolute_url
from .services import alert_enqueue

MAX_ERRORS = 5


def sync_failed_text(run: SyncRun) -> tuple[str, str]:
    name = run.connection.name
    if run.status == SyncStatus.ERROR:
        title = _("Synchronization of %(name)s failed") % {"name": name}
    else:
        title = _("Synchronization of %(name)s was partial") % {"name": name}
    lines = [_("Connection: %(name)s") % {"name": name}]
    errors = [e for e in (run.errors or []) if isinstance(e, dict)]
    if errors:
        lines.append(_("Errors:"))
        for entry in errors[:MAX_ERRORS]:
            where = entry.get("endpoint") or "—"
            lines.append(f"• {where}: {entry.get('message') or entry.get('code') or ''}".rstrip())
        if len(errors) > MAX_ERRORS:
            lines.append(_("… and %(count)s more") % {"count": len(errors) - MAX_ERRORS})
    elif run.error_message:
        lines.append(run.error_message)
    return title, "\n".join(lines)


def sync_failed_step(run: SyncRun, *, plugin=None) -> list:
    """A «sync_failed» alert (dedup ``sync:<run id>``) when the run ended in error or partially."""
    if run.status not in (SyncStatus.ERROR, SyncStatus.PARTIAL):
        return []
    with translation.override(settings.LANGUAGE_CODE):
        title, text = sync_failed_text(run)
        alert_enqueue(kind="sync_failed", subject_type="sync_run", subject_id=str(run.pk),
                      dedup_key=f"sync:{run.pk}", title=title, text=text,
                      link=absolute_url(reverse("connection_history", args=[run.connection_id])))
    return []
