"""Real Chromium against a real server: the demo dashboard draws its chart, switches ranges and searches."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.demo.seeding import demo_costs_seed
from apps.tenants.models import Organization
from apps.tenants.services import organization_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NBSP = "\xa0"
SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS", "")
SLUG = "dashbrowser"


@pytest.fixture(scope="module")
def demo_estate(world, django_db_blocker):
    with django_db_blocker.unblock():
        org = organization_create(slug=SLUG, name="Dash Browser")
        owner = User.objects.create_user(email="olga@dashbrowser.test", password=PASSWORD, full_name="Olga Owner")
        Membership.objects.create(user=owner, organization=org, role=Role.OWNER)
        with schema_context(org.schema_name):
            demo_costs_seed()
        connection.set_schema_to_public()
    yield owner
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        owner.delete()
        Organization.objects.get(pk=org.pk).delete(force_drop=True)


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"dashboard-{name}.png"), full_page=True)


# demo_estate first: it must be set up before (and torn down after) the browser's event loop, which gives
# Django another connection context.
def test_owner_sees_the_demo_dashboard_chart_and_switches_to_7_days(demo_estate, live_url, page):
    page.goto(live_url(SLUG, "/"))
    page.fill("input[name=login]", demo_estate.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    total = page.locator("[data-kpi=total] .dash-kpi-value")
    assert total.inner_text() == f"117{NBSP}150,00{NBSP}₽"
    assert page.locator("[data-kpi-change]").inner_text().endswith(f"\u221212,5{NBSP}%")
    # Chart.js drew into the canvas (it sets the canvas size from the layout).
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('dash-chart'))")
    datasets = page.evaluate("() => Chart.getChart(document.getElementById('dash-chart')).data.datasets.length")
    assert datasets == 3  # two providers + the previous period
    # The chart formats numbers with the pages' rules (static/js/format.js).
    assert page.evaluate("() => InfraZenFormat.money(-20170, 'RUB')") == f"\u221220{NBSP}170,00{NBSP}₽"
    assert page.evaluate("() => InfraZenFormat.money(1234.5, 'USD')") == f"1{NBSP}234,50{NBSP}$"
    assert page.evaluate("() => InfraZenFormat.percent(9322.66)") == f"9{NBSP}322,7{NBSP}%"
    assert page.evaluate("() => InfraZenFormat.money(-0.004, 'RUB')") == f"0,00{NBSP}₽"
    tick = page.evaluate("() => Chart.getChart(document.getElementById('dash-chart')).scales.y.ticks.at(-1).label")
    assert tick.endswith(f"{NBSP}₽") and "\u202f" not in tick
    assert page.locator("[data-provider-add]").count() == 1
    _shot(page, "30-days")

    with page.expect_navigation():
        page.select_option("#range-select", "7")
    assert "range=7" in page.url
    assert total.inner_text() != f"117{NBSP}150,00{NBSP}₽"
    _shot(page, "7-days")

    page.fill("#dash-q", "analytics")
    with page.expect_navigation():
        page.press("#dash-q", "Enter")
    assert page.locator("[data-resource]").count() == 1
    assert "analytics-spb" in page.locator("#resources").inner_text()


def test_money_with_kopecks_fits_and_the_year_is_not_compared_at_both_widths(demo_estate, live_url, page):
    """The demo's 13 months against the 365 days before them: «Недостаточно истории» on the dashboard and in the
    explorer alike, and the longer figures (kopecks everywhere) never widen a page past the window."""
    page.goto(live_url(SLUG, "/"))
    page.fill("input[name=login]", demo_estate.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    for width in (1440, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_url(SLUG, "/?range=365"))
        assert page.locator("[data-kpi-nocompare]").count() == 1
        assert page.locator("[data-kpi-change]").count() == 0
        page.goto(live_url(SLUG, "/costs/?period=365d"))
        assert page.locator("[data-cx-nocompare]").count() == 1
        assert page.locator("[data-cx-change]").count() == 0
        _shot(page, f"explorer-365-{width}")
        # The explorer's own layout at 390 px is the layout work's (issue 9, point 6); these two carry the money.
        for path in ("/", "/resources/"):
            page.goto(live_url(SLUG, path))
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (width, path, overflow)
        _shot(page, f"resources-{width}")
