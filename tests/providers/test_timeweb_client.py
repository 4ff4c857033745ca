"""The Timeweb Cloud client over real HTTP against the fake: Bearer auth, limit/offset paging with meta.total, the
error envelope mapped to the provider error taxonomy, 429 with Retry-After retried, and the per-endpoint limiter
(counted on an injected clock, never on the wall clock)."""

from __future__ import annotations

import threading

import pytest

from apps.common.http import build_session
from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderPermissionError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from apps.providers.plugins.timeweb.client import RateLimiter, TimewebClient, TokenBucket, error_detail
from apps.providers.plugins.timeweb.plugin import TimewebPlugin
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.timeweb import DEMO_TOKEN, FakeTimeweb
from tests.providers.sync_helpers import run_all_endpoints


class VirtualClock:
    """A clock that moves only when someone sleeps on it (shared by the limiter and the fake)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


@pytest.fixture
def fake_timeweb():
    with FakeCloudServer(FakeTimeweb(extra_servers=250, seed=3)) as server:
        yield server


def _session(**options):
    defaults = {"backoff_factor": 0, "read_timeout": 5, "connect_timeout": 2}
    return build_session(**{**defaults, **options})


def _client(server, token=DEMO_TOKEN, **session_options) -> TimewebClient:
    return TimewebClient(token=token, base_url=server.url, session=_session(**session_options),
                         limiter=RateLimiter(rate=10_000))


def test_paging_follows_limit_offset_until_meta_total(fake_timeweb):
    servers = _client(fake_timeweb).servers()
    assert len(servers) == 253  # 3 + 250 generated
    assert len({s["id"] for s in servers}) == 253
    assert fake_timeweb.count("/api/v1/servers") == 3  # 100 + 100 + 53


def test_the_bearer_token_is_sent_and_a_wrong_one_is_an_auth_error_without_the_token(fake_timeweb):
    with pytest.raises(ProviderAuthError) as caught:
        _client(fake_timeweb, token="wrong-secret-token").finances()
    assert caught.value.permanent
    assert caught.value.detail == "HTTP 401 unauthorized: Unauthorized"
    assert "wrong-secret-token" not in str(caught.value) and "wrong-secret-token" not in repr(caught.value.as_dict())


def test_a_403_on_one_endpoint_is_a_permission_error_with_timewebs_message(fake_timeweb):
    fake_timeweb.providers[0].forbidden.add("/api/v1/balancers")
    client = _client(fake_timeweb)
    with pytest.raises(ProviderPermissionError) as caught:
        client.balancers()
    assert caught.value.detail == "HTTP 403 forbidden: You do not have access for the attempted action"
    assert len(client.servers()) == 253  # the others still answer


def test_a_list_message_is_joined(fake_timeweb):
    client = _client(fake_timeweb)
    with pytest.raises(ProviderBadResponse) as caught:
        client.get("/api/v1/servers/3105521/statistics", endpoint="servers/statistics")
    assert caught.value.detail == "HTTP 400 bad_request: date_from should not be empty; date_to should not be empty"


def test_error_detail_reads_the_documented_envelope():
    sample = {"status_code": 403, "error_code": "forbidden",
              "message": "You do not have access for the attempted action",
              "response_id": "94608d15-8672-4eed-8ab6-28bd6fa3cdf7"}  # the spec's own error example
    assert error_detail(sample, 403) == "HTTP 403 forbidden: You do not have access for the attempted action"
    assert error_detail({"status_code": 400, "error_code": "bad_request", "message": ["a", "b"]}, 400) == (
        "HTTP 400 bad_request: a; b")
    assert error_detail("<html>", 502) == "HTTP 502"


def test_a_429_is_retried_after_the_retry_after_it_names(fake_timeweb, retry_sleeps):
    fake_timeweb.add_fault("/api/v1/account/finances", "limit", times=1)
    body = _client(fake_timeweb, retries=3).finances()
    assert body["finances"]["currency"] == "RUB"
    assert retry_sleeps == [1.0]  # the fake's Retry-After: 1
    assert fake_timeweb.count("/api/v1/account/finances") == 2


def test_a_429_without_retry_after_backs_off_past_timewebs_one_second_window(fake_timeweb, retry_sleeps):
    """The spec does not promise a Retry-After: urllib3 retries once at once, then after 0.5 × 2 = 1 s."""
    fake_timeweb.add_fault("/api/v1/account/finances", "status", status=429, times=2)
    session = build_session(read_timeout=5, connect_timeout=2)  # the plugin's own defaults: 3 retries, backoff 0.5
    client = TimewebClient(token=DEMO_TOKEN, base_url=fake_timeweb.url, session=session,
                           limiter=RateLimiter(rate=10_000))
    assert client.finances()["finances"]["currency"] == "RUB"
    assert retry_sleeps == [1.0]
    assert fake_timeweb.count("/api/v1/account/finances") == 3


def test_a_429_that_does_not_stop_is_rate_limited_after_bounded_retries(fake_timeweb, retry_sleeps):
    fake_timeweb.add_fault("/api/v1/account/finances", "limit", times=None)
    with pytest.raises(ProviderRateLimited) as caught:
        _client(fake_timeweb, retries=2).finances()
    assert retry_sleeps == [1.0, 1.0]
    assert fake_timeweb.count("/api/v1/account/finances") == 3
    assert caught.value.retry_after == 1.0 and not caught.value.permanent
    assert caught.value.detail == "HTTP 429 too_many_requests: Too many requests"


def test_a_500_and_malformed_json_map_to_the_taxonomy(fake_timeweb, retry_sleeps):
    fake_timeweb.add_fault("/api/v1/account/finances", "status", status=500, times=None)
    with pytest.raises(ProviderUnavailable):
        _client(fake_timeweb, retries=1).finances()
    fake_timeweb.clear()
    fake_timeweb.add_fault("/api/v1/servers", "malformed", times=1)
    with pytest.raises(ProviderBadResponse):
        _client(fake_timeweb).servers()


def test_a_provider_that_does_not_answer_in_time_is_unavailable_after_a_bounded_retry(fake_timeweb):
    fake_timeweb.add_fault("/api/v1/servers", "delay", seconds=1.0, times=None)
    with pytest.raises(ProviderUnavailable) as caught:
        _client(fake_timeweb, read_timeout=0.2, retries=3).servers()
    assert "timeout" in caught.value.detail
    assert fake_timeweb.count("/api/v1/servers") == 2  # read timeouts are retried once


def test_clients_of_one_token_share_its_limiter_and_other_tokens_do_not():
    first, second = TimewebClient(token="token-a"), TimewebClient(token="token-a")
    assert first.limiter is second.limiter
    assert TimewebClient(token="token-b").limiter is not first.limiter


def test_the_token_bucket_lets_at_most_20_requests_through_in_any_second():
    clock = VirtualClock()
    bucket = TokenBucket(rate=20, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(100):
        bucket.acquire()
        sent.append(clock())
    # Any 21 consecutive requests span at least one second: no half-open second holds more than 20.
    assert all(sent[i + 20] - sent[i] >= 1.0 - 1e-9 for i in range(len(sent) - 20))
    assert sum(clock.slept) == pytest.approx(99 * 0.05)  # the first goes at once, each next 50 ms later


def test_the_token_bucket_gives_concurrent_callers_distinct_slots():
    """Four threads take 100 tokens on a clock that does not move: each gets its own 50 ms slot."""
    waits: list[float] = []
    lock = threading.Lock()
    bucket = TokenBucket(rate=20, clock=lambda: 0.0, sleep=lambda seconds: None)

    def take() -> None:
        for _ in range(25):
            wait = bucket.acquire()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(w, 6) for w in waits) == [round(n * 0.05, 6) for n in range(100)]


def test_the_limiter_keeps_a_sync_under_timewebs_limit_per_endpoint():
    """The fake enforces 20 requests a second per endpoint on the same virtual clock as the client's limiter:
    60 calls to one endpoint and 60 to another meet no 429; without the limiter the 21st call is refused."""
    clock = VirtualClock()
    fake = FakeTimeweb(requests_per_second=20, clock=clock)
    with FakeCloudServer(fake) as server:
        client = TimewebClient(token=DEMO_TOKEN, base_url=server.url, session=_session(retries=0),
                               limiter=RateLimiter(clock=clock, sleep=clock.sleep))
        for _ in range(60):
            client.finances()
            client.account_status()
        assert fake.rejected == []
        assert server.count("/api/v1/account/finances") == 60 and server.count("/api/v1/account/status") == 60
        # Each endpoint has its own bucket: the two interleave, 60 calls each take 59 × 50 ms.
        assert clock.now - 1000.0 == pytest.approx(59 * 0.05)

        unlimited = TimewebClient(token=DEMO_TOKEN, base_url=server.url, session=_session(retries=0),
                                  limiter=RateLimiter(rate=1_000_000, clock=clock, sleep=clock.sleep))
        clock.sleep(5)
        with pytest.raises(ProviderRateLimited):
            for _ in range(21):
                unlimited.finances()
        assert len(fake.rejected) == 1


def test_every_endpoint_lists_the_demo_estate_over_http():
    with FakeCloudServer(FakeTimeweb()) as server:
        plugin = TimewebPlugin(credentials={"token": DEMO_TOKEN}, endpoint=server.url, session=_session())
        outcome = run_all_endpoints(plugin)
    assert not [name for name, value in outcome.items() if isinstance(value, Exception)]
    counts = {name: len(records) for name, records in outcome.items()}
    assert counts == {"servers": 3, "databases": 1, "storages/buckets": 1, "floating-ips": 1, "balancers": 1,
                      "k8s/clusters": 1, "account/services/cost": 2}
