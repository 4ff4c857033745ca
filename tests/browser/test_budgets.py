"""Real Chromium against a real server: the owner opens «Бюджеты» from the navigation, creates a budget through
the form (an amount of zero is refused in Russian first), lands on the budget's page with its chart, and sees the
budget among the dashboard's cards."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.budgets.models import Budget
from apps.demo.seeding import demo_costs_seed
from apps.tenants.models import Organization
from apps.tenants.services import organization_create
from tests.browser.support import in_own_thread
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SLUG = "budgetbrowser"


@pytest.fixture(scope="module")
def budget_estate(world, django_db_blocker):
    with django_db_blocker.unblock():
        org = organization_create(slug=SLUG, name="Budget Browser")
        owner = User.objects.create_user(email="bella@budgetbrowser.test", password=PASSWORD,
                                         full_name="Bella Owner")
        Membership.objects.create(user=owner, organization=org, role=Role.OWNER)
        with schema_context(org.schema_name):
            demo_costs_seed()
        connection.set_schema_to_public()
    yield owner, org.schema_name
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        owner.delete()
        Organization.objects.get(pk=org.pk).delete(force_drop=True)


def test_create_a_budget_through_the_form_and_see_it_on_the_dashboard(budget_estate, live_url, page,
                                                                      django_db_blocker):
    owner, schema = budget_estate
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_url(SLUG, "/"))
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-dash-budgets-empty]").is_visible()

    page.get_by_role("link", name="Бюджеты").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-budgets-empty]").is_visible()
    page.locator("[data-budget-new]").click()
    page.wait_for_load_state("networkidle")

    page.fill("input[name=name]", "Облако на месяц")
    page.fill("input[name=amount]", "0")
    page.locator("[data-budget-save]").click()
    page.wait_for_load_state("networkidle")
    assert "Сумма бюджета должна быть больше нуля." in page.content()

    page.fill("input[name=amount]", "250 000")
    page.select_option("select[name=period]", "month")
    page.locator("[data-budget-save]").click()
    page.wait_for_load_state("networkidle")
    assert "Бюджет создан." in page.content()
    assert page.locator("#budget-chart").is_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('budget-chart'))")

    found = []

    def read():
        with schema_context(schema):
            found.extend(Budget.objects.values_list("pk", "name", "amount"))

    in_own_thread(read, django_db_blocker)
    assert [(name, str(amount)) for _pk, name, amount in found] == [("Облако на месяц", "250000.00")]
    budget_pk = found[0][0]

    page.goto(live_url(SLUG, "/"))
    page.wait_for_load_state("networkidle")
    card = page.locator(f"[data-dash-budget='{budget_pk}']")
    assert card.is_visible()
    assert "Облако на месяц" in card.inner_text()
    assert "250 000,00 ₽" in card.inner_text().replace("\xa0", " ")
    assert errors == []
