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


def _already_queued(schema_name: str) -> bool:
    """A refresh of this client waits in the queue already (django-q's ORM broker): no need for a second one."""
    if "orm" not in settings.Q_CLUSTER:  # another broker (Redis): queue anyway
        return False
    from django.utils import timezone
    from django_q.models import OrmQ

    name = f"partners-refresh:{schema_name}"
    waiting = OrmQ.objects.filter(lock__lte=timezone.now())[:500]  # not yet taken by a worker
    return any(item.name() == name for item in waiting)


def client_figures_enqueue(schema_name: str) -> bool:
    """Queue one client's refresh (after the current transaction commits); False when one is queued already."""
    if _already_queued(schema_name):
        return False
    enqueue_in_tenant(schema_name, REFRESH_TASK, task_name=f"partners-refresh:{schema_name}")
    return True


def partner_clients_refresh(partner) -> int:
    """Queue a refresh of every client of ``partner``; returns how many clients."""
    clients = list(_clients(partner).values_list("schema_name", flat=True))
    for schema in clients:
        client_figures_enqueue(schema)
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
