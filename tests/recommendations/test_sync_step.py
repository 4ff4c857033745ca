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


def test_a_sync_that_changed_nothing_is_not_evaluated_again_until_something_changes(w, token_client, time_machine):
    """A generic OpenStack cloud without Gnocchi or prices: an unchanged re-sync stores no metric point and no cost,
    so the evaluation of the first sync still holds; a rule setting changed since, or a new ledger row, evaluates."""
    from datetime import UTC, date, datetime

    from apps.recommendations.models import RuleSetting
    from tests.costs.explorer_data import ledger, row
    from tests.fakecloud.openstack import DEMO_PROJECT_ID, DEMO_USER_PASSWORD, DEMO_USERNAME, FakeOpenStack

    time_machine.move_to(datetime(2030, 6, 14, 9, 0, tzinfo=UTC), tick=True)
    client = token_client(w.alice, "alpha")
    with FakeCloudServer(FakeOpenStack(servers=2, regions=("RegionOne",))) as server:
        body = {"provider": "openstack", "name": "OpenStack", "credentials": {
            "auth_url": f"{server.url}/openstack/identity/v3", "username": DEMO_USERNAME,
            "password": DEMO_USER_PASSWORD, "project_id": DEMO_PROJECT_ID}}
        connection_id = client.post("/api/v1/connections/", json.dumps(body),
                                    content_type="application/json").json()["id"]

        def evaluations() -> int:
            with schema_context(w.alpha.schema_name):
                return EvaluationRun.objects.filter(trigger=RunTrigger.SYNC, connection_id=connection_id).count()

        assert run_sync(client, connection_id)["resources_created"] > 0 and evaluations() == 1
        second = run_sync(client, connection_id)
        assert second["status"] == "success" and second["resources_unchanged"] == second["resources_found"]
        assert evaluations() == 1  # nothing the rules read changed
        with schema_context(w.alpha.schema_name):
            RuleSetting.objects.create(rule="idle_vm", enabled=False)
        run_sync(client, connection_id)
        assert evaluations() == 2  # a rule setting changed since
        run_sync(client, connection_id)
        assert evaluations() == 2
        with schema_context(w.alpha.schema_name):
            ledger([row(date(2030, 6, 13), "5")])
        run_sync(client, connection_id)
        assert evaluations() == 3  # the ledger has a row the last evaluation did not see
