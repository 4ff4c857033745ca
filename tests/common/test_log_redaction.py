"""Secrets never reach the logs, in the shapes they really take; what is not secret stays readable.
Refused pages are logged as one warning line, without a traceback."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from django.core.exceptions import DisallowedHost

from apps.common.logging import RedactSecretsFilter, redact

IAM_TOKEN = ("t1.9euelZqKlpKRyZmbyMqQnZeQm4-Qle3rnpWajJqZzZOSk8eMz8mdmZCPmpbl8_dVBk1o-e8xHF1g_d3z9xU1Smj5"
             "7zEcXWD9.lFVGbOlDr3dBMuzeRKfSJDM2gBWRVjF5Lz5fXrDtAvYpNUTvg7nW8ZcbyVgLOr9zqSgbLvzBGD6LgqhlHpRtCw")
OAUTH_TOKEN = "y0_AgAAAABxR2lWAATuwQAAAAEK3nTfAADlm5Y1mxhLpbZkOsIhqyV0mWZ7Xw"
OLD_OAUTH_TOKEN = "AQAAAAAPkkVoAATuwTwQBFNWSkN5hGz0cRbJfr8"
KEYSTONE_TOKEN = "gAAAAABnRk1vL5hW9xQX0vjn8mWQ3Zc7Bi3y0Z1x9Fv6dEo2Ue4Tt8rYhJcNkLqP0aS7bVd2wXyGmH1iOu3KfRj"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # the example key of the AWS documentation
PEM_BODY = ("MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC7VJTUt9Us8cKj\n"
            "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n")

REAL_SHAPES = [
    # HTTP headers, raw and as requests' header dicts.
    ("bearer header", "Authorization: Bearer t1.abc", "Authorization: Bearer ***"),
    ("basic header", "Authorization: Basic YWNtZTpzM2NyM3Q=", "Authorization: Basic ***"),
    ("yandex oauth header", f"Authorization: OAuth {OAUTH_TOKEN}", "Authorization: OAuth ***"),
    ("aws signature header",
     "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260501/us-east-1/ce/aws4_request, "
     "SignedHeaders=host;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
     "Authorization: AWS4-HMAC-SHA256 ***"),
    ("openstack auth header", f"X-Auth-Token: {KEYSTONE_TOKEN}", "X-Auth-Token: ***"),
    ("keystone subject token header", f"X-Subject-Token: {KEYSTONE_TOKEN}", "X-Subject-Token: ***"),
    ("selectel x-token header", "X-Token: 7fc2bd1c1b0346ad9a8f0a9c5d2e4b71_231445", "X-Token: ***"),
    ("cookie header", "Cookie: csrftoken=Hk2mR9; sessionid=4x7pq1z9abcdefghijk", "Cookie: ***"),
    ("set-cookie header", "Set-Cookie: sessionid=4x7pq1z9abcdefghijk; expires=Sun, 20 Dec 2026 10:00:00 GMT; "
     "HttpOnly; Path=/; SameSite=Lax", "Set-Cookie: ***"),
    ("header block keeps the other headers",
     "Host: api.selectel.ru\r\nX-Auth-Token: abc123\r\nAccept: application/json",
     "Host: api.selectel.ru\r\nX-Auth-Token: ***\r\nAccept: application/json"),
    ("requests header dict",
     "{'User-Agent': 'python-requests/2.34.2', 'Authorization': 'Bearer t1.abc', 'X-Token': 'tok_231445'}",
     "{'User-Agent': 'python-requests/2.34.2', 'Authorization': 'Bearer ***', 'X-Token': '***'}"),
    ("botocore bytes header",
     "{'X-Amz-Date': b'20260501T101500Z', 'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=ab'}",
     "{'X-Amz-Date': b'20260501T101500Z', 'Authorization': b'AWS4-HMAC-SHA256 ***'}"),
    # JSON bodies: values with spaces, escaped quotes, numbers; every secret key spelling.
    ("password with a space", '{"password": "two words"}', '{"password": "***"}'),
    ("password with escaped quotes", r'{"password": "say \"hi\" twice", "login": "acme"}',
     '{"password": "***", "login": "acme"}'),
    ("numeric password", '{"login": "acme", "password": 123456}', '{"login": "acme", "password": ***}'),
    ("secret_key", '{"access_key_id": "YCAJE0x", "secret_key": "YCOwq S3cr3t"}',
     '{"access_key_id": "***", "secret_key": "***"}'),
    ("api_key", '{"api_key": "AQVN1HHJReSrfo9jU3aopsXrJyfQ_ILDVzSdHk"}', '{"api_key": "***"}'),
    ("access_key", '{"access_key": "AKIAIOSFODNN7EXAMPLE", "region": "eu-central-1"}',
     '{"access_key": "***", "region": "eu-central-1"}'),
    ("client_secret", '{"client_id": "infrazen-web", "client_secret": "c2VjcmV0 value"}',
     '{"client_id": "infrazen-web", "client_secret": "***"}'),
    ("token and refresh_token", '{"token": "t0k", "refresh_token": "r3fr3sh", "expires_in": 3600}',
     '{"token": "***", "refresh_token": "***", "expires_in": 3600}'),
    ("yandex iam exchange", f'{{"yandexPassportOauthToken": "{OAUTH_TOKEN}"}}',
     '{"yandexPassportOauthToken": "***"}'),
    ("yandex iam answer", f'{{"iamToken": "{IAM_TOKEN}", "expiresAt": "2026-12-06T16:00:00Z"}}',
     '{"iamToken": "***", "expiresAt": "2026-12-06T16:00:00Z"}'),
    ("keystone password auth",
     '{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "svc-infrazen", '
     '"domain": {"name": "231445"}, "password": "p@ss w0rd"}}}}}',
     '{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "svc-infrazen", '
     '"domain": {"name": "231445"}, "password": "***"}}}}}'),
    ("yandex service account key",
     '{"id": "ajeq8n2rtp7ij1l5dm7a", "service_account_id": "aje0sfp1nkn9ba7lt5lq", "private_key": '
     '"PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajeq8n2rtp7ij1l5dm7a>\\n'
     '-----BEGIN PRIVATE KEY-----\\nMIIEvgIBADANBgkqhkiG9w0B\\n-----END PRIVATE KEY-----\\n"}',
     '{"id": "ajeq8n2rtp7ij1l5dm7a", "service_account_id": "aje0sfp1nkn9ba7lt5lq", "private_key": "***"}'),
    ("json inside a json string", r'{"body": "{\"password\": \"x y\", \"login\": \"acme\"}"}',
     r'{"body": "{\"password\": \"***\", \"login\": \"acme\"}"}'),
    ("truncated body", '{"login": "acme", "password": "two wor', '{"login": "acme", "password": "***'),
    # Python reprs.
    ("dict repr", "{'login': 'acme', 'password': 'two words', 'api_password': \"it's\"}",
     "{'login': 'acme', 'password': '***', 'api_password': \"***\"}"),
    ("kwargs repr", "Credentials(login='acme', password='two words')", "Credentials(login='acme', password='***')"),
    # Form bodies and URLs.
    ("form body", "password=two+words&login=acme%40example.com", "password=***&login=acme%40example.com"),
    ("beget url", "GET https://api.beget.com/api/user/getAccountInfo?login=acme&passwd=s3cr3t&output_format=json",
     "GET https://api.beget.com/api/user/getAccountInfo?login=acme&passwd=***&output_format=json"),
    ("token query parameter", "https://example.com/v1/export?token=abc.def-123&page=2",
     "https://example.com/v1/export?token=***&page=2"),
    ("api_key query parameter", "https://example.com/v1/servers/srv-42/metrics?from=0&api_key=k3y#top",
     "https://example.com/v1/servers/srv-42/metrics?from=0&api_key=***#top"),
    ("presigned url credential", "https://bucket.s3.amazonaws.com/cur.csv?X-Amz-Credential=AKIA%2F20260501&x=1",
     "https://bucket.s3.amazonaws.com/cur.csv?X-Amz-Credential=***&x=1"),
    # PEM blocks, over several lines.
    ("pem private key", f"key loaded:\n-----BEGIN PRIVATE KEY-----\n{PEM_BODY}-----END PRIVATE KEY-----\nnext line",
     "key loaded:\n-----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----\nnext line"),
    ("pem rsa key", f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}-----END RSA PRIVATE KEY-----",
     "-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----"),
    ("pem openssh key cut off", f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY}",
     "-----BEGIN OPENSSH PRIVATE KEY-----***"),
    # Bare Yandex tokens, AWS keys next to their names.
    ("bare iam token", f"IAM token for folder b1g4c2a1 expires soon: {IAM_TOKEN}.",
     "IAM token for folder b1g4c2a1 expires soon: t1.***"),
    ("bare oauth tokens", f"tried {OAUTH_TOKEN} then {OLD_OAUTH_TOKEN}", "tried y0_*** then AQAAAA***"),
    ("bare keystone token", f"cached {KEYSTONE_TOKEN} for project 5d2e", "cached gAAAAA*** for project 5d2e"),
    ("bare bearer credential", "retrying with Bearer abc.def-ghi", "retrying with Bearer ***"),
    ("aws credentials file", f"aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {AWS_SECRET}",
     "aws_access_key_id = ***\naws_secret_access_key = ***"),
    ("aws environment", f"AWS_SECRET_ACCESS_KEY={AWS_SECRET} AWS_REGION=us-east-1",
     "AWS_SECRET_ACCESS_KEY=*** AWS_REGION=us-east-1"),
    ("aws json", f'{{"AccessKeyId": "ASIAIOSFODNN7EXAMPLE", "SecretAccessKey": "{AWS_SECRET}", '
     '"SessionToken": "IQoJb3JpZ2luX2VjEHQaDGV1"}',
     '{"AccessKeyId": "***", "SecretAccessKey": "***", "SessionToken": "***"}'),
]

READABLE = [
    ("a login and a resource id", '{"login": "acme", "id": "fhm1u3f5ql7sl0hrqdpt", "name": "web-1"}'),
    ("a url path", "GET /api/v1/auth/token/ 200; POST https://iam.api.cloud.yandex.net/iam/v1/tokens 200"),
    ("an instance type", "instance i-0abc12 is t1.micro, platform standard-v3"),
    ("words in prose", "password reset sent to acme@example.com; Basic plan; bearer of bad news"),
    ("a missing secret", '{"token": null, "password": ""}'),
    ("a key that only contains a marker's letters", '{"passport": "4510 123456", "keypair": "deploy"}'),
    ("a sync error", "sync 17 of connection 4 failed: HTTP 503 from compute.api.cloud.yandex.net"),
]


@pytest.mark.parametrize(("shape", "text", "expected"), REAL_SHAPES, ids=[s[0] for s in REAL_SHAPES])
def test_each_real_secret_shape_is_masked(shape, text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(("shape", "text"), READABLE, ids=[s[0] for s in READABLE])
def test_what_is_not_secret_stays_readable(shape, text):
    assert redact(text) == text


def _record(msg: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("apps.providers.sync", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_the_filter_masks_the_formatted_message_and_drops_its_arguments():
    record = _record("request %s failed with %r", "GET /v1/x?token=abc", {"password": "two words"})
    assert RedactSecretsFilter().filter(record) is True
    assert record.getMessage() == "request GET /v1/x?token=*** failed with {'password': '***'}"
    assert record.args is None


def test_the_filter_leaves_a_clean_record_as_it_was():
    record = _record("sync %s of connection %s failed", 17, 4)
    RedactSecretsFilter().filter(record)
    assert (record.msg, record.args) == ("sync %s of connection %s failed", (17, 4))


def test_the_filter_masks_secrets_in_the_traceback():
    try:
        raise ValueError("401 for https://api.beget.com/api/user/getAccountInfo?login=acme&passwd=s3cr3t")
    except ValueError:
        record = _record("sync failed", exc_info=sys.exc_info())
    RedactSecretsFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "ValueError: 401 for https://api.beget.com/api/user/getAccountInfo?login=acme&passwd=***" in text
    assert "s3cr3t" not in text


def console_output(log) -> str:
    """What the console handler of the settings writes while ``log()`` runs."""
    console = next(h for h in logging.getLogger().handlers if any(isinstance(f, RedactSecretsFilter)
                                                                  for f in h.filters))
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        log()
    finally:
        console.setStream(previous)
    return stream.getvalue()


def test_the_console_handler_of_the_settings_writes_masked_lines():
    output = console_output(
        lambda: logging.getLogger("apps.providers.sync").error("headers %s", {"X-Auth-Token": KEYSTONE_TOKEN})
    )
    assert output.endswith("ERROR apps.providers.sync headers {'X-Auth-Token': '***'}\n")


def test_a_suspicious_request_is_one_console_line_without_a_traceback():
    try:
        raise DisallowedHost("Invalid HTTP_HOST header: 'evil.example'.")
    except DisallowedHost as exc:
        error = exc
    output = console_output(lambda: logging.getLogger("django.security.DisallowedHost").error(
        "Invalid HTTP_HOST header: 'evil.example'.", exc_info=error, extra={"status_code": 400}))
    assert output.endswith("ERROR django.security.DisallowedHost Invalid HTTP_HOST header: 'evil.example'.\n")
    assert output.count("\n") == 1


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        error = exc
    output = console_output(lambda: logging.getLogger("django.request").error(
        "Internal Server Error: /costs/", exc_info=error, extra={"status_code": 500}))
    assert "Traceback (most recent call last)" in output and "RuntimeError: boom" in output


def test_a_refused_page_is_logged_as_one_warning_line_without_a_traceback(w, client_for, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    response = client_for(w.vera, "alpha").post("/connections/add/beget/", {})
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ("WARNING", "Forbidden (Permission denied): /connections/add/beget/")
    ]
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text
