"""Reports tests in tenant alpha: ledger rows (tests/costs/explorer_data.py) rolled up the way the explorer reads
them, a saved report over them, and a fake Telegram Bot API server (the notifications tests' own)."""

from __future__ import annotations

from datetime import date

import pytest
from django_tenants.utils import schema_context

from apps.costs.services.rollups import cost_rollups_refresh
from apps.reports import services
from tests.costs.explorer_data import ledger, row
from tests.fakecloud.server import FakeCloudServer
from tests.fakecloud.telegram import TOKEN, FakeTelegram

QUERY = {"period": "custom", "start": "2025-05-01", "end": "2025-05-02", "group_by": "service",
         "granularity": "day", "compare": False}


@pytest.fixture
def in_alpha(w):
    with schema_context(w.alpha.schema_name):
        yield w


@pytest.fixture
def costs(in_alpha):
    """Compute Cloud: 100 000,00 (1 May) + 17 150,00 (2 May) = 117 150,00 ₽;
    Object Storage: 1 234,56 (1 May) + 765,44 (2 May) = 2 000,00 ₽; all: 119 150,00 ₽."""
    ledger([
        row(date(2025, 5, 1), "100000.00"),
        row(date(2025, 5, 2), "17150.00"),
        row(date(2025, 5, 1), "1234.56", service="Object Storage"),
        row(date(2025, 5, 2), "765.44", service="Object Storage"),
    ])
    cost_rollups_refresh(start=date(2025, 5, 1), end=date(2025, 5, 31), fetch_missing_rates=False)


@pytest.fixture
def report(costs, w):
    return services.report_create(actor=w.alice, name="Облако по сервисам", query=dict(QUERY),
                                  description="Два дня мая")


@pytest.fixture
def telegram(settings):
    fake = FakeTelegram()
    with FakeCloudServer(fake) as server:
        settings.TELEGRAM_BOT_TOKEN = TOKEN
        settings.TELEGRAM_API_URL = server.url
        settings.TELEGRAM_BOT_USERNAME = "infrazen_test_bot"
        fake.server = server
        yield fake
