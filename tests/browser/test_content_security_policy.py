"""Real Chromium under the Content-Security-Policy: the pages work and the browser reports no violation."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.demo.seeding import demo_costs_seed
from apps.inventory.models import Resource
from apps.tenants.models import Organization
from apps.tenants.services import organization_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SLUG = "cspbrowser"


@pytest.fixture(scope="module")
def csp_estate(world, django_db_blocker):
    with django_db_blocker.unblock():
        org = organization_create(slug=SLUG, name="CSP Browser")
        owner = User.objects.create_user(email="olga@cspbrowser.test", password=PASSWORD, full_name="Olga Owner")
        Membership.objects.create(user=owner, organization=org, role=Role.OWNER)
        with schema_context(org.schema_name):
            demo_costs_seed()
            resource_pk = Resource.objects.order_by("pk").values_list("pk", flat=True).first()
            finding_pk = _finding(resource_pk)
        connection.set_schema_to_public()
    yield owner, resource_pk, finding_pk
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        owner.delete()
        Organization.objects.get(pk=org.pk).delete(force_drop=True)


def _finding(resource_pk: int) -> int:
    """A finding whose page draws an hour-of-week chart and carries the lifecycle forms."""
    from django.utils import timezone

    from apps.recommendations.models import Finding

    now = timezone.now()
    return Finding.objects.create(
        rule="off_hours_schedule", subject=str(resource_pk), category="schedule", status="open",
        resource_id=resource_pk, provider="yandex", action="schedule", title="Выключать ночью",
        estimated_monthly_savings="2100.00", evidence={"profile": [str(n % 24) for n in range(168)]},
        first_seen_at=now, last_seen_at=now, status_changed_at=now).pk


def watch_violations(page) -> list[str]:
    """Chromium reports each blocked script, style or connection as a console error and a page event."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: seen.append(message.text)
        if message.type == "error" and "Content Security Policy" in message.text
        else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    return seen


def log_in(page, live_url, email):
    page.goto(live_url(SLUG, "/"))
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


def test_swagger_ui_renders_the_operations_under_the_policy(csp_estate, live_url, page):
    violations = watch_violations(page)
    response = page.goto(live_url(SLUG, "/api/docs/"))
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock", timeout=30000)
    assert page.locator(".opblock").count() > 10
    assert page.locator(".opblock-summary-path[data-path='/api/v1/auth/token/']").count() >= 1
    assert violations == []


def test_the_dashboard_chart_and_every_page_render_without_a_policy_violation(csp_estate, live_url, page):
    owner, resource_pk, finding_pk = csp_estate
    violations = watch_violations(page)
    log_in(page, live_url, owner.email)

    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('dash-chart'))")
    datasets = page.evaluate("() => Chart.getChart(document.getElementById('dash-chart')).data.datasets.length")
    assert datasets == 3
    # A bar keeps its width from its class, a provider tile its brand colour from providers/brands.css.
    width = page.evaluate("() => getComputedStyle(document.querySelector('.dash-bar-service')).width")
    assert width != "0px"
    colour = page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-provider-logo=yandex]'))"
        ".getPropertyValue('--provider-color').trim()"
    )
    assert colour.startswith("#")
    assert violations == []

    for path in (
        "/costs/",
        "/costs/imports/",
        "/connections/",
        "/resources/",
        f"/resources/{resource_pk}/",
        "/settings/members/",
        "/settings/audit/",
        "/settings/api-tokens/",
        "/settings/notifications/",
        "/recommendations/",
    ):
        page.goto(live_url(SLUG, path))
        page.wait_for_load_state("networkidle")
        assert violations == [], path

    # A finding's page draws its evidence chart (the hour-of-week profile) from the external script.
    page.goto(live_url(SLUG, f"/recommendations/{finding_pk}/"))
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas[data-reco-chart]'))")
    bars = page.evaluate("() => Chart.getChart(document.querySelector('canvas[data-reco-chart]')).data.labels.length")
    assert bars == 168
    assert violations == []


def test_an_api_token_is_shown_once_and_then_listed_by_its_prefix(csp_estate, live_url, page):
    owner, _resource, _finding_pk = csp_estate
    violations = watch_violations(page)
    log_in(page, live_url, owner.email)
    page.goto(live_url(SLUG, "/settings/api-tokens/"))
    page.fill("input[name=name]", "Grafana")
    with page.expect_navigation():
        page.get_by_role("button", name="Создать токен").click()
    secret = page.input_value("#api-token-secret")
    assert secret.startswith("izt_")

    page.goto(live_url(SLUG, "/settings/api-tokens/"))
    row = page.locator("[data-api-token]", has_text="Grafana")
    assert row.count() == 1
    assert secret[:15] in row.inner_text()
    assert secret not in page.content()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        row.get_by_role("button", name="Отозвать").click()
    assert page.locator("[data-api-token]", has_text="Grafana").count() == 0
    assert violations == []
