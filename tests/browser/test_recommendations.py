"""Real Chromium against a real server: the rules find three unattached disks, the owner accepts, snoozes and
applies findings on the «Рекомендации» pages, a dismissal without a reason is refused in Russian, and the
dashboard's «Потенциальная экономия» card follows every step."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.inventory.models import Resource
from apps.providers.models import ProviderConnection
from apps.recommendations.models import EvaluationRun, Finding
from apps.recommendations.services import evaluate_now
from apps.tenants.models import Organization
from apps.tenants.services import organization_create
from tests.browser.support import in_own_thread
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NBSP = "\xa0"
SLUG = "recobrowser"
SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS", "")
DISKS = (("disk-big", "archive-disk", "1500.00"), ("disk-mid", "old-logs-disk", "1000.00"),
         ("disk-small", "tmp-disk", "500.00"))


@pytest.fixture(scope="module")
def reco_estate(world, django_db_blocker):
    """A Yandex connection with a running VM and three disks attached to nothing (1 500, 1 000 and 500 ₽ a month
    at the provider's price), evaluated by the real rules."""
    with django_db_blocker.unblock():
        org = organization_create(slug=SLUG, name="Reco Browser")
        owner = User.objects.create_user(email="olga@recobrowser.test", password=PASSWORD, full_name="Olga Owner")
        Membership.objects.create(user=owner, organization=org, role=Role.OWNER)
        with schema_context(org.schema_name):
            now = timezone.now()
            conn = ProviderConnection.objects.create(provider="yandex", name="Yandex prod", credentials={})
            Resource.objects.create(connection=conn, provider="yandex", resource_id="vm-1", resource_name="web-1",
                                    resource_type="vm", kind="compute", status="running", first_seen_at=now,
                                    last_seen_at=now, monthly_cost=Decimal("3000.00"), currency="RUB")
            for rid, name, monthly in DISKS:
                Resource.objects.create(connection=conn, provider="yandex", resource_id=rid, resource_name=name,
                                        resource_type="disk", kind="volume", status="running", first_seen_at=now,
                                        last_seen_at=now, monthly_cost=Decimal(monthly), currency="RUB",
                                        specs={"attached": False, "disk_gb": 100})
            run = evaluate_now()
            assert run.findings_created == 3, run.errors
            ids = {f.resource.resource_id: f.pk for f in Finding.objects.select_related("resource")}
        connection.set_schema_to_public()
    yield owner, ids, org.schema_name
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        owner.delete()
        Organization.objects.get(pk=org.pk).delete(force_drop=True)


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"recommendations-{name}.png"), full_page=True)


def _savings_card(page, live_url) -> str:
    page.goto(live_url(SLUG, "/"))
    return page.locator("[data-kpi=savings] [data-savings-value]").inner_text()


def _act(page, action: str) -> None:
    with page.expect_navigation():
        page.locator(f"form[data-action={action}] button[type=submit]").click()


def test_accept_snooze_and_apply_change_the_dashboard_savings(reco_estate, live_url, page):
    owner, ids, _schema = reco_estate
    page.goto(live_url(SLUG, "/"))
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    assert page.locator("[data-kpi=savings] [data-savings-value]").inner_text() == f"3{NBSP}000,00{NBSP}₽"
    assert "3 открытые рекомендации" in page.locator("[data-savings-note]").inner_text()
    panel = page.locator("[data-recommendations] [data-recommendation]")
    assert panel.count() == 3
    assert "Неподключённый диск «archive-disk»" in panel.first.inner_text()

    # The backlog, largest savings first; the navigation leads there.
    with page.expect_navigation():
        page.locator(".sidebar-nav a", has_text="Рекомендации").click()
    assert page.locator("[data-reco-potential]").inner_text() == f"3{NBSP}000,00{NBSP}₽"
    rows = page.locator("tr[data-finding]")
    assert rows.count() == 3
    assert [int(rows.nth(i).get_attribute("data-finding")) for i in range(3)] == [
        ids["disk-big"], ids["disk-mid"], ids["disk-small"]]
    _shot(page, "list")

    # Accept the largest: still in the potential (accepted findings are the backlog being worked on).
    with page.expect_navigation():
        rows.first.locator("a.reco-title").click()
    assert page.locator("[data-finding-formula]").inner_text().startswith("Диск ни к чему не подключён")
    _shot(page, "detail")
    _act(page, "accept")
    assert page.locator("[data-finding-status]").inner_text() == "Принята"
    assert "Рекомендация принята." in page.locator(".messages").inner_text()
    assert "Открыта → Принята" in page.locator("[data-finding-history]").inner_text()
    assert _savings_card(page, live_url) == f"3{NBSP}000,00{NBSP}₽"

    # Snooze the middle one for two weeks: 1 000 ₽ leave the potential.
    until = timezone.localdate() + timedelta(days=14)
    page.goto(live_url(SLUG, f"/recommendations/{ids['disk-mid']}/"))
    page.fill("form[data-action=snooze] input[name=until]", until.isoformat())
    _act(page, "snooze")
    assert page.locator("[data-finding-status]").inner_text() == "Отложена"
    assert f"отложена до {until:%d.%m.%Y}" in page.locator(".messages").inner_text()
    assert _savings_card(page, live_url) == f"2{NBSP}000,00{NBSP}₽"

    # A dismissal needs a reason: said in Russian beside the form, nothing changes.
    page.goto(live_url(SLUG, f"/recommendations/{ids['disk-small']}/"))
    _act(page, "dismiss")
    assert page.locator("[data-action-error=dismiss]").inner_text() == "Укажите, почему рекомендация отклонена."
    assert page.locator("[data-finding-status]").inner_text() == "Открыта"

    # Mark the accepted one applied today (the date field's default): 1 500 ₽ leave the potential.
    page.goto(live_url(SLUG, f"/recommendations/{ids['disk-big']}/"))
    assert page.input_value("form[data-action=apply] input[name=applied_on]") == timezone.localdate().isoformat()
    _act(page, "apply")
    assert page.locator("[data-finding-status]").inner_text() == "Применена"
    assert _savings_card(page, live_url) == f"500,00{NBSP}₽"
    assert page.locator("[data-recommendations] [data-recommendation]").count() == 1
    _shot(page, "dashboard")
    page.set_viewport_size({"width": 390, "height": 860})
    for path in ("/recommendations/?status=all", f"/recommendations/{ids['disk-big']}/"):
        page.goto(live_url(SLUG, path))
        _shot(page, "390-" + path.strip("/").replace("/", "-").replace("?", "-"))
    page.set_viewport_size({"width": 1280, "height": 860})

    # The resource page lists its finding; the backlog's default view keeps only the open one.
    page.goto(live_url(SLUG, "/recommendations/"))
    assert page.locator("tr[data-finding]").count() == 1
    page.goto(live_url(SLUG, "/recommendations/?status=all"))
    assert page.locator("tr[data-finding]").count() == 3


def _run_update(django_db_blocker, schema_name: str, **fields) -> None:
    def update():
        with schema_context(schema_name):
            EvaluationRun.objects.update(**fields)

    in_own_thread(update, django_db_blocker)


def test_recalculate_shows_its_progress(reco_estate, live_url, page, django_db_blocker):
    owner, _ids, schema_name = reco_estate
    page.goto(live_url(SLUG, "/recommendations/"))
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-reco-run]").is_hidden()
    with page.expect_navigation():
        page.locator("[data-reco-evaluate] button").click()
    # No worker in this test: the run stays queued, and the page says so while it polls.
    run = page.locator("[data-reco-run]")
    assert run.is_visible()
    assert page.locator("[data-reco-run-status]").inner_text() == "В очереди"
    assert page.locator("[data-reco-evaluate] button").is_disabled()
    with page.expect_response(lambda r: r.url.endswith("/recommendations/evaluations/latest/")) as polled:
        pass
    assert polled.value.json()["run"]["status"] == "queued"
    assert page.locator("[data-reco-run-rules]").inner_text() == "проверено правил: 0 из 0"

    # The worker's progress shows while the page polls; when the run ends, the page reloads with the results.
    _run_update(django_db_blocker, schema_name, status="running", rules_total=4, rules_done=2)
    page.wait_for_function("() => document.querySelector('[data-reco-run-rules]').textContent.includes('2 из 4')")
    assert page.locator("[data-reco-run-status]").inner_text() == "Выполняется"
    assert page.locator("[data-reco-run-bar]").get_attribute("class") == "pct-50"
    with page.expect_navigation():
        _run_update(django_db_blocker, schema_name, status="success", rules_done=4, finished_at=timezone.now())
    assert page.locator("[data-reco-run]").is_hidden()
    assert page.locator("[data-reco-evaluate] button").is_enabled()
