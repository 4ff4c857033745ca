"""Yandex Object Storage over its S3 API: list and download the detailed billing export. HTTP only.

The export (docs: billing/operations/get-folder-report) writes one CSV per day to the customer's bucket,
named ``<prefix><date>.csv`` and rewritten through the day. We read it with a static access key of a service
account (``storage.viewer`` on the bucket), signing each request with AWS Signature Version 4 (botocore's
signer, service ``s3``, region ``ru-central1``) and addressing the bucket path-style:
``https://storage.yandexcloud.net/<bucket>/<key>``. With a custom connection endpoint (fakes), the S3 host
is ``{endpoint}/s3``.

Calls: ``GET /<bucket>?list-type=2&prefix=&max-keys=`` (ListObjectsV2, paged by ``continuation-token``) and
``GET /<bucket>/<key>`` (GetObject, streamed to a file). Errors come as ``<Error><Code>...</Code></Error>``
XML: the code tells a wrong key (``InvalidAccessKeyId``, ``SignatureDoesNotMatch``) from a missing right
(``AccessDenied``) and a missing bucket (``NoSuchBucket``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO
from urllib.parse import quote

import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from defusedxml import ElementTree
from django.utils.translation import gettext_lazy as _

from apps.common.http import build_session
from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderPermissionError,
    ProviderUnavailable,
)
from apps.providers.http import request_response

S3_HOST = "https://storage.yandexcloud.net"
S3_REGION = "ru-central1"
CUSTOM_ENDPOINT_PATH = "/s3"  # the S3 API under a custom connection endpoint (the REST services keep theirs)
LIST_MAX_KEYS = 1000  # the S3 maximum per page
MAX_PAGES = 10_000
CHUNK = 1 << 20
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
# The day a file is named after: its name ends with it, ``<prefix>20261205.csv`` or ``<prefix>2026-12-05.csv``
# (``.csv.gz`` too; whatever stands between the prefix and the date is allowed, a subfolder included).
_DAY_NAME = re.compile(r"(?:^|.*[^0-9])(\d{4})(-?)(\d{2})\2(\d{2})\.csv(?:\.gz)?", re.IGNORECASE | re.DOTALL)

MSG_KEY_REJECTED = _("Yandex Object Storage rejected the static access key. Check the key ID and the secret.")
MSG_ACCESS_DENIED = _("The static access key may not read the billing export bucket «%(bucket)s». Give its "
                      "service account the storage.viewer role on the bucket.")
MSG_NO_BUCKET = _("The billing export bucket «%(bucket)s» does not exist. Check the bucket name.")
MSG_NO_OBJECT = _("The billing export file %(name)s disappeared while it was being read. The next "
                  "synchronization reads it again.")


@dataclass(frozen=True)
class StorageObject:
    """One entry of a ListObjectsV2 answer."""

    key: str
    etag: str
    last_modified: datetime | None
    size: int | None


def export_day(key: str, prefix: str) -> date | None:
    """The day an export file is named after, or None for any other object under the prefix."""
    if not key.startswith(prefix):
        return None
    match = _DAY_NAME.fullmatch(key[len(prefix):])
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
    except ValueError:
        return None


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


def _error_code(body: bytes) -> str:
    try:
        root = ElementTree.fromstring(body)
    except Exception:  # noqa: BLE001 - not XML (a proxy's page): no code
        return ""
    return _text(root, "Code")[:64]


class ObjectStorageClient:
    def __init__(self, *, access_key_id: str, secret_access_key: str, bucket: str, base_url: str = "",
                 session: requests.Session | None = None):
        self._credentials = Credentials(access_key_id.strip(), secret_access_key.strip())
        self.bucket = bucket.strip().strip("/")
        self.host = f"{base_url.rstrip('/')}{CUSTOM_ENDPOINT_PATH}" if base_url else S3_HOST
        self.session = session or build_session()

    def __repr__(self) -> str:  # never the keys
        return f"ObjectStorageClient(bucket={self.bucket!r}, host={self.host!r})"

    def _url(self, key: str = "", query: dict[str, str] | None = None) -> str:
        path = f"/{quote(self.bucket, safe='')}"
        if key:
            path += "/" + quote(key, safe="/~")
        url = f"{self.host}{path}"
        if query:
            url += "?" + "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in query.items())
        return url

    def _signed_headers(self, method: str, url: str) -> dict[str, str]:
        request = AWSRequest(method=method, url=url, headers={})
        S3SigV4Auth(self._credentials, "s3", S3_REGION).add_auth(request)
        return {str(k): str(v) for k, v in request.headers.items()}

    def _get(self, url: str, *, endpoint: str, name: str = "", stream: bool = False) -> requests.Response:
        """One signed GET; S3 error answers become the provider taxonomy with the S3 error code in ``detail``."""
        failed: dict[str, Any] = {}

        def keep_error(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            if not 200 <= response.status_code < 300:
                failed["code"] = _error_code(response.content[:65536])

        try:
            return request_response(self.session, "GET", url, endpoint=endpoint, stream=stream,
                                    headers={**self._signed_headers("GET", url), "Accept": "*/*"},
                                    hooks={"response": [keep_error]})
        except ProviderError as exc:
            code = failed.get("code") or ""
            detail = f"{exc.detail} {code}".strip()
            bucket = {"bucket": self.bucket}
            if code in {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}:
                raise ProviderAuthError(MSG_KEY_REJECTED, endpoint=endpoint, detail=detail) from None
            if code == "AccessDenied" or (not code and exc.detail == "HTTP 403"):
                raise ProviderPermissionError(MSG_ACCESS_DENIED % bucket, endpoint=endpoint, detail=detail) from None
            if code == "NoSuchBucket":
                raise ProviderPermissionError(MSG_NO_BUCKET % bucket, endpoint=endpoint, detail=detail) from None
            if code == "NoSuchKey":
                raise ProviderBadResponse(MSG_NO_OBJECT % {"name": name}, endpoint=endpoint, detail=detail) from None
            exc.detail = detail[:500]
            raise

    def list_objects(self, *, prefix: str = "") -> Iterator[StorageObject]:
        """ListObjectsV2 under ``prefix``, every page (``IsTruncated`` / ``NextContinuationToken``)."""
        endpoint = "storage/ListObjectsV2"
        token = ""
        seen: set[str] = set()
        for _page in range(MAX_PAGES):
            query = {"list-type": "2", "max-keys": str(LIST_MAX_KEYS)}
            if prefix:
                query["prefix"] = prefix
            if token:
                query["continuation-token"] = token
            response = self._get(self._url(query=query), endpoint=endpoint)
            try:
                root = ElementTree.fromstring(response.content)
            except Exception:  # noqa: BLE001 - defusedxml raises several types for a bad or hostile body
                raise ProviderBadResponse(endpoint=endpoint, detail="body is not XML") from None
            if root.tag not in (f"{S3_NS}ListBucketResult", "ListBucketResult"):
                raise ProviderBadResponse(endpoint=endpoint, detail="not a ListBucketResult")
            for item in list(root.findall(f"{S3_NS}Contents")) + list(root.findall("Contents")):
                key = _text(item, "Key")
                if not key:
                    continue
                size = _text(item, "Size")
                yield StorageObject(key=key, etag=_text(item, "ETag").strip('"'),
                                    last_modified=_parse_time(_text(item, "LastModified")),
                                    size=int(size) if size.isdigit() else None)
            truncated = _text(root, "IsTruncated").lower() == "true"
            token = _text(root, "NextContinuationToken")
            if not truncated:
                return
            if not token or token in seen:
                raise ProviderBadResponse(endpoint=endpoint, detail="paging does not advance")
            seen.add(token)
        raise ProviderBadResponse(endpoint=endpoint, detail="too many pages")

    def check(self, *, prefix: str = "") -> None:
        """The cheapest call that proves the key may list the bucket: one key of the first page."""
        query = {"list-type": "2", "max-keys": "1"}
        if prefix:
            query["prefix"] = prefix
        self._get(self._url(query=query), endpoint="storage/ListObjectsV2")

    def download(self, key: str, target: BinaryIO) -> int:
        """GetObject streamed into ``target``; returns the bytes written."""
        endpoint = "storage/GetObject"
        response = self._get(self._url(key), endpoint=endpoint, name=key, stream=True)
        written = 0
        try:
            for chunk in response.iter_content(CHUNK):
                target.write(chunk)
                written += len(chunk)
        except requests.RequestException as exc:
            raise ProviderUnavailable(endpoint=endpoint,
                                      detail=f"download interrupted ({type(exc).__name__})") from None
        finally:
            response.close()
        return written
