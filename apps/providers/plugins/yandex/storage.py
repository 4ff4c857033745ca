"""Yandex Object Storage over its S3 API: list and download the detailed billing export. HTTP only.

The export (docs: billing/operations/get-folder-report) writes one CSV per day to the customer's bucket,
named ``<prefix><date>.csv`` and rewritten through the day. We read it with a static access key of a service
account (``storage.viewer`` on the bucket), signing each request with AWS Signature Version 4 (botocore's
signer, service ``s3``, region ``ru-central1``) and addressing the bucket path-style:
``https://storage.yandexcloud.net/<bucket>/<key>``. With a custom connection endpoint (fakes), the S3 host
is ``{endpoint}/s3``.

Calls (through the generic ``apps.common.s3.S3Client``): ``GET /<bucket>?list-type=2&prefix=&max-keys=``
(ListObjectsV2, paged by ``continuation-token``) and ``GET /<bucket>/<key>`` (GetObject, streamed to a file).
Errors come as ``<Error><Code>...</Code></Error>`` XML: the code tells a wrong key (``InvalidAccessKeyId``,
``SignatureDoesNotMatch``) from a missing right (``AccessDenied``) and a missing bucket (``NoSuchBucket``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import BinaryIO

import requests
from django.utils.translation import gettext_lazy as _

from apps.common.s3 import AUTH_ERROR_CODES, S3Client, S3Error
from apps.common.s3 import S3Object as StorageObject
from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderPermissionError,
    ProviderUnavailable,
    error_for_status,
)

S3_HOST = "https://storage.yandexcloud.net"
S3_REGION = "ru-central1"
CUSTOM_ENDPOINT_PATH = "/s3"  # the S3 API under a custom connection endpoint (the REST services keep theirs)
# The day a file is named after: its name ends with it, ``<prefix>20261205.csv`` or ``<prefix>2026-12-05.csv``
# (``.csv.gz`` too; whatever stands between the prefix and the date is allowed, a subfolder included).
_DAY_NAME = re.compile(r"(?:^|.*[^0-9])(\d{4})(-?)(\d{2})\2(\d{2})\.csv(?:\.gz)?", re.IGNORECASE | re.DOTALL)

MSG_KEY_REJECTED = _("Yandex Object Storage rejected the static access key. Check the key ID and the secret.")
MSG_ACCESS_DENIED = _("The static access key may not read the billing export bucket «%(bucket)s». Give its "
                      "service account the storage.viewer role on the bucket.")
MSG_NO_BUCKET = _("The billing export bucket «%(bucket)s» does not exist. Check the bucket name.")
MSG_NO_OBJECT = _("The billing export file %(name)s disappeared while it was being read. The next "
                  "synchronization reads it again.")


__all__ = ["ObjectStorageClient", "StorageObject", "export_day"]


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


class ObjectStorageClient:
    """The billing export bucket through ``apps.common.s3.S3Client``; its failures become the provider taxonomy
    with the S3 error code in ``detail``."""

    def __init__(self, *, access_key_id: str, secret_access_key: str, bucket: str, base_url: str = "",
                 session: requests.Session | None = None):
        host = f"{base_url.rstrip('/')}{CUSTOM_ENDPOINT_PATH}" if base_url else S3_HOST
        self._s3 = S3Client(endpoint=host, bucket=bucket, access_key_id=access_key_id,
                            secret_access_key=secret_access_key, region=S3_REGION, session=session)
        self.bucket = self._s3.bucket
        self.host = host
        self.session = self._s3.session

    def __repr__(self) -> str:  # never the keys
        return f"ObjectStorageClient(bucket={self.bucket!r}, host={self.host!r})"

    def _provider_error(self, exc: S3Error, *, endpoint: str, name: str = "") -> ProviderError:
        if exc.kind == "bad_response":
            return ProviderBadResponse(endpoint=endpoint, detail=exc.detail)
        if exc.kind != "status":
            return ProviderUnavailable(endpoint=endpoint, detail=exc.detail)
        code = exc.code
        detail = exc.detail
        bucket = {"bucket": self.bucket}
        if code in AUTH_ERROR_CODES:
            return ProviderAuthError(MSG_KEY_REJECTED, endpoint=endpoint, detail=detail)
        if code == "AccessDenied" or (not code and exc.status_code == 403):
            return ProviderPermissionError(MSG_ACCESS_DENIED % bucket, endpoint=endpoint, detail=detail)
        if code == "NoSuchBucket":
            return ProviderPermissionError(MSG_NO_BUCKET % bucket, endpoint=endpoint, detail=detail)
        if code == "NoSuchKey":
            return ProviderBadResponse(MSG_NO_OBJECT % {"name": name}, endpoint=endpoint, detail=detail)
        return error_for_status(exc.status_code or 0, endpoint=endpoint, retry_after=exc.retry_after, detail=detail)

    def list_objects(self, *, prefix: str = "") -> Iterator[StorageObject]:
        """ListObjectsV2 under ``prefix``, every page (``IsTruncated`` / ``NextContinuationToken``)."""
        try:
            yield from self._s3.list_objects(prefix=prefix)
        except S3Error as exc:
            raise self._provider_error(exc, endpoint="storage/ListObjectsV2") from None

    def check(self, *, prefix: str = "") -> None:
        """The cheapest call that proves the key may list the bucket: one key of the first page."""
        try:
            self._s3.check(prefix=prefix)
        except S3Error as exc:
            raise self._provider_error(exc, endpoint="storage/ListObjectsV2") from None

    def download(self, key: str, target: BinaryIO) -> int:
        """GetObject streamed into ``target``; returns the bytes written."""
        try:
            return self._s3.download(key, target)
        except S3Error as exc:
            raise self._provider_error(exc, endpoint="storage/GetObject", name=key) from None
