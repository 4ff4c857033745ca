from __future__ import annotations

from decimal import Decimal

import pytest

from apps.common.secrets import strip_secrets
from apps.inventory.vocabulary import MetricName, ResourceKind, ResourceStatus
from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderPermissionError,
    ProviderRateLimited,
)
from apps.providers.plugins.beget import normalize
from apps.providers.plugins.beget.client import _legacy_result
from tests.fakecloud.beget import account_info_result, cloud_items, domain_list_result, vps_items


@pytest.mark.parametrize("raw, expected", [
    ("12.66", Decimal("12.66")), (12.66, Decimal("12.66")), (12, Decimal(12)), ("1 847,50", Decimal("1847.50")),
    ("", None), (None, None), ("n/a", None), (True, None),
])
def test_to_decimal_reads_numbers_given_as_strings_or_numbers(raw, expected):
    assert normalize.to_decimal(raw) == expected


def test_account_info_is_the_same_whether_fields_are_strings_or_numbers():
    as_strings = {k: str(v) for k, v in account_info_result().items()}
    as_numbers = account_info_result() | {"user_balance": 174.51, "user_rate_current": 60.73, "user_days_to_block": 3,
                                          "user_domains": 6, "user_is_year_plan": 0}
    assert normalize.account_info(as_strings, login="x") == normalize.account_info(as_numbers, login="x")


def test_hosting_plan_costs_use_the_daily_rate_and_monthly_rate():
    record = normalize.hosting_plan_record(account_info_result(), login="x")
    assert (record.daily_cost, record.monthly_cost) == (Decimal("60.73"), Decimal("1847"))
    assert record.resource_type == "hosting_plan"


def test_daily_cost_is_monthly_over_thirty():
    assert normalize.daily_and_monthly(None, "291.90") == (Decimal("9.7300"), Decimal("291.90"))
    assert normalize.daily_and_monthly(22, 660) == (Decimal("22.0000"), Decimal("660"))
    assert normalize.daily_and_monthly("5", None) == (Decimal("5"), Decimal("150"))


def test_vps_records_tolerate_string_prices_and_map_status():
    payload = {"vps": vps_items(), "total_count": 2}
    payload["vps"][1]["configuration"]["price_month"] = "291.90"
    payload["vps"][1]["configuration"]["cpu_count"] = "1"
    payload["vps"][1]["status"] = "STOPPED"
    first, second = normalize.vps_records(payload, login="x")
    assert first.status == ResourceStatus.RUNNING and first.specs["cpu_cores"] == 2
    assert first.specs["memory_gb"] == "2.00"
    assert second.status == ResourceStatus.STOPPED and second.specs["cpu_cores"] == 1
    assert second.daily_cost == Decimal("9.73")


def test_cloud_records_classify_services_and_drop_secrets():
    mysql, s3 = normalize.cloud_records({"service": cloud_items(), "total_count": 2})
    assert (mysql.resource_type, mysql.service_name, mysql.daily_cost) == ("mysql", "Database", Decimal("29"))
    assert mysql.specs["version"] == "5.7" and mysql.specs["cpu_cores"] == 2
    assert (s3.resource_type, s3.monthly_cost) == ("s3", Decimal(0))
    stored = strip_secrets(s3.provider_config)  # what the sync engine stores of it
    assert "secret_key" not in stored["s3"] and "access_key" not in stored["s3"]
    assert "password" not in stored["s3"]["ftp"]


def test_domains_registered_are_running_technical_ones_inactive():
    records = normalize.domain_records(domain_list_result(), login="x")
    assert [r.status for r in records].count(ResourceStatus.RUNNING) == 1
    assert [r.status for r in records].count(ResourceStatus.INACTIVE) == 5


@pytest.mark.parametrize("empty", [[], {}, None, True])
def test_legacy_lists_accept_php_style_empty_results(empty):
    assert normalize.domain_records(empty, login="x") == []


def test_unexpected_shapes_raise_value_error():
    with pytest.raises(ValueError):
        normalize.vps_records({"vps": {"a": 1}})
    with pytest.raises(ValueError):
        normalize.domain_records("oops", login="x")


def test_legacy_envelope_success_and_errors():
    assert _legacy_result({"status": "success", "answer": {"status": "success", "result": []}}, endpoint="e") == []
    with pytest.raises(ProviderAuthError):
        _legacy_result({"status": "error", "error_code": "AUTH_ERROR", "error_text": "No such user"}, endpoint="e")
    with pytest.raises(ProviderPermissionError):
        _legacy_result({"status": "error", "error_code": "AUTH_ERROR", "error_text": "Cannot access method mysql"},
                       endpoint="e")
    with pytest.raises(ProviderRateLimited):
        _legacy_result({"status": "success", "answer": {"status": "error", "errors": [
            {"error_code": "LIMIT_ERROR", "error_text": "too many"}]}}, endpoint="e")
    with pytest.raises(ProviderBadResponse):
        _legacy_result({"answer": {}}, endpoint="e")


def test_metric_series_parses_dates_and_string_values():
    payload = {"cpu": {"date": ["2025-10-01 00:00:00", "2025-10-01T01:00:00Z"], "value": ["1.5", 2]}}
    series = normalize.metric_series(payload, metric="cpu", resource_id="v")
    assert [p[1] for p in series.points] == [Decimal("1.5"), Decimal(2)]
    assert series.metric == MetricName.CPU_PERCENT and series.unit == "percent"
    memory = normalize.metric_series({"memory": {"date": [], "value": []}}, metric="memory", resource_id="v")
    assert memory.metric == MetricName.MEMORY_MB and memory.unit == "MB"


def test_mailboxes_are_read_from_a_list_or_an_object_with_flags_as_strings_or_numbers():
    as_list = [{"mailbox": "info", "domain": "site.ru", "spam_filter_status": 1, "forward_mail_status": "no_forward"}]
    as_object = {"7": {"mailbox": "info", "domain": "site.ru", "spam_filter_status": "1",
                       "forward_mail_status": "no_forward"}, "8": {"mailbox": ""}}
    for payload in (as_list, as_object):
        [record] = normalize.mailbox_records(payload, domain="site.ru", login="x")
        assert (record.resource_id, record.resource_name) == ("mail:info@site.ru", "info@site.ru")
        assert record.specs == {"domain": "site.ru", "spam_filter": True, "forwarding": "no_forward"}
    assert normalize.mailbox_records([], domain="site.ru", login="x") == []
    with pytest.raises(ValueError):
        normalize.mailbox_records("oops", domain="site.ru", login="x")


def test_every_beget_record_type_has_its_kind():
    # By hand from Beget's documentation: the account's hosting plan (user/getAccountInfo), domains
    # (domain/getList), MySQL databases of the plan (mysql/getList), FTP accounts (ftp/getList), mailboxes
    # (mail/getMailboxList), cloud VPS (/v1/vps/server/list) and cloud services (/v1/cloud: MySQL,
    # PostgreSQL, S3 storage, CDN).
    records = [
        normalize.hosting_plan_record(account_info_result(), login="x"),
        *normalize.domain_records(domain_list_result(), login="x")[:1],
        *normalize.hosting_mysql_records([{"name": "x_db", "size": "1.5"}], login="x"),
        *normalize.ftp_records([{"login": "x_ftp", "path": "/site/public_html"}], login="x"),
        *normalize.mailbox_records([{"mailbox": "info", "domain": "site.ru"}], domain="site.ru", login="x"),
        *normalize.vps_records({"vps": vps_items()[:1]}, login="x"),
        *normalize.cloud_records({"service": [
            {"id": "1", "type": "MYSQL8"}, {"id": "2", "type": "POSTGRESQL15"}, {"id": "3", "type": "S_3"},
            {"id": "4", "type": "CDN"}, {"id": "5", "type": "SOMETHING_NEW"}]}, login="x"),
    ]
    assert [(r.resource_type, r.kind) for r in records] == [
        ("hosting_plan", ResourceKind.HOSTING_PLAN),
        ("domain", ResourceKind.DOMAIN),
        ("hosting_mysql", ResourceKind.DATABASE),
        ("ftp_account", ResourceKind.OTHER),
        ("mailbox", ResourceKind.OTHER),
        ("vps", ResourceKind.COMPUTE),
        ("mysql", ResourceKind.DATABASE),
        ("postgresql", ResourceKind.DATABASE),
        ("s3", ResourceKind.BUCKET),
        ("cdn", ResourceKind.OTHER),
        ("cloud_service", ResourceKind.OTHER),  # a type Beget adds later falls back to "other"
    ]
