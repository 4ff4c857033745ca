"""Yandex Cloud ConsumptionCore usage reports over gRPC: the client against the fake ConsumptionCoreService
(built on the SDK's servicer), the shared one-request-per-minute gate, and a sync through the API of a
connection without an export bucket whose ledger gets the report's daily costs.

Expected figures are the seeded cost + credit summed by hand.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db.models import Sum
from django.utils import translation
from django_tenants.utils import schema_context

from apps.common.http import build_session
from apps.costs.models import CostRecord
from apps.providers.exceptions import ProviderAuthError, ProviderPermissionError, ProviderRateLimited
from apps.providers.models import SyncRun
from apps.providers.plugins.base import CostsDeferred
from apps.providers.plugins.yandex import client as yc
from apps.providers.plugins.yandex.consumption import grpc_target, rate_gate_open
from apps.providers.plugins.yandex.plugin import MSG_GATE_CLOSED, YandexPlugin
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.yandex import BILLING_ACCOUNT_ID, DEMO_OAUTH_TOKEN, FakeYandex, yc_id
from tests.fakecloud.yandex_billing_grpc import FakeConsumptionCore

from .sync_helpers import run_sync, schema_of

WEB_1 = yc_id("fhm", "vm:web-1")  # the fake cloud's VM web-1
DISK = "fhmdisk000000000001"
START, END = date(2026, 12, 1), date(2026, 12, 4)  # days 1, 2, 3


@pytest.fixture(autouse=True)
def _fresh_state(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    yc.TOKEN_CACHE.clear()
    cache.clear()  # the rate gate lives in the cache
    yield
    yc.TOKEN_CACHE.clear()
    cache.clear()


@pytest.fixture
def cloud():
    """The fake REST cloud on a free port P and the fake gRPC billing on P + 1 (how the plugin derives it)."""
    for _attempt in range(20):
        fake = FakeYandex()
        server = FakeCloudServer(fake).start()
        billing = FakeConsumptionCore(billing_account_id=BILLING_ACCOUNT_ID, tokens=fake.tokens)
        port = int(server.url.rsplit(":", 1)[1])
        if billing.serve(port + 1):
            break
        server.stop()
    else:
        pytest.fail("no free pair of ports")
    try:
        yield server, billing
    finally:
        billing.stop()
        server.stop()


def _seed(billing: FakeConsumptionCore, *, around: date = START) -> None:
    billing.seed(WEB_1, around, "150.50", "-20.25", name="web-1")  # 130.25
    billing.seed(WEB_1, around + timedelta(days=1), "151.00", "-10.00", name="web-1")  # 141.00
    billing.seed(DISK, around + timedelta(days=1), "12.40", name="disk")  # 12.40
    billing.seed(DISK, around + timedelta(days=2), "12.40", "-0.40", name="disk")  # 12.00
    billing.seed("", around, "3.10")  # not tied to a resource: 3.10
    billing.seed(WEB_1, around - timedelta(days=1), "999.00", name="web-1")  # before the window


def _plugin(server, **credentials) -> YandexPlugin:
    return YandexPlugin(credentials={"oauth_token": DEMO_OAUTH_TOKEN, **credentials}, endpoint=server.url,
                        session=build_session(retry_post=True, backoff_factor=0, read_timeout=5, connect_timeout=2))


def test_the_grpc_target_is_the_real_host_over_tls_or_the_port_after_a_custom_endpoint():
    assert grpc_target("") == ("billing.api.cloud.yandex.net:443", True)
    assert grpc_target("http://127.0.0.1:8080") == ("127.0.0.1:8081", False)


def test_the_resource_report_gives_each_resource_its_cost_plus_credit_per_day(cloud):
    server, billing = cloud
    _seed(billing)
    lines = _plugin(server, billing_account_id=BILLING_ACCOUNT_ID).cost_lines(start=START, end=END)
    got = sorted((line.resource_id, line.day, line.amount, line.currency) for line in lines)
    assert got == sorted([
        (DISK, date(2026, 12, 2), Decimal("12.40"), "RUB"),
        (DISK, date(2026, 12, 3), Decimal("12.00"), "RUB"),
        (BILLING_ACCOUNT_ID, date(2026, 12, 1), Decimal("3.10"), "RUB"),  # account-level consumption
        (WEB_1, date(2026, 12, 1), Decimal("130.25"), "RUB"),
        (WEB_1, date(2026, 12, 2), Decimal("141.00"), "RUB"),
    ])
    request = billing.requests[0]
    assert request.billing_account_id == BILLING_ACCOUNT_ID
    assert request.aggregation_period == 1  # DAY
    assert request.start_date.ToDatetime(tzinfo=UTC).date() == START
    assert request.end_date.ToDatetime(tzinfo=UTC).date() == date(2026, 12, 3)  # inclusive: the window's last day
    web = next(line for line in lines if line.resource_id == WEB_1 and line.day == START)
    assert web.resource_name == "web-1" and web.extras == {"x_list_cost": "150.50", "x_credit": "-20.25"}


def test_a_denied_report_is_a_permission_error_naming_the_role(cloud):
    server, billing = cloud
    billing.fault = "denied"
    with pytest.raises(ProviderPermissionError) as caught:
        _plugin(server, billing_account_id=BILLING_ACCOUNT_ID).cost_lines(start=START, end=END)
    assert "billing.accounts.getReport" in str(caught.value) and caught.value.permanent


def test_an_unknown_billing_account_is_an_auth_error(cloud):
    server, _billing = cloud
    with pytest.raises(ProviderAuthError):
        _plugin(server, billing_account_id="dn2unknown").cost_lines(start=START, end=END)


def test_an_exhausted_quota_is_rate_limited(cloud):
    server, billing = cloud
    billing.fault = "exhausted"
    with pytest.raises(ProviderRateLimited):
        _plugin(server, billing_account_id=BILLING_ACCOUNT_ID).cost_lines(start=START, end=END)


def test_a_second_report_within_the_minute_is_skipped_without_a_request(cloud):
    server, billing = cloud
    _seed(billing)
    _plugin(server, billing_account_id=BILLING_ACCOUNT_ID).cost_lines(start=START, end=END)
    with pytest.raises(CostsDeferred) as caught:
        _plugin(server, billing_account_id=BILLING_ACCOUNT_ID).cost_lines(start=START, end=END)
    assert str(caught.value)  # a reason to note on the run
    assert len(billing.requests) == 1
    cache.clear()  # the gate's minute is over (the cache entry expired)
    _plugin(server, billing_account_id=BILLING_ACCOUNT_ID).cost_lines(start=START, end=END)
    assert len(billing.requests) == 2


def test_the_gate_is_one_cache_key_per_target_with_a_minute_timeout():
    assert rate_gate_open("example:1") is True
    assert rate_gate_open("example:1") is False
    assert rate_gate_open("example:2") is True


def test_without_a_billing_account_id_no_report_is_requested(cloud):
    server, billing = cloud
    with pytest.raises(CostsDeferred) as caught:
        _plugin(server).cost_lines(start=START, end=END)
    assert not str(caught.value) and billing.requests == []


# --- end to end -------------------------------------------------------------------------------------
# gRPC computes call deadlines from time.time(): the frozen clock must not lie before the real one, or every
# call would be past its deadline at once. A day well in the future keeps the dates fixed.
NOW = datetime(2036, 3, 10, 10, 0, tzinfo=UTC)


def _connect(client, url: str, **credentials: str) -> int:
    body = {"provider": "yandex", "name": "Yandex Cloud", "endpoint": url,
            "credentials": {"oauth_token": DEMO_OAUTH_TOKEN, **credentials}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _in(language: str, message) -> str:
    with translation.override(language):
        return str(message)


def _by_day(connection_id: int) -> dict[date, Decimal]:
    with schema_context(schema_of("alpha")):
        rows = (CostRecord.objects.filter(connection_id=connection_id).values("charge_date")
                .annotate(total=Sum("billed_cost")).order_by("charge_date"))
        return {row["charge_date"]: row["total"] for row in rows}


def test_a_sync_without_a_bucket_writes_the_usage_report_into_the_ledger(w, token_client, cloud, time_machine):
    time_machine.move_to(NOW, tick=False)
    server, billing = cloud
    _seed(billing, around=date(2036, 3, 7))  # the 7th, 8th and 9th; the 6th is also in the 35-day window
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, server.url, billing_account_id=BILLING_ACCOUNT_ID)
    run = run_sync(client, connection_id)
    assert run["status"] == "success", run["errors"]
    assert run["cost_records"] == 6
    assert _by_day(connection_id) == {
        date(2036, 3, 6): Decimal("999.00"), date(2036, 3, 7): Decimal("133.35"),  # 130.25 + 3.10
        date(2036, 3, 8): Decimal("153.40"), date(2036, 3, 9): Decimal("12.00")}  # 141.00 + 12.40
    with schema_context(schema_of("alpha")):
        web = CostRecord.objects.filter(connection_id=connection_id, resource_id=WEB_1)
        assert web.count() == 3 and all(r.inventory_resource_id for r in web)  # linked to the inventory VM
        assert CostRecord.objects.filter(connection_id=connection_id, resource_id="").count() == 1  # account-level
    request = billing.requests[0]
    assert request.start_date.ToDatetime(tzinfo=UTC).date() == date(2036, 2, 5)  # 35 days up to today
    assert request.end_date.ToDatetime(tzinfo=UTC).date() == date(2036, 3, 10)

    # A second sync within the minute: the gate is closed, the report is skipped, not an error; the ledger stays.
    billing.seed(WEB_1, date(2036, 3, 9), "500.00", name="web-1")
    run = run_sync(client, connection_id)
    assert run["status"] == "success", run["errors"]
    assert len(billing.requests) == 1
    assert _by_day(connection_id)[date(2036, 3, 9)] == Decimal("12.00")
    with schema_context(schema_of("alpha")):
        noted = SyncRun.objects.get(pk=run["id"]).sync_config["costs_skipped"]
    assert noted in {_in(language, MSG_GATE_CLOSED) for language in ("en", "ru")}  # the worker's language


def test_a_sync_without_a_bucket_or_billing_account_reads_no_report(w, token_client, cloud, time_machine):
    time_machine.move_to(NOW, tick=False)
    server, billing = cloud
    _seed(billing)
    client = token_client(w.alice, "alpha")
    run = run_sync(client, _connect(client, server.url))
    assert run["status"] == "success", run["errors"]
    assert billing.requests == [] and run["cost_records"] == 0


def test_a_denied_report_is_a_costs_error_of_the_run_and_the_inventory_is_kept(w, token_client, cloud,
                                                                               time_machine):
    time_machine.move_to(NOW, tick=False)
    server, billing = cloud
    billing.fault = "denied"
    client = token_client(w.alice, "alpha")
    run = run_sync(client, _connect(client, server.url, billing_account_id=BILLING_ACCOUNT_ID))
    assert run["status"] == "partial"
    assert [(e["endpoint"], e["code"]) for e in run["errors"]] == [("costs", "provider_permission")]
    assert run["resources_found"] > 0
