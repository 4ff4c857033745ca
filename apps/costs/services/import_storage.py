"""Billing uploads in an S3-compatible bucket (``settings.BILLING_IMPORT_STORAGE = "s3://bucket/prefix"``), so that
any worker machine can import what any web machine received.

An upload becomes the object ``<prefix>/<schema>/<uuid>.upload``; ``BillingImport.stored_path`` keeps it as
``s3://<bucket>/<key>`` (a local path otherwise), so the worker knows where to read it even if the setting changed
meanwhile. The worker fetches it into a scratch file next to the local uploads (streamed: files run to hundreds of
MB), imports that, and removes both whatever the outcome.

One PutObject per upload (S3 takes up to 5 GB in one request; ``BILLING_IMPORT_MAX_MB`` stays below): the upload
is already a local file (Django spools big ones to disk), read once for its size and SHA-256 (signed, so the store
refuses a corrupted body) and once more to send it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from apps.common.errors import ApplicationError
from apps.common.s3 import S3Client, S3Error

from ..exceptions import CostErrorCode

logger = logging.getLogger(__name__)
SCHEME = "s3://"


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or "a/b/" (always ends with a slash)

    def key(self, schema_name: str) -> str:
        return f"{self.prefix}{schema_name}/{uuid.uuid4().hex}.upload"


def _parse(value: str) -> S3Location:
    if not value.startswith(SCHEME):
        raise ImproperlyConfigured("BILLING_IMPORT_STORAGE must be empty (a local directory) or s3://bucket/prefix.")
    bucket, _slash, prefix = value[len(SCHEME):].partition("/")
    if not bucket:
        raise ImproperlyConfigured("BILLING_IMPORT_STORAGE names no bucket: s3://bucket/prefix.")
    prefix = prefix.strip("/")
    return S3Location(bucket=bucket, prefix=f"{prefix}/" if prefix else "")


def upload_location() -> S3Location | None:
    """The bucket new uploads go to, or None: the local directory."""
    value = (getattr(settings, "BILLING_IMPORT_STORAGE", "") or "").strip()
    return _parse(value) if value else None


def is_object(stored_path: str) -> bool:
    return stored_path.startswith(SCHEME)


def _split(stored_path: str) -> tuple[str, str]:
    bucket, _slash, key = stored_path[len(SCHEME):].partition("/")
    return bucket, key


def _client(bucket: str) -> S3Client:
    key_id = getattr(settings, "BILLING_IMPORT_S3_ACCESS_KEY_ID", "")
    secret = getattr(settings, "BILLING_IMPORT_S3_SECRET_ACCESS_KEY", "")
    if not key_id or not secret:
        raise ImproperlyConfigured("BILLING_IMPORT_STORAGE is an S3 bucket: set BILLING_IMPORT_S3_ACCESS_KEY_ID "
                                   "and BILLING_IMPORT_S3_SECRET_ACCESS_KEY.")
    return S3Client(endpoint=settings.BILLING_IMPORT_S3_ENDPOINT, region=settings.BILLING_IMPORT_S3_REGION,
                    bucket=bucket, access_key_id=key_id, secret_access_key=secret)


def upload_store(*, uploaded_file, location: S3Location, schema_name: str, limit_bytes: int,
                 too_large: ApplicationError) -> tuple[str, int]:
    """Put the upload into the bucket; returns (``stored_path``, size). A file over ``limit_bytes`` raises
    ``too_large``; a store that refuses it raises a translated ``ApplicationError`` (nothing is left there)."""
    digest = hashlib.sha256()
    size = 0
    for chunk in uploaded_file.chunks():
        size += len(chunk)
        if size > limit_bytes:  # a size the client did not announce
            raise too_large
        digest.update(chunk)
    key = location.key(schema_name)
    uploaded_file.seek(0)
    try:
        _client(location.bucket).upload(key, uploaded_file, size=size, sha256=digest.hexdigest())
    except S3Error as exc:  # a PutObject that failed stores nothing: no object to remove
        logger.error("billing import upload could not be stored in bucket %s: %s", location.bucket, exc.detail)
        raise ApplicationError(
            _("The file could not be stored on the server: the file storage did not accept it. Nothing was "
              "imported. Try again later; if it keeps failing, tell the administrator."),
            CostErrorCode.STORAGE_UNAVAILABLE, http_status=503) from None
    return f"{SCHEME}{location.bucket}/{key}", size


def object_delete(stored_path: str) -> None:
    """Remove an upload from the bucket; a failure is logged (a bucket lifecycle rule catches what stays)."""
    bucket, key = _split(stored_path)
    try:
        _client(bucket).delete(key)
    except S3Error as exc:
        logger.warning("billing import upload %s could not be deleted from bucket %s: %s", key, bucket, exc.detail)


class FetchFailed(Exception):
    """The stored upload could not be read back from the bucket."""


@contextmanager
def object_fetched(stored_path: str, *, scratch_dir: Path) -> Iterator[str]:
    """A local copy of the object, for the length of the block; then the copy and the object are removed,
    whatever happened (an import is never retried from the same upload). Raises ``FetchFailed``."""
    bucket, key = _split(stored_path)
    scratch = scratch_dir / f"{uuid.uuid4().hex}.fetch"
    try:
        try:
            with open(scratch, "wb") as target:
                _client(bucket).download(key, target)
        except S3Error as exc:
            logger.error("billing import upload %s could not be read from bucket %s: %s", key, bucket, exc.detail)
            raise FetchFailed(exc.detail) from None
        except OSError as exc:
            logger.error("billing import upload %s could not be copied to local disk: %s", key,
                         exc.strerror or exc.__class__.__name__)
            raise FetchFailed(exc.strerror or exc.__class__.__name__) from None
        yield str(scratch)
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)
        object_delete(stored_path)
