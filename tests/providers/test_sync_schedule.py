from __future__ import annotations

import json

import pytest
from django_q.models import Schedule
from django_tenants.utils import schema_context

from apps.providers.models import SyncRun
from apps.providers.tasks import sync_scheduled

from .sync_helpers import create_connection, schema_of


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True


def _schedule(connection_id: int) -> Schedule | None:
    return Schedule.objects.filter(name=f"sync:{schema_of('alpha')}:{connection_id}").first()


def test_an_auto_synced_connection_gets_a_schedule_at_its_interval(w, token_client):
    client = token_client(w.alice, "alpha")
    connection_id = create_connection(client, "http://127.0.0.1:9")
    schedule = _schedule(connection_id)
    assert schedule is not None and schedule.minutes == 1440
    assert schedule.func == "apps.providers.tasks.sync_scheduled"
    client.patch(f"/api/v1/connections/{connection_id}/", json.dumps({"sync_interval_minutes": 60}),
                 content_type="application/json")
    assert _schedule(connection_id).minutes == 60
    client.patch(f"/api/v1/connections/{connection_id}/", json.dumps({"auto_sync": False}),
                 content_type="application/json")
    assert _schedule(connection_id) is None


def test_deleting_a_connection_deletes_its_schedule(w, token_client):
    client = token_client(w.alice, "alpha")
    connection_id = create_connection(client, "http://127.0.0.1:9")
    assert _schedule(connection_id) is not None
    client.delete(f"/api/v1/connections/{connection_id}/")
    assert _schedule(connection_id) is None


def test_the_scheduled_task_starts_a_scheduled_run_in_the_organization_schema(w, token_client):
    client = token_client(w.alice, "alpha")
    connection_id = create_connection(client, "http://127.0.0.1:9")
    schema_name, scheduled_id = eval(_schedule(connection_id).args)  # noqa: S307 -- what django-q2 literal_evals
    sync_scheduled(schema_name, scheduled_id)
    sync_scheduled(schema_name, scheduled_id)  # the second finds the first still queued and does nothing
    with schema_context(schema_of("alpha")):
        runs = list(SyncRun.objects.filter(connection_id=connection_id).values_list("trigger", "status"))
    assert runs == [("scheduled", "queued")]
