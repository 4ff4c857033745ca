"""A real django-q2 worker process runs tenant tasks inside the right schema, and only there.

No ``db``/``transactional_db`` here: the task is written by another process, so the organizations and the
queued task must be committed; the organizations are dropped again at teardown.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.common.tasks import enqueue_in_tenant
from apps.tenants.services import organization_create
from tests import processes

ACTION = "worker.test"
HERE = "worker.test.current-schema"


def audit_in_current_schema(action: str) -> None:
    """Task body that does not pick a schema itself: it writes wherever run_in_tenant put it."""
    AuditEvent.objects.create(action=action, target=connection.schema_name)


@pytest.fixture
def two_organizations(world, django_db_blocker):
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        first = organization_create(slug="worker-a", name="Worker A")
        second = organization_create(slug="worker-b", name="Worker B")
    try:
        yield first, second
    finally:
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            for organization in (first, second):
                organization.delete(force_drop=True)
            connection.set_schema_to_public()


def _events(schema_name: str, action: str = ACTION) -> int:
    with schema_context(schema_name):
        return AuditEvent.objects.filter(action=action).count()


@pytest.mark.worker
def test_task_enqueued_for_one_organization_writes_into_its_schema_only(two_organizations, django_db_blocker):
    first, second = two_organizations
    with processes.worker_process() as worker, django_db_blocker.unblock():
        assert _events(first.schema_name) == 0
        assert _events(second.schema_name) == 0
        assert not connection.in_atomic_block  # so on_commit enqueues right away
        enqueue_in_tenant(
            first.schema_name,
            "apps.audit.services.audit_event_record",
            schema_name=first.schema_name,
            action=ACTION,
            target="from-the-worker",
        )
        enqueue_in_tenant(first.schema_name, f"{__name__}.audit_in_current_schema", HERE)

        processes.wait_for(lambda: _events(first.schema_name) and _events(first.schema_name, HERE), worker,
                           seconds=60)

        assert _events(first.schema_name) == 1
        with schema_context(first.schema_name):
            assert AuditEvent.objects.get(action=ACTION).target == "from-the-worker"
        assert _events(second.schema_name) == 0
        with schema_context(first.schema_name):
            assert AuditEvent.objects.get(action=HERE).target == first.schema_name
        for schema in (second.schema_name, "tenant_template"):
            assert _events(schema, HERE) == 0
