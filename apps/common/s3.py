"""A small client of the S3 REST API (any S3-compatible store: Yandex Object Storage, AWS S3, MinIO). HTTP only.

Path-style addressing, ``{endpoint}/<bucket>/<key>``, each request signed with AWS Signature Version 4
(botocore's signer, service ``s3``). Calls: ListObjectsV2 (paged by ``continuation-token``), GetObject
(streamed to a file), PutObject (streamed from a file, its SHA-256 signed) and DeleteObject. The session is
``apps.common.http.build_session``: (connect, read) timeouts and capped retries on every call.

Failures raise ``S3Error``: ``kind`` is ``timeout``, ``connection``, ``status`` or ``bad_response``, ``code`` the
S3 error code of an ``<Error><Code>...</Code></Error>`` answer (``NoSuchBucket``, ``InvalidAccessKeyId``,
``AccessDenied``...). Texts never carry the URL or the keys. Callers map them to their own errors (the Yandex
plugin to the provider taxonomy, the billing import store to an ``ApplicationError``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO
from urllib.parse import quote

import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from defusedxml import ElementTree

from .http import OutboundHTTPError, build_session, send

DEFAULT_REGION = "ru-central1"
LIST_MAX_KEYS = 1000  # the S3 maximum per page
MAX_PAGES = 10_000
CHUNK = 1 << 20
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
# Error codes that mean the key itself was refused (rather than a right it lacks).
AUTH_ERROR_CODES = frozenset({"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"})


@dataclass(frozen=True)
class S3Object:
    """One entry of a ListObjectsV2 answer."""

    key: str
    etag: str
    last_modified: datetime | None
    size: int | None


class S3Error(Exception):
    """A call that failed; ``detail`` (``HTTP 403 AccessDenied``, ``timeout (ReadTimeout)``) is safe to log."""

    def __init__(self, kind: str, detail: str, *, status_code: int | None = None, code: str = "",
                 retry_after: float | None = None):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.status_code = status_code
        self.code = code
        self.retry_after = retry_after


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _find(element: Any, name: str) -> Any:
    """A child with or without the S3 namespace (S3-compatible servers differ)."""
    found = element.find(f"{S3_NS}{name}")
    return found if found is not None else element.find(name)


def _text(element: Any, name: str) -> str:
    child = _find(element, name)
    return (child.text or "").strip() if child is not None else ""


def error_code(body: bytes) -> str:
    """The ``<Code>`` of an S3 error answer, or "" (not XML: a proxy's page)."""
    try:
        root = ElementTree.fromstring(body)
    except Exception:  # noqa: BLE001 - defusedxml raises several types for a bad or hostile body
        return ""
    return _text(root, "Code")[:64]


class _Signer(S3SigV4Auth):
    """botocore's S3 signer; an upload signs the SHA-256 its caller computed instead of reading the body again."""

    def __init__(self, credentials: Credentials, region: str, payload_sha256: str | None):
        super().__init__(credentials, "s3", region)
        self._payload_sha256 = payload_sha256

    def payload(self, request: AWSRequest) -> str:
        return self._payload_sha256 or super().payload(request)


class _ExactBody:
    """``size`` bytes of ``source`` from where it stands, rewindable: urllib3 seeks back to ``tell()`` before it
    retries a request, and requests takes the Content-Length from ``len()``."""

    def __init__(self, source: BinaryIO, size: int):
        self._source = source
        self._start = source.tell()
        self._size = size
        self._position = 0

    def __len__(self) -> int:
        return self._size

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence != 0 or not 0 <= offset <= self._size:
            raise OSError("only an absolute position inside the body")
        self._source.seek(self._start + offset)
        self._position = offset
        return offset

    def read(self, amount: int = -1) -> bytes:
        left = self._size - self._position
        if amount is None or amount < 0 or amount > left:
            amount = left
        data = self._source.read(amount) if amount else b""
        self._position += len(data)
        return data


class S3Client:
    """One bucket of an S3-compatible store, addressed path-style under ``endpoint``."""

    def __init__(self, *, endpoint: str, bucket: str, access_key_id: str, secret_access_key: str,
                 region: str = DEFAULT_REGION, session: requests.Session | None = None):
        self._credentials = Credentials(access_key_id.strip(), secret_access_key.strip())
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket.strip().strip("/")
        self.region = region or DEFAULT_REGION
        self.session = session or build_session()

    def __repr__(self) -> str:  # never the keys
        return f"S3Client(bucket={self.bucket!r}, endpoint={self.endpoint!r})"

    def url(self, key: str = "", query: dict[str, str] | None = None) -> str:
        path = f"/{quote(self.bucket, safe='')}"
        if key:
            path += "/" + quote(key, safe="/~")
        url = f"{self.endpoint}{path}"
        if query:
            url += "?" + "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in query.items())
        return url

    def signed_headers(self, method: str, url: str, *, payload_sha256: str | None = None) -> dict[str, str]:
        request = AWSRequest(method=method, url=url, headers={})
        _Signer(self._credentials, self.region, payload_sha256).add_auth(request)
        return {str(k): str(v) for k, v in request.headers.items()}

    def request(self, method: str, key: str = "", *, query: dict[str, str] | None = None, stream: bool = False,
                body: Any = None, headers: dict[str, str] | None = None,
                payload_sha256: str | None = None) -> requests.Response:
        """One signed call; a failure raises ``S3Error`` with the S3 error code read from the answer."""
        url = self.url(key, query)
        failed: dict[str, Any] = {}

        def keep_error(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            if not 200 <= response.status_code < 300:
                failed["code"] = error_code(response.content[:65536])

        try:
            return send(self.session, method, url, stream=stream, data=body,
                        headers={**self.signed_headers(method, url, payload_sha256=payload_sha256),
                                 "Accept": "*/*", **(headers or {})},
                        hooks={"response": [keep_error]})
        except OutboundHTTPError as exc:
            code = failed.get("code") or ""
            raise S3Error(exc.kind, f"{exc.detail} {code}".strip()[:500], status_code=exc.status_code, code=code,
                          retry_after=exc.retry_after) from None

    def list_objects(self, *, prefix: str = "") -> Iterator[S3Object]:
        """ListObjectsV2 under ``prefix``, every page (``IsTruncated`` / ``NextContinuationToken``)."""
        token = ""
        seen: set[str] = set()
        for _page in range(MAX_PAGES):
            query = {"list-type": "2", "max-keys": str(LIST_MAX_KEYS)}
            if prefix:
                query["prefix"] = prefix
            if token:
                query["continuation-token"] = token
            response = self.request("GET", query=query)
            try:
                root = ElementTree.fromstring(response.content)
            except Exception:  # noqa: BLE001 - defusedxml raises several types for a bad or hostile body
                raise S3Error("bad_response", "body is not XML") from None
            if root.tag not in (f"{S3_NS}ListBucketResult", "ListBucketResult"):
                raise S3Error("bad_response", "not a ListBucketResult")
            for item in list(root.findall(f"{S3_NS}Contents")) + list(root.findall("Contents")):
                key = _text(item, "Key")
                if not key:
                    continue
                size = _text(item, "Size")
                yield S3Object(key=key, etag=_text(item, "ETag").strip('"'),
                               last_modified=_parse_time(_text(item, "LastModified")),
                               size=int(size) if size.isdigit() else None)
            truncated = _text(root, "IsTruncated").lower() == "true"
            token = _text(root, "NextContinuationToken")
            if not truncated:
                return
            if not token or token in seen:
                raise S3Error("bad_response", "paging does not advance")
            seen.add(token)
        raise S3Error("bad_response", "too many pages")

    def check(self, *, prefix: str = "") -> None:
        """The cheapest call that proves the key may list the bucket: one key of the first page."""
        query = {"list-type": "2", "max-keys": "1"}
        if prefix:
            query["prefix"] = prefix
        self.request("GET", query=query)

    def download(self, key: str, target: BinaryIO) -> int:
        """GetObject streamed into ``target`` (never whole in memory); returns the bytes written."""
        response = self.request("GET", key, stream=True)
        written = 0
        try:
            for chunk in response.iter_content(CHUNK):
                target.write(chunk)
                written += len(chunk)
        except requests.RequestException as exc:
            raise S3Error("connection", f"download interrupted ({type(exc).__name__})") from None
        finally:
            response.close()
        return written

    def upload(self, key: str, source: BinaryIO, *, size: int, sha256: str,
               content_type: str = "application/octet-stream") -> None:
        """PutObject: ``size`` bytes of ``source`` from where it stands, streamed in one request (S3 takes up to
        5 GB so). ``sha256`` (hex) is signed: the store refuses a body that does not match it."""
        self.request("PUT", key, body=_ExactBody(source, size), payload_sha256=sha256,
                     headers={"Content-Type": content_type, "Content-Length": str(size)})

    def delete(self, key: str) -> None:
        """DeleteObject (S3 answers 204 for a key that is already gone)."""
        self.request("DELETE", key)
