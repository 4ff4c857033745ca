"""django-q2 entry points: an evaluation queued from the API, after a sync, and nightly for every organization."""

from __future__ import annotations

import logging

from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

from apps.common.tasks import enqueue_in_tenant

from .models import EvaluationRun
from .vocabulary import RunTrigger

logger = logging.getLogger(__name__)


def evaluation_execute_task(run_id: int) -> None:
    """Queued by ``evaluation_start`` (runs in the organization's schema)."""
    from .services import evaluation_execute

    run = EvaluationRun.objects.filter(pk=run_id).first()
    if run is None or run.status not in ("queued",):
        return
    evaluation_execute(run=run)


def evaluation_nightly_task() -> None:
    """In the organization's schema: the whole organization, as the nightly schedule asks."""
    from .services import evaluate_now

    evaluate_now(trigger=RunTrigger.NIGHTLY)


def evaluation_nightly_all() -> int:
    """The nightly schedule (public schema): queue one evaluation per organization; returns how many."""
    public = get_public_schema_name()
    with schema_context(public):
        schemas = list(get_tenant_model().objects.exclude(schema_name=public).values_list("schema_name", flat=True))
    for schema in schemas:
        enqueue_in_tenant(schema, "apps.recommendations.tasks.evaluation_nightly_task",
                          task_name=f"recommendations-nightly:{schema}")
    logger.info("Nightly evaluation queued for %s organizations", len(schemas))
    return len(schemas)


def recommendations_sync_step(run, *, plugin=None):
    """Post-sync step (``settings.SYNC_POST_STEPS``): evaluate the synced connection's resources now, unless the
    sync changed nothing the last evaluation read (``evaluation_still_current``)."""
    from .services import evaluate_now, evaluation_still_current

    if evaluation_still_current(connection=run.connection, sync_run=run):
        logger.info("sync %s changed nothing since the last evaluation: not evaluated again", run.pk)
        return []
    evaluation = evaluate_now(trigger=RunTrigger.SYNC, connection=run.connection)
    # A rule that fails is recorded on the evaluation run (the recommendations page shows it), not on the sync.
    return [] if evaluation else None


