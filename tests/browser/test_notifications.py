"""Real Chromium against a real server: the owner opens «Уведомления» under Settings, presses «Подключить
Telegram», sends the one-time code to the bot from a group (a fake Bot API queues the update, the polling task
receives it), and the group appears among the channels; an email channel is added from the same page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.notifications.models import Channel
from apps.notifications.services import telegram_poll
from apps.tenants.services import organization_create
from tests.browser.support import in_own_thread
from tests.conftest import PASSWORD
from tests.fakecloud.server import FakeCloudServer
from tests.fakecloud.telegram import TOKEN, FakeTelegram

pytestmark = pytest.mark.browser

SLUG = "notifybrowser"


@pytest.fixture(scope="module")
def notify_estate(world, django_db_blocker):
    with django_db_blocker.unblock():
        org = organization_create(slug=SLUG, name="Notify Browser")
        owner = User.objects.create_user(email="nina@notifybrowser.test", password=PASSWORD, full_name="Nina Owner")
        Membership.objects.create(user=owner, organization=org, role=Role.OWNER)
        connection.set_schema_to_public()
    return owner, org.schema_name


def test_link_a_telegram_group_with_the_one_time_code(notify_estate, live_url, page, django_db_blocker):
    owner, schema = notify_estate
    page.goto(live_url(SLUG, "/"))
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    page.goto(live_url(SLUG, "/settings/organization/"))
    page.get_by_role("link", name="Уведомления", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1, .page-title").first.is_visible()
    assert "Каналов пока нет" in page.content()

    page.locator("[data-telegram-connect]").click()
    page.wait_for_load_state("networkidle")
    command = page.locator("[data-link-command]").inner_text().strip()
    assert re.fullmatch(r"/start \d+-[0-9a-f]{12}", command), command

    fake = FakeTelegram()
    with FakeCloudServer(fake) as server:
        fake.push_text({"id": -1009876543210, "type": "supergroup", "title": "FinOps дежурные"},
                       command.replace("/start", "/start@infrazen_test_bot"))

        def poll():
            with override_settings(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=server.url):
                assert telegram_poll() == 1

        in_own_thread(poll, django_db_blocker)
    assert [m["visible"] for m in fake.messages] == [
        "Чат подключён к «Notify Browser»: сюда будут приходить уведомления InfraZen."]

    page.goto(live_url(SLUG, "/settings/notifications/"))
    row = page.locator("tr[data-channel]")
    assert row.count() == 1
    assert "FinOps дежурные" in row.inner_text() and "-1009876543210" in row.inner_text()

    page.fill("input[name=address]", "finops@notifybrowser.test")
    page.get_by_role("button", name="Добавить эл. почту").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("tr[data-channel]").count() == 2

    def check():
        with schema_context(schema):
            assert list(Channel.objects.order_by("id").values_list("kind", "chat_id", "address")) == [
                ("telegram", "-1009876543210", ""), ("email", "", "finops@notifybrowser.test")]

    in_own_thread(check, django_db_blocker)
