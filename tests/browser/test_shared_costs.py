"""Real Chromium against a real server: the owner opens «Общие расходы», fills a split by fixed shares, watches
the live total (90 % is refused, 100 % is fine), previews it and saves it."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.allocation.models import SharedCost
from apps.tenants.models import Organization
from apps.tenants.services import organization_create
from tests.browser.support import in_own_thread
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SLUG = "splitbrowser"


@pytest.fixture(scope="module")
def split_estate(world, django_db_blocker):
    with django_db_blocker.unblock():
        org = organization_create(slug=SLUG, name="Split Browser")
        owner = User.objects.create_user(email="sam@splitbrowser.test", password=PASSWORD, full_name="Sam Owner")
        Membership.objects.create(user=owner, organization=org, role=Role.OWNER)
        connection.set_schema_to_public()
    yield owner, org.schema_name
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        owner.delete()
        Organization.objects.get(pk=org.pk).delete(force_drop=True)


def test_a_fixed_split_through_the_form_with_the_live_total(split_estate, live_url, page, django_db_blocker):
    owner, schema = split_estate
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_url(SLUG, "/"))
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    page.goto(live_url(SLUG, "/business/shared-costs/"))
    assert page.locator("[data-splits-empty]").is_visible()
    page.locator("[data-split-new]").click()
    page.wait_for_load_state("networkidle")

    assert not page.locator("[data-split-target-percent]").first.is_visible()  # evenly: no percents
    assert not page.locator("[data-split-metric-field]").is_visible()
    page.fill("input[name=name]", "Сеть")
    page.locator("[data-split-cond-value]").first.fill("VPC")
    page.locator("[data-split-method][value=fixed]").check()
    assert page.locator("[data-split-target-percent]").first.is_visible()
    values = page.locator("[data-split-target-value]")
    percents = page.locator("[data-split-target-percent]")
    values.nth(0).fill("shop")
    values.nth(1).fill("crm")
    percents.nth(0).fill("60")
    percents.nth(1).fill("30")
    total = page.locator("[data-split-sum]")
    assert "90" in total.inner_text() and total.get_attribute("data-split-sum-ok") == "0"
    page.locator("[data-split-add-target]").click()
    values.nth(2).fill("lab")
    percents.nth(2).fill("10")
    assert "100" in total.inner_text() and total.get_attribute("data-split-sum-ok") == "1"
    page.locator("[data-split-remove]").last.click()  # lab goes again: 90 %
    assert total.get_attribute("data-split-sum-ok") == "0"

    page.locator("[data-split-save]").click()
    page.wait_for_load_state("networkidle")
    assert "Сумма долей 90 %, нужно 100 %." in page.content()
    page.locator("[data-split-target-percent]").nth(0).fill("70")

    page.locator("[data-split-preview]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-split-preview-result]").is_visible()
    assert page.locator("[data-split-preview-empty]").is_visible()  # no cost in this organization yet

    page.locator("[data-split-save]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-split-name]").inner_text() == "Сеть"
    assert not errors, errors

    found = []

    def read():
        with schema_context(schema):
            found.extend(SharedCost.objects.values_list("name", "method", "targets"))

    in_own_thread(read, django_db_blocker)
    assert found == [("Сеть", "fixed", [{"value": "shop", "percent": "70.00"}, {"value": "crm", "percent": "30.00"}])]
