"""A sync runs the checks for the synced organization as a post-sync step (``SYNC_POST_STEPS``): after a sync
against the fake Yandex Cloud, a budget whose threshold the ledger's costs cross has its event and alert."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from apps.budgets import services
from apps.budgets.models import BudgetEvent
from apps.notifications.models import Alert, Channel
from apps.providers.plugins.yandex import client as yc
from tests.budgets.conftest import JUNE_20, daily_rows
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.yandex import DEMO_OAUTH_TOKEN, FakeYandex
from tests.providers.sync_helpers import run_sync

STEP = "apps.budgets.checks.checks_sync_step"


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    yc.TOKEN_CACHE.clear()


@pytest.fixture
def fake_yandex():
    with FakeCloudServer(FakeYandex()) as server:
        yield server


def test_the_step_runs_after_the_cost_import():
    steps = settings.SYNC_POST_STEPS
    assert STEP in steps
    assert steps.index(STEP) > steps.index("apps.costs.services.provider_costs.provider_costs_sync_step")


def test_a_sync_runs_the_checks_of_the_synced_organization(w, token_client, fake_yandex, time_machine):
    time_machine.move_to(JUNE_20, tick=True)
    with schema_context(w.alpha.schema_name):
        # 3 000 ₽ a day from 1 to 19 June: 57 000 ₽ of a 100 000 ₽ budget = 57 %, the 50 % threshold is crossed.
        daily_rows(date(2026, 6, 1), date(2026, 6, 19), "3000")
        Channel.objects.create(kind="email", name="Финансы", address="fin@alpha.test")
        budget = services.budget_create(actor=w.alice, name="Облако", amount="100000")
        assert not BudgetEvent.objects.exists()
    with schema_context(w.beta.schema_name):
        daily_rows(date(2026, 6, 1), date(2026, 6, 19), "3000")
        other = services.budget_create(actor=w.alice, name="Бета", amount="100000")
    client = token_client(w.alice, "alpha")
    body = {"provider": "yandex", "name": "Yandex Cloud", "endpoint": fake_yandex.url,
            "credentials": {"oauth_token": DEMO_OAUTH_TOKEN}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    run = run_sync(client, response.json()["id"])
    assert run["status"] == "success", run
    with schema_context(w.alpha.schema_name):
        assert [(e.period_start, e.kind, e.threshold) for e in BudgetEvent.objects.filter(budget=budget)] == [
            (date(2026, 6, 1), "actual", 50)]
        assert list(Alert.objects.values_list("dedup_key", flat=True)) == [
            f"budget:{budget.pk}:2026-06-01:actual:50"]
    with schema_context(w.beta.schema_name):  # only the synced organization is checked
        assert not BudgetEvent.objects.filter(budget=other).exists()
