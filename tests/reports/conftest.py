"""Reports tests: alpha's schema and a fake Telegram Bot API server (the notifications tests' own)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tests.fakecloud.server import FakeCloudServer
from tests.fakecloud.telegram import TOKEN, FakeTelegram


@pytest.fixture
def telegram(settings):
    fake = FakeTelegram()
    with FakeCloudServer(fake) as server:
        settings.TELEGRAM_BOT_TOKEN = TOKEN
        settings.TELEGRAM_API_URL = server.url
        settings.TELEGRAM_BOT_USERNAME = "infrazen_test_bot"
        fake.server = server
        yield fake


@pytest.fixture
def in_alpha(w):
    with schema_context(w.alpha.schema_name):
        yield w
