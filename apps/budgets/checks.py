"""The checks: the evaluation that turns costs into alerts (anomalies, balance runway, budgets ...), nightly for
every organization and on demand (``python manage.py run_checks --org SLUG``).

``settings.CHECKS_STEPS`` lists the steps, dotted paths of ``step(*, now) -> dict of counts``, run in order in the
organization's schema. Each is isolated: a step that raises is logged and reported, and the next one still runs.
The steps only enqueue alerts (``apps.notifications.services.alert_enqueue``, deduplicated per channel); the
worker's minute schedule, or ``run_checks`` itself, delivers them.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

from apps.common.tasks import enqueue_in_tenant

logger = logging.getLogger(__name__)


def checks_run(now: datetime | None = None) -> dict[str, Any]:
    """Run every step of ``settings.CHECKS_STEPS`` in the current (organization) schema.

    Returns ``{"steps": {path: counts}, "errors": {path: "ExceptionType: message"}}``: a failing step is in
    ``errors`` (and logged), the others ran."""
    now = now or timezone.now()
    result: dict[str, Any] = {"steps": {}, "errors": {}}
    # Alerts are written in the service's language (Russian by default), whoever runs the checks.
    with translation.override(settings.LANGUAGE_CODE):
        for path in getattr(settings, "CHECKS_STEPS", ()):
            try:
                counts = import_string(path)(now=now)
            except Exception as exc:  # one step's failure must not stop the others
                logger.exception("checks: the step %s failed", path)
                result["errors"][path] = f"{type(exc).__name__}: {str(exc)[:300]}"
                continue
            result["steps"][path] = dict(counts or {})
    return result


def checks_nightly_task() -> dict[str, Any]:
    """In the organization's schema (queued by ``checks_nightly_all``)."""
    return checks_run()


def checks_nightly_all() -> int:
    """The nightly schedule (public schema): queue the checks in each organization's schema; returns how many."""
    public = get_public_schema_name()
    with schema_context(public):
        schemas = list(get_tenant_model().objects.exclude(schema_name=public).values_list("schema_name", flat=True))
    for schema in schemas:
        enqueue_in_tenant(schema, "apps.budgets.checks.checks_nightly_task", task_name=f"checks-nightly:{schema}")
    logger.info("Nightly checks queued for %s organizations", len(schemas))
    return len(schemas)


def checks_sync_step(run, *, plugin=None) -> list[dict[str, str]]:
    """Post-sync step (``settings.SYNC_POST_STEPS``, after the cost import): run the checks for the synced
    organization (in its schema) with the fresh costs. The checks isolate their own steps and log what fails: a
    failing check is not a failure of the sync, so nothing is reported on the run."""
    result = checks_run(timezone.now())
    if result["errors"]:
        logger.warning("checks after the sync %s: %s", getattr(run, "pk", None), result["errors"])
    return []
