from __future__ import annotations

import pytest

from tests.fakecloud import FakeCloudServer
from tests.fakecloud.cbr import FakeCbr


@pytest.fixture
def fake_cbr(settings):
    """A fake Central Bank on a free port over real HTTP; ``settings.CBR_DAILY_URL`` points at it."""
    bank = FakeCbr()
    server = FakeCloudServer(bank)
    server.start()
    server.bank = bank
    settings.CBR_DAILY_URL = f"{server.url}{FakeCbr.path}"
    settings.CBR_TIMEOUT = 5
    yield server
    server.stop()
