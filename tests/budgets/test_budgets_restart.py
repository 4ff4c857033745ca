"""A threshold never fires again after a restart: the evaluation runs in fresh `manage.py` processes (no state
but the database) against committed data, twice on the same day, then on a later day of the same month."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.budgets.models import BudgetEvent
from apps.budgets.services import budget_create
from apps.notifications.models import Alert, Channel
from apps.tenants.models import Organization
from apps.tenants.services import organization_create
from tests.budgets.conftest import daily_rows
from tests.processes import manage_process

pytestmark = pytest.mark.worker

SLUG = "budgetrestart"
EVALUATE = (
    "import json, os; from datetime import datetime; from zoneinfo import ZoneInfo; "
    "from django_tenants.utils import schema_context; from apps.budgets.services import budgets_evaluate; "
    "schema, moment = os.environ['BUDGET_SCHEMA'], os.environ['BUDGET_NOW']; "
    "ctx = schema_context(schema); ctx.__enter__(); "
    "print('COUNTS', json.dumps(budgets_evaluate(now=datetime.fromisoformat(moment).replace("
    "tzinfo=ZoneInfo('Europe/Moscow')))))"
)


@pytest.fixture(scope="module")
def committed(world, django_db_blocker):
    """An organization with 3 000 ₽ a day from 1 April to 27 June 2026, a 100 000 ₽ monthly budget and an email
    channel, committed so that other processes see them."""
    with django_db_blocker.unblock():
        org = organization_create(slug=SLUG, name="Budget Restart")
        with schema_context(org.schema_name):
            daily_rows(date(2026, 4, 1), date(2026, 6, 27), "3000")
            Channel.objects.create(kind="email", name="Финансы", address="fin@restart.test")
            budget = budget_create(actor=None, name="Облако", amount="100000", forecast_thresholds=[])
        connection.set_schema_to_public()
    yield org.schema_name, budget.pk
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        Organization.objects.get(pk=org.pk).delete(force_drop=True)


def _evaluate_in_a_new_process(schema: str, moment: str) -> dict:
    with manage_process("shell", "-c", EVALUATE, env={"BUDGET_SCHEMA": schema, "BUDGET_NOW": moment}) as process:
        output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    line = next(line for line in output.splitlines() if line.startswith("COUNTS "))
    return json.loads(line.removeprefix("COUNTS "))


def test_thresholds_fire_once_across_processes(committed, django_db_blocker):
    schema, budget_pk = committed
    # 20 June: 19 × 3 000 = 57 000 of 100 000 = 57 %: 50 % fires, once.
    assert _evaluate_in_a_new_process(schema, "2026-06-20T12:00:00") == {"budgets": 1, "events": 1, "alerts": 1}
    assert _evaluate_in_a_new_process(schema, "2026-06-20T12:00:00") == {"budgets": 1, "events": 0, "alerts": 0}
    # 28 June: 27 × 3 000 = 81 000 = 81 %: 80 % fires, 50 % does not again.
    assert _evaluate_in_a_new_process(schema, "2026-06-28T09:00:00") == {"budgets": 1, "events": 1, "alerts": 1}
    assert _evaluate_in_a_new_process(schema, "2026-06-28T09:00:00") == {"budgets": 1, "events": 0, "alerts": 0}
    with django_db_blocker.unblock(), schema_context(schema):
        events = sorted(BudgetEvent.objects.values_list("period_start", "kind", "threshold"))
        keys = sorted(Alert.objects.values_list("dedup_key", flat=True))
    connection.set_schema_to_public()
    assert events == [(date(2026, 6, 1), "actual", 50), (date(2026, 6, 1), "actual", 80)]
    assert keys == [f"budget:{budget_pk}:2026-06-01:actual:50", f"budget:{budget_pk}:2026-06-01:actual:80"]
