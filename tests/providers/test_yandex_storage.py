"""The Object Storage (S3) reader of the Yandex billing export, over real HTTP against the fake bucket."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, date, datetime

import pytest
from django.utils import translation

from apps.providers.exceptions import ProviderAuthError, ProviderPermissionError, ProviderUnavailable
from apps.providers.plugins.yandex.plugin import YandexPlugin
from apps.providers.plugins.yandex.storage import ObjectStorageClient, export_day
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.yandex import DEMO_OAUTH_TOKEN
from tests.fakecloud.yandex_storage import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY, FakeYandexStorage

from .sync_helpers import fast_session

BUCKET = "billing"


@pytest.fixture
def bucket():
    fake = FakeYandexStorage(page_limit=2, grants={"YCAJEreadsotherbucket": {"other"}},
                             access_keys={DEMO_ACCESS_KEY_ID: DEMO_SECRET_ACCESS_KEY,
                                          "YCAJEreadsotherbucket": "other-secret"})
    fake.create_bucket("other")
    with FakeCloudServer(fake) as server:
        yield server, fake


def _client(url: str, *, key_id: str = DEMO_ACCESS_KEY_ID, secret: str = DEMO_SECRET_ACCESS_KEY,
            bucket: str = BUCKET) -> ObjectStorageClient:
    return ObjectStorageClient(access_key_id=key_id, secret_access_key=secret, bucket=bucket, base_url=url,
                               session=fast_session())


def test_export_files_are_recognized_by_the_day_at_the_end_of_their_name():
    assert export_day("reports/20261205.csv", "reports/") == date(2026, 12, 5)
    assert export_day("reports/2026-12-05.csv", "reports/") == date(2026, 12, 5)
    assert export_day("reports/20261205.csv.gz", "reports/") == date(2026, 12, 5)
    assert export_day("20261205.CSV", "") == date(2026, 12, 5)
    assert export_day("reports/20261305.csv", "reports/") is None  # no 13th month
    assert export_day("reports/notes.txt", "reports/") is None
    assert export_day("other/20261205.csv", "reports/") is None
    assert export_day("reports/billing-20261205.csv", "reports/") == date(2026, 12, 5)
    assert export_day("reports/sub/2026-12-05.csv", "reports/") == date(2026, 12, 5)
    assert export_day("reports/2026-1205.csv", "reports/") is None  # one style or the other
    assert export_day("reports/120261205.csv", "reports/") is None  # more digits than a date


def test_the_listing_follows_continuation_tokens_to_the_last_page(bucket):
    server, fake = bucket
    names = [f"reports/202612{d:02d}.csv" for d in range(1, 6)]
    for name in names:
        fake.put(BUCKET, name, b"a\n1\n")
    fake.put(BUCKET, "elsewhere/20261201.csv", b"a\n1\n")
    listed = list(_client(server.url).list_objects(prefix="reports/"))
    assert [item.key for item in listed] == names
    assert server.count(f"/s3/{BUCKET}") == 3  # 2 + 2 + 1 keys
    assert listed[0].size == 4 and len(listed[0].etag) == 32 and listed[0].last_modified.tzinfo is not None


def test_an_object_is_streamed_to_the_target_whole(bucket):
    server, fake = bucket
    body = b"x" * (3 << 20)
    fake.put(BUCKET, "reports/20261201.csv", body)
    target = io.BytesIO()
    assert _client(server.url).download("reports/20261201.csv", target) == len(body)
    assert target.getvalue() == body


@pytest.mark.parametrize(("key_id", "secret"), [("YCAJEunknownkey", DEMO_SECRET_ACCESS_KEY),
                                                (DEMO_ACCESS_KEY_ID, "not-the-secret")])
def test_a_wrong_key_id_or_secret_is_a_clear_translated_auth_error_without_the_secret(bucket, key_id, secret):
    server, fake = bucket
    fake.create_bucket(BUCKET)
    with translation.override("ru"), pytest.raises(ProviderAuthError) as caught:
        list(_client(server.url, key_id=key_id, secret=secret).list_objects())
    assert caught.value.permanent
    assert "статический ключ доступа" in str(caught.value)
    assert secret not in str(caught.value) and secret not in caught.value.detail


def test_a_missing_bucket_is_named_in_the_error(bucket):
    server, _fake = bucket
    with translation.override("ru"), pytest.raises(ProviderPermissionError) as caught:
        list(_client(server.url, bucket="no-such-bucket").list_objects())
    assert "no-such-bucket" in str(caught.value) and "NoSuchBucket" in caught.value.detail
    assert "не существует" in str(caught.value)


def test_a_key_without_rights_on_the_bucket_is_access_denied(bucket):
    server, fake = bucket
    fake.create_bucket(BUCKET)
    with pytest.raises(ProviderPermissionError) as caught:
        list(_client(server.url, key_id="YCAJEreadsotherbucket", secret="other-secret").list_objects())
    assert "AccessDenied" in caught.value.detail and "storage.viewer" in str(caught.value)


def test_a_failing_storage_is_retried_then_unavailable(bucket):
    server, fake = bucket
    fake.create_bucket(BUCKET)
    server.add_fault(f"/s3/{BUCKET}", "status", status=503, times=None)
    with pytest.raises(ProviderUnavailable):
        list(_client(server.url).list_objects())
    assert server.count(f"/s3/{BUCKET}") == 2  # fast_session: one retry


def _plugin(url: str, **credentials: str) -> YandexPlugin:
    return YandexPlugin(credentials={"oauth_token": DEMO_OAUTH_TOKEN, "billing_bucket": BUCKET,
                                     "s3_access_key_id": DEMO_ACCESS_KEY_ID,
                                     "s3_secret_access_key": DEMO_SECRET_ACCESS_KEY, **credentials},
                        endpoint=url, session=fast_session())


def test_the_plugin_offers_the_daily_files_of_the_window_oldest_first_and_downloads_them(bucket):
    server, fake = bucket
    plain = b"billing_account_id,date\nx,2026-12-03\n"
    for name, body in (("reports/20261130.csv", b"old"), ("reports/2026-12-03.csv", plain),
                       ("reports/20261201.csv.gz", gzip.compress(plain)), ("reports/20261207.csv", b"late"),
                       ("reports/readme.txt", b"no"), ("20261202.csv", b"outside the prefix")):
        fake.put(BUCKET, name, body)
    plugin = _plugin(server.url, billing_prefix="reports/")
    assert plugin.billing_exports_configured()
    files = plugin.billing_exports(start=date(2026, 12, 1), end=date(2026, 12, 7))
    assert [(f.name, f.day) for f in files] == [("reports/20261201.csv.gz", date(2026, 12, 1)),
                                                ("reports/2026-12-03.csv", date(2026, 12, 3))]
    assert files[0].last_modified <= datetime.now(UTC)
    with files[0].open() as path:
        assert path.endswith(".csv.gz")
        with open(path, "rb") as fh:
            assert gzip.decompress(fh.read()) == plain
    import os

    assert not os.path.exists(path)  # the copy is removed after use
    assert fake.gets == ["reports/20261201.csv.gz"]


def test_a_plugin_without_a_bucket_offers_nothing_and_asks_nothing(bucket):
    server, _fake = bucket
    plugin = YandexPlugin(credentials={"oauth_token": DEMO_OAUTH_TOKEN}, endpoint=server.url, session=fast_session())
    assert not plugin.billing_exports_configured()
    assert plugin.billing_exports(start=date(2026, 12, 1), end=date(2026, 12, 7)) == []
    assert server.calls == []
