from __future__ import annotations

import os
import shutil

import pytest

from tests.processes import free_port, manage_process, wait_for_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def live_url(world):
    """A real web server process on the test database; the session personas are committed."""
    port = free_port()
    with manage_process("runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading") as process:
        wait_for_port(port, process)
        yield lambda slug=None, path="/": f"http://{slug + '.' if slug else ''}infrazen.test:{port}{path}"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread while it is open; the ORM calls the
    # tests make meanwhile are plain synchronous ones.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _launch(sync_playwright):
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
                # The test hosts resolve to this machine only.
                "--host-resolver-rules=MAP infrazen.test 127.0.0.1, MAP *.infrazen.test 127.0.0.1",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
