"""When the console's figures are recomputed: after a sync and a billing import of a client, nightly, on an
operator's request (queued: one task per client, each inside the client's schema) and synchronously
(``partner_clients_refresh_now``: seed_demo, tests, benchmarks)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from apps.common.tasks import enqueue_in_tenant
from apps.tenants.models import Organization

REFRESH_TASK = "apps.partners.tasks.client_figures_refresh_task"
TASK_PREFIX = "partners-refresh:"
QUEUE_LOOKAHEAD = 2000  # the queue is read this far for refreshes waiting already

logger = logging.getLogger(__name__)


def client_figures_refresh_task() -> None:
    """Queued in one client's schema."""
    from .refresh import client_figures_refresh

    client_figures_refresh()


def _clients(partner=None):
    qs = Organization.objects.filter(partner__isnull=False, is_active=True).exclude(schema_name="public")
    if partner is not None:
        qs = qs.filter(partner=partner)
    return qs.order_by("name")


def _queued_names() -> set[str]:
    """Names of the console refreshes waiting in the queue (django-q's ORM broker; not yet taken by a worker)."""
    if "orm" not in settings.Q_CLUSTER:  # another broker (Redis): queue anyway
        return set()
    from django.utils import timezone
    from django_q.models import OrmQ

    waiting = OrmQ.objects.filter(lock__lte=timezone.now()).order_by("id")[:QUEUE_LOOKAHEAD]
    names = set()
    for item in waiting:
        name = item.name() or ""
        if name.startswith(TASK_PREFIX):
            names.add(name)
    return names


def client_figures_enqueue(schema_name: str, *, queued: set[str] | None = None) -> bool:
    """Queue one client's refresh (after the current transaction commits); False when one waits already."""
    name = f"{TASK_PREFIX}{schema_name}"
    if name in (queued if queued is not None else _queued_names()):
        return False
    enqueue_in_tenant(schema_name, REFRESH_TASK, task_name=name)
    return True


def partner_clients_refresh(partner) -> int:
    """Queue a refresh of every client of ``partner`` (a client whose refresh waits already is not queued twice);
    returns how many clients."""
    clients = list(_clients(partner).values_list("schema_name", flat=True))
    queued = _queued_names()
    for schema in clients:
        client_figures_enqueue(schema, queued=queued)
    return len(clients)


def partner_clients_refresh_now(partner=None) -> int:
    """Refresh every client of ``partner`` (all partners' clients when None) now, in this process."""
    from .refresh import client_figures_refresh

    count = 0
    for organization in _clients(partner):
        with schema_context(organization.schema_name):
            client_figures_refresh()
        count += 1
    return count


def console_refresh_nightly_all() -> int:
    """The nightly schedule (public schema): queue a refresh of every partner's client."""
    with schema_context("public"):
        count = partner_clients_refresh(None)
    logger.info("Console figures refresh queued for %s client organizations", count)
    return count


def _enqueue_current_if_client() -> None:
    organization = (Organization.objects.filter(schema_name=connection.schema_name)
                    .values("partner_id").first())
    if organization and organization["partner_id"]:
        client_figures_enqueue(connection.schema_name)


def console_sync_finished_step(run) -> None:
    """``settings.SYNC_FINISHED_STEPS``: a client's sync finished (whatever its status: a failure changes its
    sync health), so its console row is out of date."""
    _enqueue_current_if_client()


def console_import_finished_step(billing_import) -> None:
    """``settings.IMPORT_FINISHED_STEPS``: a client's billing import finished successfully."""
    _enqueue_current_if_client()
