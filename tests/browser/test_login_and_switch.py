"""Real Chromium against a real server process: login, Russian UI, MSP switching between clients."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _login(page, email: str) -> None:
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


def test_member_logs_in_on_the_organization_host_and_sees_the_russian_shell(page, live_url, world):
    page.goto(live_url("alpha", "/"))
    assert "/accounts/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Войти" in page.content()

    _login(page, world.alice.email)

    assert page.url == live_url("alpha", "/")
    body = page.locator("body").inner_text()
    assert "Alpha LLC" in body
    assert "Дашборд" in body
    assert "Настройки" in body


def test_msp_operator_opens_a_client_from_the_public_console_without_logging_in_again(page, live_url, world):
    page.goto(live_url(None, "/accounts/login/"))
    _login(page, world.oscar.email)

    assert page.url.startswith(live_url(None, "/orgs/"))
    console = page.locator("body").inner_text()
    assert "Alpha LLC" in console and "Gamma Ltd" in console
    assert "Beta JSC" not in console

    page.locator(f"a[href='/go/{world.alpha.slug}/']").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url == live_url("alpha", "/")
    assert "Alpha LLC" in page.locator("body").inner_text()

    # A client outside the partner stays closed even with a valid session elsewhere.
    response = page.goto(live_url("beta", "/"))
    assert "/accounts/login/" in page.url or response.status in (403, 404)
