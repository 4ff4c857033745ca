from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import urllib3.util.retry

from apps.common.http import build_session
from apps.providers.plugins.beget.plugin import BegetPlugin
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.beget import DEMO_LOGIN, DEMO_PASSWORD, FakeBeget


@pytest.fixture
def retry_sleeps(monkeypatch):
    """The seconds urllib3's ``Retry`` asked to sleep between attempts (Retry-After or backoff), in order.

    Nothing actually sleeps: tests assert on what the retry was told to wait, never on the wall clock.
    Only the retry module's view of ``time`` is replaced, so the fake servers' own delays stay real.
    """
    asked: list[float] = []
    monkeypatch.setattr(urllib3.util.retry, "time", SimpleNamespace(sleep=asked.append, time=time.time))
    return asked


@pytest.fixture
def fake_beget():
    """A fake Beget on a free port over real HTTP; ``.url``, ``.add_fault(...)``, ``.count(path)``."""
    server = FakeCloudServer(FakeBeget())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fast_session():
    """Real retries and timeouts, with short waits so tests stay quick."""

    def make(**options):
        defaults = {"retry_post": True, "backoff_factor": 0, "read_timeout": 5, "connect_timeout": 2}
        return build_session(**{**defaults, **options})

    return make


@pytest.fixture
def beget_plugin(fake_beget, fast_session):
    def make(login=DEMO_LOGIN, password=DEMO_PASSWORD, api_password=None, **session_options):
        return BegetPlugin(
            credentials={"login": login, "password": password, "api_password": api_password or ""},
            endpoint=fake_beget.url,
            session=fast_session(**session_options),
        )

    return make
