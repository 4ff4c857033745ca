"""Real Chromium, a real web server and a real django-q2 worker against a fake Beget over HTTP:
add a Beget connection in the UI, test it, save it, sync it with live progress, see the resources."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from tests.browser.support import in_own_thread
from tests.browser.support import server_and_worker as browser_server_and_worker
from tests.conftest import PASSWORD
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.beget import DEMO_LOGIN, DEMO_PASSWORD, FakeBeget

pytestmark = pytest.mark.browser

NBSP = "\xa0"
# Set BROWSER_SCREENSHOTS=/some/dir to keep a picture of each step (for people, not for asserts).
SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS", "")
CHILD_ENV = {"ALLOW_CUSTOM_PROVIDER_ENDPOINTS": "true", "Q_WORKERS": "1"}


@pytest.fixture(scope="module")
def fake_beget_server():
    with FakeCloudServer(FakeBeget()) as server:
        yield server


@pytest.fixture(scope="module")
def endpoints_server(world):
    """A web server that honours custom provider endpoints, plus a worker that runs the sync."""
    with browser_server_and_worker(CHILD_ENV) as server:
        yield server


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def _cleanup(django_db_blocker, schema_name: str, name: str) -> None:
    """Remove what the test created through the UI, committed, so other tests keep their state."""

    def work():
        from django_q.models import Schedule

        from apps.providers.models import ProviderConnection
        from apps.providers.services import connection_delete

        with schema_context(schema_name):
            for conn in ProviderConnection.objects.filter(name=name):
                connection_delete(connection=conn)
        Schedule.objects.filter(name__startswith=f"sync:{schema_name}:").delete()

    in_own_thread(work, django_db_blocker)


def test_owner_connects_beget_syncs_it_and_sees_the_resources(page, endpoints_server, fake_beget_server, world,
                                                            django_db_blocker):
    url = endpoints_server["url"]
    name = "Beget (browser test)"
    try:
        page.goto(url("alpha", "/connections/"))
        page.fill("input[name=login]", world.alice.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form:has(input[name=login]) button[type=submit]").first.click()
        page.wait_for_url(url("alpha", "/connections/"))
        assert page.locator("html").get_attribute("lang") == "ru"
        _shot(page, "01-connections-empty")

        page.locator("[data-testid=add-provider]").first.click()
        dialog = page.locator("#add-dialog")
        dialog.wait_for(state="visible")
        _shot(page, "02-add-dialog-pick")
        dialog.locator("[data-provider-pick=beget]").click()
        form = dialog.locator("[data-provider-panel=beget]")
        form.locator("input[name='add-beget-name']").fill(name)
        form.locator("input[name='add-beget-cred_login']").fill(DEMO_LOGIN)
        form.locator("input[name='add-beget-cred_password']").fill(DEMO_PASSWORD)
        # The endpoint field exists only because the server runs with ALLOW_CUSTOM_PROVIDER_ENDPOINTS on.
        form.locator("input[name='add-beget-endpoint']").fill(fake_beget_server.url)
        form.locator(".conn-switch-label").click()  # auto-sync off: this test syncs by hand only
        assert not form.locator("input[name='add-beget-auto_sync']").is_checked()

        form.locator("[data-test-credentials]").click()
        result = form.locator("[data-test-result].is-ok")
        result.wait_for(state="visible")
        assert DEMO_LOGIN in result.inner_text()
        assert f"174,51{NBSP}₽" in result.inner_text()
        _shot(page, "03-add-dialog-tested")

        form.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        card = page.locator("[data-connection-card]", has_text=name)
        card.wait_for(state="visible")
        assert DEMO_PASSWORD not in page.content()

        card.locator("[data-sync-button]").click()
        progress = card.locator("[data-sync-progress]")
        progress.wait_for(state="visible")
        _shot(page, "04-sync-progress")
        fresh = page.locator("[data-connection-card].is-fresh", has_text=name)
        fresh.wait_for(state="visible", timeout=90_000)
        assert fresh.locator(".conn-run-success").count() == 1, fresh.inner_text()
        fresh.locator(".conn-account > summary").click()
        _shot(page, "05-synced")

        page.goto(url("alpha", "/resources/"))
        page.wait_for_load_state("networkidle")
        summary = page.locator("[data-summary]").inner_text()
        assert f"3{NBSP}668,90{NBSP}₽" in summary
        assert f"121,46{NBSP}₽" in summary
        body = page.locator("main").inner_text()
        for resource in ("Objective Perrin", "runner rus", "Cloud database 1", "Humane Orrin"):
            assert resource in body
        assert page.locator("canvas[data-chart][data-drawn]").count() >= 2  # CPU and memory of the VPS
        _shot(page, "06-resources")

        page.locator("a.res-name", has_text="Objective Perrin").click()
        page.wait_for_load_state("networkidle")
        assert "fake-n8n-secret" not in page.content()
        _shot(page, "07-resource-detail")
        if SCREENSHOTS:
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(url("alpha", "/resources/"))
            _shot(page, "08-resources-mobile")
            page.goto(url("alpha", "/connections/"))
            _shot(page, "09-connections-mobile")
            page.set_viewport_size({"width": 1280, "height": 860})
            page.locator("[data-connection-card] [data-dialog-open^=edit-dialog]").first.click()
            _shot(page, "10-edit-dialog")
    except Exception:
        web_log, worker_log = endpoints_server["logs"]
        print("web server:\n" + "".join(web_log)[-4000:])
        print("worker:\n" + "".join(worker_log)[-4000:])
        raise
    finally:
        _cleanup(django_db_blocker, world.alpha.schema_name, name)
