"""The generic S3 client over real HTTP against the fake S3 store: put, get, delete, retries and refusals."""

from __future__ import annotations

import hashlib
import io

import pytest

from apps.common.http import build_session
from apps.common.s3 import S3Client, S3Error
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.yandex_storage import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY, FakeYandexStorage

BUCKET = "bucket"


@pytest.fixture
def s3():
    fake = FakeYandexStorage()
    fake.create_bucket(BUCKET)
    with FakeCloudServer(fake) as server:
        client = S3Client(endpoint=f"{server.url}/s3", bucket=BUCKET, access_key_id=DEMO_ACCESS_KEY_ID,
                          secret_access_key=DEMO_SECRET_ACCESS_KEY,
                          session=build_session(retries=1, backoff_factor=0, read_timeout=10, connect_timeout=2))
        yield server, fake, client


def test_a_multi_megabyte_file_goes_up_and_comes_back_whole_then_is_deleted(s3):
    _server, fake, client = s3
    body = bytes(range(256)) * (3 * 4096 + 7)  # ~3 MB, not a multiple of any chunk size
    source = io.BytesIO(b"ignored head" + body)
    source.seek(len(b"ignored head"))  # the body starts where the source stands
    client.upload("a/b c.upload", source, size=len(body), sha256=hashlib.sha256(body).hexdigest())
    assert fake.buckets[BUCKET]["a/b c.upload"][0] == body
    target = io.BytesIO()
    assert client.download("a/b c.upload", target) == len(body)
    assert target.getvalue() == body
    client.delete("a/b c.upload")
    assert fake.buckets[BUCKET] == {}
    client.delete("a/b c.upload")  # already gone: S3 answers 204 all the same


def test_a_put_retried_after_a_server_error_sends_the_whole_body_again(s3):
    server, fake, client = s3
    body = b"x,y\n" * 100_000
    server.add_fault(f"/s3/{BUCKET}/k.upload", "status", status=503, times=1)
    client.upload("k.upload", io.BytesIO(body), size=len(body), sha256=hashlib.sha256(body).hexdigest())
    assert server.count(f"/s3/{BUCKET}/k.upload") == 2
    assert fake.buckets[BUCKET]["k.upload"][0] == body


def test_a_body_that_does_not_match_its_signed_hash_is_refused(s3):
    _server, fake, client = s3
    with pytest.raises(S3Error) as caught:
        client.upload("k.upload", io.BytesIO(b"real"), size=4, sha256=hashlib.sha256(b"other").hexdigest())
    assert caught.value.kind == "status" and caught.value.code == "XAmzContentSHA256Mismatch"
    assert fake.buckets[BUCKET] == {}


def test_a_wrong_secret_is_a_status_error_with_the_s3_code_and_no_secret(s3):
    server, _fake, _client = s3
    client = S3Client(endpoint=f"{server.url}/s3", bucket=BUCKET, access_key_id=DEMO_ACCESS_KEY_ID,
                      secret_access_key="wrong-secret-value")
    with pytest.raises(S3Error) as caught:
        client.upload("k.upload", io.BytesIO(b"data"), size=4, sha256=hashlib.sha256(b"data").hexdigest())
    assert (caught.value.status_code, caught.value.code) == (403, "SignatureDoesNotMatch")
    assert caught.value.detail == "HTTP 403 SignatureDoesNotMatch"
    assert "wrong-secret-value" not in repr(client) and DEMO_ACCESS_KEY_ID not in repr(client)


def test_an_unreachable_store_is_a_transport_error_without_the_address(s3):
    server, _fake, client = s3
    server.stop()
    with pytest.raises(S3Error) as caught:
        client.delete("k.upload")
    # urllib3's NewConnectionError is a ConnectTimeoutError: apps.common.http.send reports it as a timeout.
    assert caught.value.kind in {"timeout", "connection"} and caught.value.status_code is None
    assert caught.value.code == "" and "127.0.0.1" not in caught.value.detail
