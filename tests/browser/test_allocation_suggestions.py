"""Real Chromium against a real server: the owner of alpha opens «Предложения по распределению» over a small
ledger, reads the coverage, accepts the «prod by name» suggestion in one click, the queued recalculation of the
history runs (here directly in the test database, as the worker would), and after a reload the coverage went up
and the explorer grouped by ``alloc:environment`` shows the new «prod» group with its hand-computed total."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.browser.support import in_own_thread
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NBSP = "\xa0"
NAMES = {"shop-prod-web": "300", "crm-prod-db": "100", "shop-dev-api": "60", "legacy-box": "40"}


def _named(day, billed, name):
    from tests.costs.explorer_data import row

    record = row(day, billed, resource=name, account="acc-browser-sugg")
    record.resource_name = name
    record.source_key = "test:browser-suggestions"
    return record


@pytest.fixture
def alpha_ledger(world, django_db_blocker):
    """A small ledger in alpha (yesterday, Moscow time), committed; every trace removed afterwards."""
    day = timezone.localdate() - timedelta(days=1)
    schema = world.alpha.schema_name

    def setup():
        from apps.allocation.models import Dimension
        from apps.allocation.services import definitions_changed
        from apps.costs.services.rollups import cost_rollups_refresh
        from tests.costs.explorer_data import ledger

        with schema_context(schema):
            # shop-*: business unit shop by a rule already, environment still missing everywhere
            from apps.allocation.models import Rule

            assert Dimension.objects.filter(key="environment").exists()
            Rule.objects.create(order=1, name="shop", conditions=[{"field": "name", "op": "regex",
                                                                    "value": "^shop-"}],
                                actions={"business_unit": "shop"})
            Rule.objects.create(order=2, name="crm", conditions=[{"field": "name", "op": "regex", "value": "^crm-"}],
                                actions={"business_unit": "crm"})
            ledger([_named(day, amount, name) for name, amount in NAMES.items()])
            definitions_changed()
            cost_rollups_refresh(start=day, end=day, fetch_missing_rates=False)
        connection.set_schema_to_public()

    def cleanup():
        from apps.allocation.models import DimensionValue, Rule
        from apps.allocation.services import definitions_changed
        from apps.audit.models import AuditEvent
        from apps.costs.models import CostRecord
        from apps.costs.services.rollups import cost_rollups_refresh

        with schema_context(schema):
            CostRecord.objects.filter(source_key="test:browser-suggestions").delete()
            Rule.objects.all().delete()
            DimensionValue.objects.filter(dimension__key="environment", value="prod").delete()
            AuditEvent.objects.filter(action="allocation.suggestion_accepted").delete()
            definitions_changed()
            cost_rollups_refresh(start=day, end=day, fetch_missing_rates=False)
        connection.set_schema_to_public()

    in_own_thread(setup, django_db_blocker)
    try:
        yield day, schema
    finally:
        in_own_thread(cleanup, django_db_blocker)


def _coverage(page) -> int:
    text = page.locator("[data-coverage-share]").inner_text().replace(NBSP, " ")
    found = re.search(r"Распределено (\d+) % затрат", text)
    assert found, text
    return int(found.group(1))


def test_accept_a_suggestion_and_see_coverage_and_the_explorer_change(alpha_ledger, live_url, page,
                                                                     django_db_blocker):
    day, schema = alpha_ledger
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_url("alpha", "/business/suggestions/"))
    page.fill("input[name=login]", "alice@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_url(live_url("alpha", "/business/suggestions/"))
    page.wait_for_load_state("networkidle")

    # Nothing has an environment yet: overall coverage (business unit and environment) is 0 %.
    assert _coverage(page) == 0
    card = page.locator("[data-suggestion]", has_text="Окружение prod по имени: 2 ресурса")
    assert card.count() == 1
    # shop-prod-web 300 + crm-prod-db 100
    assert f"+400,00{NBSP}₽" in card.locator("[data-suggestion-gain]").inner_text()
    assert "shop-prod-web, crm-prod-db" in card.locator("[data-suggestion-examples]").inner_text()

    card.locator("[data-suggestion-accept]").click()
    page.wait_for_load_state("networkidle")
    assert "история пересчитывается" in page.locator("body").inner_text()
    assert page.locator("[data-suggestion]", has_text="Окружение prod по имени").count() == 0

    def recalculate():
        from apps.allocation.models import AllocationState
        from apps.costs.services.allocation_apply import allocation_history_apply

        with schema_context(schema):
            assert AllocationState.objects.get().status in ("queued", "idle")
            allocation_history_apply()
        connection.set_schema_to_public()

    in_own_thread(recalculate, django_db_blocker)

    page.reload()
    page.wait_for_load_state("networkidle")
    # shop-prod-web 300 + crm-prod-db 100 now have both dimensions: 400 of 500 = 80 %
    assert _coverage(page) == 80

    page.goto(live_url("alpha", f"/costs/?start={day.isoformat()}&end={day.isoformat()}"
                                "&group_by=alloc:environment&currency=org"))
    page.wait_for_load_state("networkidle")
    prod = page.locator("tr[data-group='prod']")
    assert prod.count() == 1
    assert f"400,00{NBSP}₽" in prod.inner_text()
    unallocated = page.locator("tr[data-group='']")
    assert f"100,00{NBSP}₽" in unallocated.inner_text()
    assert errors == []
