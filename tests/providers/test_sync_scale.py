from __future__ import annotations

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.inventory.models import Resource
from apps.providers.sync import sync_run_execute
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.beget import FakeBeget

from .sync_helpers import create_connection, fast_session, schema_of, start_sync


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    settings.SYNC_METRICS_MAX_RESOURCES = 3
    # The checks after a sync (tests/budgets/test_sync_checks.py) scale with the organization's ledger (the second
    # sync here meets two connections' costs), not with the synced resources this test measures.
    settings.SYNC_POST_STEPS = [s for s in settings.SYNC_POST_STEPS if s != "apps.budgets.checks.checks_sync_step"]


def _queries_of_a_sync(client, extra_vps: int, name: str) -> tuple[int, int]:
    with FakeCloudServer(FakeBeget(extra_vps=extra_vps, seed=7)) as server:
        connection_id = create_connection(client, server.url, name=name)
        run_id = start_sync(client, connection_id)
        with schema_context(schema_of("alpha")):
            with CaptureQueriesContext(db) as captured:
                sync_run_execute(sync_run_id=run_id, plugin_options={"session": fast_session()})
            found = Resource.objects.filter(connection_id=connection_id).count()
    return len(captured), found


def test_the_query_count_of_a_sync_does_not_grow_with_the_resource_count(w, token_client):
    client = token_client(w.alice, "alpha")
    small_queries, small = _queries_of_a_sync(client, 10, "Small")
    large_queries, large = _queries_of_a_sync(client, 200, "Large")
    assert (small, large) == (21, 211)
    assert large_queries == small_queries
