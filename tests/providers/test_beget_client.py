from __future__ import annotations

from decimal import Decimal

import pytest

from apps.common.http import user_agent
from apps.common.secrets import strip_secrets
from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderPermissionError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from apps.providers.plugins.beget.client import BegetClient
from apps.providers.plugins.beget.plugin import BegetPlugin
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.beget import DEMO_LOGIN, DEMO_PASSWORD, Account, FakeBeget
from tests.providers.sync_helpers import run_all_endpoints


def test_test_connection_reads_account_info_over_http(beget_plugin):
    info = beget_plugin().test_connection()
    assert info.account_id == DEMO_LOGIN
    assert info.plan_name == "Cloud"
    assert info.balance == Decimal("174.51")
    assert info.daily_rate == Decimal("60.73")
    assert info.monthly_rate == Decimal("1847")
    assert info.days_to_block == 3
    assert info.limits["domains"].used == 6 and info.limits["domains"].limit is None  # 2147483647 = unlimited


def test_demo_account_totals_match_the_product_description(beget_plugin):
    outcome = run_all_endpoints(beget_plugin())
    assert not [v for v in outcome.values() if isinstance(v, Exception)]
    records = [r for records in outcome.values() for r in records]
    by_type = {}
    for record in records:
        by_type.setdefault(record.resource_type, []).append(record)
    assert len(by_type["domain"]) == 6
    assert sorted(r.monthly_cost for r in by_type["vps"]) == [Decimal("291.9"), Decimal("660")]
    assert [r.monthly_cost for r in by_type["mysql"]] == [Decimal("870")]
    assert [r.monthly_cost for r in by_type["s3"]] == [Decimal("0")]
    assert sum(r.monthly_cost for r in records) == Decimal("3668.9")
    assert sum(r.daily_cost for r in records) == Decimal("121.46")


def test_secrets_from_the_provider_are_not_kept_in_provider_config(beget_plugin):
    records = [r for rs in run_all_endpoints(beget_plugin()).values() for r in rs]
    dumped = repr([strip_secrets(r.provider_config) for r in records])  # what the sync engine stores
    for secret in ("fake-s3-secret-key", "FAKEACCESSKEY", "fake-n8n-secret", "fake-ftp-password"):
        assert secret not in dumped


def test_wrong_api_password_is_an_auth_error(beget_plugin):
    with pytest.raises(ProviderAuthError) as info:
        beget_plugin(api_password="wrong").test_connection()
    assert info.value.permanent
    assert info.value.endpoint == "user/getAccountInfo"
    assert "wrong" not in str(info.value)


def test_wrong_account_password_fails_the_v1_auth(beget_plugin, fake_beget):
    with pytest.raises(ProviderAuthError) as info:
        beget_plugin(password="wrong", api_password=DEMO_PASSWORD).test_connection()
    assert info.value.endpoint == "v1/auth"
    assert info.value.detail == "INCORRECT_CREDENTIALS"


def test_api_password_separate_from_account_password():
    fake = FakeBeget(accounts=[Account("two", "account-pass", "api-pass")])
    with FakeCloudServer(fake) as server:
        plugin = BegetPlugin(credentials={"login": "two", "password": "account-pass", "api_password": "api-pass"},
                             endpoint=server.url)
        assert plugin.test_connection().account_id == "two"
        without = BegetPlugin(credentials={"login": "two", "password": "account-pass"}, endpoint=server.url)
        with pytest.raises(ProviderAuthError):
            without.test_connection()


def test_forbidden_method_does_not_stop_the_other_endpoints(beget_plugin, fake_beget):
    fake_beget.add_fault("/api/mysql/getList", "forbid", times=None)
    outcome = run_all_endpoints(beget_plugin())
    assert isinstance(outcome["mysql/getList"], ProviderPermissionError)
    assert outcome["mysql/getList"].permanent
    assert len(outcome["domain/getList"]) == 6
    assert len(outcome["v1/vps/server/list"]) == 2
    assert len(outcome["v1/cloud"]) == 2


def test_v1_forbidden_endpoint_is_permission_error(beget_plugin, fake_beget):
    fake_beget.add_fault("/v1/cloud", "forbid", times=None)
    outcome = run_all_endpoints(beget_plugin())
    assert isinstance(outcome["v1/cloud"], ProviderPermissionError)
    assert len(outcome["v1/vps/server/list"]) == 2


LIMIT_ENDPOINTS = ["/api/user/getAccountInfo", "/api/domain/getList", "/api/mysql/getList", "/api/ftp/getList"]


@pytest.mark.parametrize("path", LIMIT_ENDPOINTS)
def test_limit_error_in_a_200_body_waits_for_the_next_window_and_repeats_the_call(beget_plugin, fake_beget, path):
    """Beget's documented rate limit is LIMIT_ERROR inside an HTTP 200 answer, for every legacy method."""
    slept: list[float] = []
    plugin = beget_plugin()
    plugin.client._sleep = slept.append
    fake_beget.add_fault(path, "limit", times=2)
    section, method = path.split("/")[2:]
    result = plugin.client.legacy_call(section, method)
    assert result is not None
    assert fake_beget.count(path) == 3 and slept == [61.0, 61.0]


def test_persistent_limit_error_surfaces_as_rate_limited_after_a_bounded_number_of_waits(beget_plugin, fake_beget):
    slept: list[float] = []
    plugin = beget_plugin()
    plugin.client._sleep = slept.append
    fake_beget.add_fault("/api/domain/getList", "limit", times=None)
    with pytest.raises(ProviderRateLimited) as info:
        plugin.client.domain_list()
    assert info.value.retry_after == 61.0 and not info.value.permanent
    assert fake_beget.count("/api/domain/getList") == 1 + BegetClient.LIMIT_WAITS
    assert slept == [61.0] * BegetClient.LIMIT_WAITS
    # The budget is the client's (one sync): a later limit is not waited out again.
    fake_beget.add_fault("/api/ftp/getList", "limit", times=1)
    with pytest.raises(ProviderRateLimited):
        plugin.client.ftp_list()
    assert len(slept) == BegetClient.LIMIT_WAITS


def test_the_fake_enforces_sixty_legacy_calls_a_minute_with_limit_error_not_429():
    now = [1000.0]
    fake = FakeBeget(requests_per_minute=60, clock=lambda: now[0])
    slept: list[float] = []

    def wait(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with FakeCloudServer(fake) as server:
        plugin = BegetPlugin(credentials={"login": DEMO_LOGIN, "password": DEMO_PASSWORD}, endpoint=server.url,
                             sleep=wait)
        for _ in range(60):
            plugin.client.ftp_list()
        assert slept == []
        assert plugin.client.domain_list()  # the 61st call of the minute: LIMIT_ERROR, a wait, then the answer
        assert slept == [61.0] and server.count("/api/domain/getList") == 2


def test_500_is_retried_then_unavailable(beget_plugin, fake_beget):
    fake_beget.add_fault("/v1/vps/server/list", "status", status=500, times=None)
    with pytest.raises(ProviderUnavailable):
        beget_plugin(retries=2).client.vps_list()
    assert fake_beget.count("/v1/vps/server/list") == 3


def test_one_500_then_success_is_invisible(beget_plugin, fake_beget):
    fake_beget.add_fault("/v1/cloud", "status", status=503, times=1)
    assert len(beget_plugin().client.cloud_list()["service"]) == 2


def test_timeout_is_bounded(beget_plugin, fake_beget):
    fake_beget.add_fault("/api/user/getAccountInfo", "delay", seconds=3, times=None)
    with pytest.raises(ProviderUnavailable) as info:
        beget_plugin(read_timeout=0.4).account_info()
    assert "timeout" in info.value.detail  # gave up on the 3 s answers rather than waiting for them
    assert fake_beget.count("/api/user/getAccountInfo") == 2  # read timeout x (1 + one read retry), not x attempts


def test_connection_refused_is_unavailable(fast_session):
    plugin = BegetPlugin(credentials={"login": "x", "password": "y"}, endpoint="http://127.0.0.1:9",
                         session=fast_session(retries=1))
    with pytest.raises(ProviderUnavailable) as info:
        plugin.test_connection()
    assert "y" not in info.value.detail.split()  # exception texts (with URLs) are not copied


def test_malformed_json_is_a_bad_response(beget_plugin, fake_beget):
    fake_beget.add_fault("/api/domain/getList", "malformed", times=1)
    outcome = run_all_endpoints(beget_plugin())
    assert isinstance(outcome["domain/getList"], ProviderBadResponse)
    assert len(outcome["v1/vps/server/list"]) == 2


def _endpoint(plugin, name: str):
    return next(e for e in plugin.endpoints() if e.name == name)


def test_unexpected_payload_shape_is_a_bad_response(beget_plugin, fake_beget, monkeypatch):
    plugin = beget_plugin()
    monkeypatch.setattr(plugin.client, "vps_list", lambda: {"vps": "nope"})
    with pytest.raises(ProviderBadResponse):
        _endpoint(plugin, "v1/vps/server/list").fetch()


def test_vps_list_is_paged():
    with FakeCloudServer(FakeBeget(extra_vps=250, seed=7)) as server:
        plugin = BegetPlugin(credentials={"login": DEMO_LOGIN, "password": DEMO_PASSWORD}, endpoint=server.url)
        assert len(plugin.client.vps_list()["vps"]) == 252
        assert server.count("/v1/vps/server/list") == 3


def test_metrics_for_a_vps(beget_plugin):
    plugin = beget_plugin()
    vps = _endpoint(plugin, "v1/vps/server/list").fetch()[0]
    series = plugin.metrics(vps)
    assert [s.metric for s in series] == ["cpu_percent", "memory_mb"]
    assert len(series[0].points) == 24
    assert series == plugin.metrics(vps)  # deterministic


def test_requests_carry_the_infrazen_user_agent(fast_session):
    assert fast_session().headers["User-Agent"].startswith("InfraZen/")
    assert user_agent().startswith("InfraZen/0.")


def test_client_repr_hides_passwords(beget_plugin):
    assert DEMO_PASSWORD not in repr(beget_plugin().client)


def test_mailboxes_are_listed_per_domain_and_a_domain_refused_for_mail_is_skipped():
    account = Account(DEMO_LOGIN, DEMO_PASSWORD, DEMO_PASSWORD,
                      mailboxes={"infrazen-demo.ru": ["info", "billing"], "quiet-river.beget.app": ["robot"]},
                      mail_refused={"amber-field.beget.app"})
    with FakeCloudServer(FakeBeget(accounts=[account])) as server:
        plugin = BegetPlugin(credentials={"login": DEMO_LOGIN, "password": DEMO_PASSWORD}, endpoint=server.url)
        outcome = run_all_endpoints(plugin)
        boxes = outcome["mail/getMailboxList"]
        assert sorted(r.resource_name for r in boxes) == [
            "billing@infrazen-demo.ru", "info@infrazen-demo.ru", "robot@quiet-river.beget.app"]
        info = next(r for r in boxes if r.resource_name == "info@infrazen-demo.ru")
        assert (info.resource_type, info.resource_id, info.monthly_cost) == ("mailbox", "mail:info@infrazen-demo.ru",
                                                                            Decimal(0))
        assert info.specs == {"domain": "infrazen-demo.ru", "spam_filter": False, "forwarding": "forward"}
        # One call per domain of the account, the domain list itself reused from its own endpoint.
        assert server.count("/api/mail/getMailboxList") == 6
        assert server.count("/api/domain/getList") == 1


def _with_mail(fault_path: str):
    """Run every endpoint of an account that has mailboxes, with ``fault_path`` forbidden."""
    account = Account(DEMO_LOGIN, DEMO_PASSWORD, DEMO_PASSWORD, mailboxes={"infrazen-demo.ru": ["info"]})
    with FakeCloudServer(FakeBeget(accounts=[account])) as server:
        server.add_fault(fault_path, "forbid", times=None)
        plugin = BegetPlugin(credentials={"login": DEMO_LOGIN, "password": DEMO_PASSWORD}, endpoint=server.url)
        return run_all_endpoints(plugin)


def test_mailboxes_fail_as_their_own_endpoint_when_the_domains_cannot_be_read():
    outcome = _with_mail("/api/domain/getList")
    assert isinstance(outcome["mail/getMailboxList"], ProviderPermissionError)
    assert outcome["mail/getMailboxList"].endpoint == "mail/getMailboxList"
    assert len(outcome["v1/vps/server/list"]) == 2


def test_a_forbidden_mail_method_leaves_the_other_endpoints():
    outcome = _with_mail("/api/mail/getMailboxList")
    assert isinstance(outcome["mail/getMailboxList"], ProviderPermissionError)
    assert len(outcome["domain/getList"]) == 6


def test_an_account_without_mailboxes_is_not_asked_for_them_per_domain(beget_plugin, fake_beget):
    plugin = beget_plugin()
    plugin.account_info()  # the demo account counts user_mail "0"
    assert run_all_endpoints(plugin)["mail/getMailboxList"] == []
    assert fake_beget.count("/api/mail/getMailboxList") == 0


def test_beget_request_limit_on_mailboxes_waits_for_the_next_window_a_bounded_number_of_times(monkeypatch):
    monkeypatch.setattr(BegetClient, "LIMIT_WAITS", 2)
    account = Account(DEMO_LOGIN, DEMO_PASSWORD, DEMO_PASSWORD, mailboxes={"infrazen-demo.ru": ["info"]})
    slept: list[float] = []
    with FakeCloudServer(FakeBeget(accounts=[account])) as server:
        plugin = BegetPlugin(credentials={"login": DEMO_LOGIN, "password": DEMO_PASSWORD}, endpoint=server.url,
                             sleep=slept.append)
        server.add_fault("/api/mail/getMailboxList", "limit", times=2)
        assert [r.resource_name for r in run_all_endpoints(plugin)["mail/getMailboxList"]] == ["info@infrazen-demo.ru"]
        assert server.count("/api/mail/getMailboxList") == 6 + 2  # six domains, two refused calls repeated

        server.add_fault("/api/mail/getMailboxList", "limit", times=None)
        assert isinstance(run_all_endpoints(plugin)["mail/getMailboxList"], ProviderRateLimited)
