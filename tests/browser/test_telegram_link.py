"""Real Chromium against a real server: an administrator opens «Уведомления», presses «Подключить Telegram» and
sees the one-time code; the bot's getUpdates then returns "/start <code>" from a private chat, the worker's
polling task links it, and after a reload the page lists the linked chat. The code works once."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.notifications.models import Channel
from apps.notifications.services import OFFSET_CACHE_KEY
from apps.notifications.tasks import telegram_poll_task
from apps.tenants.services import organization_create
from tests.browser.support import in_own_thread
from tests.conftest import PASSWORD
from tests.fakecloud.server import FakeCloudServer
from tests.fakecloud.telegram import TOKEN, FakeTelegram

pytestmark = pytest.mark.browser

SLUG = "tglinkbrowser"
CHAT = {"id": 424242, "type": "private", "first_name": "Анна", "username": "anna_finops"}


@pytest.fixture(scope="module")
def link_estate(world, django_db_blocker):
    with django_db_blocker.unblock():
        org = organization_create(slug=SLUG, name="Телеграм Тест")
        admin = User.objects.create_user(email="anna@tglink.test", password=PASSWORD, full_name="Анна Админ")
        Membership.objects.create(user=admin, organization=org, role=Role.ADMIN)
        connection.set_schema_to_public()
    return admin, org.schema_name


def test_link_a_private_chat_with_the_code_shown_on_the_page(link_estate, live_url, page, django_db_blocker):
    admin, schema = link_estate
    page.goto(live_url(SLUG, "/"))
    page.fill("input[name=login]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    page.goto(live_url(SLUG, "/settings/organization/"))
    page.get_by_role("link", name="Уведомления", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.locator("tr[data-channel]").count() == 0

    page.get_by_role("button", name="Подключить Telegram").click()
    page.wait_for_load_state("networkidle")
    command = page.locator("[data-link-command]").inner_text().strip()
    assert re.fullmatch(r"/start \d+-[0-9a-f]{12}", command), command

    fake = FakeTelegram()
    with FakeCloudServer(fake) as server:
        fake.push_text(CHAT, command)
        # The same code again from another chat, after it was used: nothing more is linked.
        fake.push_text({"id": 515151, "type": "private", "first_name": "Чужой"}, command)

        def poll():
            # A fresh fake numbers its updates from 1: forget the offset an earlier test's bot left behind.
            cache.delete(OFFSET_CACHE_KEY)
            with override_settings(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=server.url,
                                   TELEGRAM_WEBHOOK_SECRET=""):
                assert telegram_poll_task() == 2  # both updates were read

        in_own_thread(poll, django_db_blocker)
    replies = {str(m["chat_id"]): m["visible"] for m in fake.messages}
    assert replies["424242"] == "Чат подключён к «Телеграм Тест»: сюда будут приходить уведомления InfraZen."
    assert "515151" not in replies or "подключён" not in replies["515151"]

    page.reload()
    page.wait_for_load_state("networkidle")
    rows = page.locator("tr[data-channel]")
    assert rows.count() == 1
    assert "424242" in rows.first.inner_text()

    def check():
        with schema_context(schema):
            assert list(Channel.objects.values_list("kind", "chat_id")) == [("telegram", "424242")]

    in_own_thread(check, django_db_blocker)
