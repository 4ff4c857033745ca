"""A sync evaluates the synced connection's resources as its post-sync step (``SYNC_POST_STEPS``)."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import schema_context

from apps.providers.plugins.yandex import client as yc
from apps.recommendations.models import EvaluationRun
from apps.recommendations.vocabulary import RunStatus, RunTrigger
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.yandex import DEMO_OAUTH_TOKEN, FakeYandex
from tests.providers.sync_helpers import run_sync

# The fake's inventory: 1 cloud, 2 folders, 4 VMs, 6 disks, 1 snapshot, 2 addresses.
RESOURCES = 16


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    yc.TOKEN_CACHE.clear()


@pytest.fixture
def fake_yandex():
    with FakeCloudServer(FakeYandex()) as server:
        yield server


def test_a_sync_leaves_an_evaluation_of_the_synced_connection(w, token_client, fake_yandex):
    client = token_client(w.alice, "alpha")
    body = {"provider": "yandex", "name": "Yandex Cloud", "endpoint": fake_yandex.url,
            "credentials": {"oauth_token": DEMO_OAUTH_TOKEN}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    connection_id = response.json()["id"]
    with schema_context(w.alpha.schema_name):
        assert not EvaluationRun.objects.exists()
    run = run_sync(client, connection_id)
    assert run["status"] == "success", run
    with schema_context(w.alpha.schema_name):
        evaluation = EvaluationRun.objects.get()
        assert evaluation.trigger == RunTrigger.SYNC and evaluation.connection_id == connection_id
        assert evaluation.status == RunStatus.SUCCESS and evaluation.errors == []
        assert evaluation.resources == RESOURCES and evaluation.finished_at is not None
    run_sync(client, connection_id)
    with schema_context(w.alpha.schema_name):
        assert EvaluationRun.objects.filter(trigger=RunTrigger.SYNC, connection_id=connection_id).count() == 2
