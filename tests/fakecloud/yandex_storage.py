"""Fake Yandex Object Storage: the S3 API a billing export bucket is read with.

It speaks the documented S3 REST API (docs.aws.amazon.com/AmazonS3/latest/API, which Yandex Object Storage
implements: yandex.cloud/docs/storage/s3/api-ref), path-style, under ``/s3`` of the fake server (the plugin
maps a custom connection endpoint to ``{endpoint}/s3``):

- ``GET /s3/<bucket>?list-type=2[&prefix=][&max-keys=][&continuation-token=][&start-after=]``:
  ListObjectsV2, ``ListBucketResult`` XML in the S3 namespace, keys in binary order, ``IsTruncated`` and an
  opaque ``NextContinuationToken``; ``page_limit`` caps a page below ``max-keys`` (S3 may return fewer);
- ``GET /s3/<bucket>/<key>``: GetObject with ``ETag`` (quoted MD5) and ``Last-Modified``;
- ``PUT /s3/<bucket>/<key>``: PutObject; a body whose SHA-256 differs from the signed
  ``x-amz-content-sha256`` is refused (``XAmzContentSHA256Mismatch``, 400);
- ``DELETE /s3/<bucket>/<key>``: DeleteObject, 204 whether the key existed or not;
- errors as ``<Error><Code/><Message/><Resource/><RequestId/></Error>``: ``NoSuchBucket`` / ``NoSuchKey``
  (404), ``InvalidAccessKeyId`` / ``SignatureDoesNotMatch`` / ``AccessDenied`` (403).

Every request must carry an AWS Signature Version 4 ``Authorization`` header. The fake recomputes the
signature from the request itself (canonical request, string to sign, HMAC key chain, as the SigV4 docs
describe), independently of the client's signer. Keys: ``access_keys`` {key id: secret}; ``grants``
{key id: buckets} limits a key (default: every bucket).

Daily billing files use the documented columns of the detailed export (docs: billing/operations/
get-folder-report; shared/providers/yandex/FACTS.md): ``export_csv(rows)`` writes them, ``demo_day_rows``
makes a deterministic day for the demo bucket.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from email.utils import formatdate
from typing import Any
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

from .server import Fault, Reply, Request

PREFIX = "/s3/"
REGION = "ru-central1"
DEMO_ACCESS_KEY_ID = "YCAJEfakeinfrazenbilling"
DEMO_SECRET_ACCESS_KEY = "YCfake-infrazen-billing-secret-key-0001"
DEMO_BUCKET = "infrazen-billing"
DEMO_PREFIX = "yc-billing-export/"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"

EXPORT_COLUMNS = (
    "billing_account_id", "billing_account_name", "cloud_id", "cloud_name", "folder_id", "folder_name",
    "resource_id", "service_id", "service_name", "sku_id", "sku_name", "date", "currency", "pricing_quantity",
    "pricing_unit", "cost", "credit", "monetary_grant_credit", "volume_incentive_credit", "cud_credit",
    "misc_credit", "label.user_labels.env", "locale", "updated_at", "exported_at",
)


def _csv_value(value: Any) -> str:
    text = "" if value is None else str(value)
    if any(c in text for c in ',"\n\r'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def export_csv(rows: Iterable[Mapping[str, Any]], *, columns: tuple[str, ...] = EXPORT_COLUMNS) -> bytes:
    """Rows (dicts by export column) as the export writes them: a header, comma-separated, '.' decimals."""
    lines = [",".join(columns)]
    lines += [",".join(_csv_value(row.get(c, "")) for c in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def demo_day_rows(day: date, *, billing_account_id: str, cloud_id: str, folder_id: str,
                  resources: Iterable[tuple[str, str, str, str]], seed: int = 1) -> list[dict[str, Any]]:
    """One day of the demo account: per resource (id, service name, sku name, unit) a deterministic cost."""
    rows = []
    for resource_id, service, sku, unit in resources:
        rng = random.Random(f"{seed}:{resource_id}:{day.isoformat()}")
        cost = rng.randint(500, 30_000) / 100
        credit = -round(cost * rng.choice([0, 0, 0.1]), 2)
        rows.append({
            "billing_account_id": billing_account_id, "billing_account_name": "InfraZen demo", "cloud_id": cloud_id,
            "cloud_name": "infrazen-demo", "folder_id": folder_id, "folder_name": "prod", "resource_id": resource_id,
            "service_id": "dn2" + hashlib.sha1(service.encode()).hexdigest()[:17], "service_name": service,
            "sku_id": "dn2" + hashlib.sha1(sku.encode()).hexdigest()[:17], "sku_name": sku,
            "date": day.isoformat(), "currency": "RUB", "pricing_quantity": rng.randint(1, 48),
            "pricing_unit": unit, "cost": f"{cost:.2f}", "credit": f"{credit:.2f}",
            "monetary_grant_credit": f"{credit:.2f}", "volume_incentive_credit": "0", "cud_credit": "0",
            "misc_credit": "0", "label.user_labels.env": "prod", "locale": "en",
            "updated_at": str(int(datetime(day.year, day.month, day.day, 21, tzinfo=UTC).timestamp())),
            "exported_at": f"{day.isoformat()}T21:00:00Z",
        })
    return rows


def _error(status: int, code: str, message: str, resource: str) -> Reply:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{escape(message)}'
            f"</Message><Resource>{escape(resource)}</Resource><RequestId>{secrets.token_hex(8)}</RequestId></Error>")
    return Reply(status, raw=body.encode(), headers={"Content-Type": "application/xml"})


def _uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class FakeYandexStorage:
    """An S3-compatible bucket store. ``clock`` dates each object's ``Last-Modified`` when it is put."""

    def __init__(self, *, access_keys: Mapping[str, str] | None = None,
                 grants: Mapping[str, Iterable[str]] | None = None, page_limit: int = 1000,
                 clock: Callable[[], float] = time.time):
        self.access_keys = dict(access_keys if access_keys is not None else
                                {DEMO_ACCESS_KEY_ID: DEMO_SECRET_ACCESS_KEY})
        self.grants = {k: set(v) for k, v in (grants or {}).items()}
        self.page_limit = page_limit
        self.clock = clock
        self.buckets: dict[str, dict[str, tuple[bytes, float]]] = {}
        self.gets: list[str] = []  # keys served by GetObject
        self.puts: list[str] = []  # keys written by PutObject
        self.deletes: list[str] = []  # keys named by DeleteObject

    # --- data -------------------------------------------------------------------------------------
    def create_bucket(self, bucket: str) -> None:
        self.buckets.setdefault(bucket, {})

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self.create_bucket(bucket)
        self.buckets[bucket][key] = (body, self.clock())

    def seed_demo(self, *, days: Iterable[date], billing_account_id: str, cloud_id: str, folder_id: str,
                  resources: Iterable[tuple[str, str, str, str]], bucket: str = DEMO_BUCKET,
                  prefix: str = DEMO_PREFIX) -> None:
        resources = list(resources)
        for day in days:
            rows = demo_day_rows(day, billing_account_id=billing_account_id, cloud_id=cloud_id,
                                 folder_id=folder_id, resources=resources)
            self.put(bucket, f"{prefix}{day:%Y%m%d}.csv", export_csv(rows))

    # --- SigV4 ------------------------------------------------------------------------------------
    def _authenticate(self, request: Request, resource: str) -> Reply | str:
        """The access key id of a correctly signed request, or the S3 error answer."""
        header = request.headers.get("authorization", "")
        if not header.startswith("AWS4-HMAC-SHA256 "):
            return _error(403, "AccessDenied", "Access Denied", resource)
        fields = dict(part.strip().split("=", 1) for part in header[len("AWS4-HMAC-SHA256 "):].split(",")
                      if "=" in part)
        try:
            key_id, day, region, service, terminator = fields["Credential"].split("/")
            signed_headers = fields["SignedHeaders"].split(";")
            signature = fields["Signature"]
        except (KeyError, ValueError):
            return _error(400, "AuthorizationHeaderMalformed", "The authorization header is malformed", resource)
        secret = self.access_keys.get(key_id)
        if secret is None:
            return _error(403, "InvalidAccessKeyId",
                          "The AWS Access Key Id you provided does not exist in our records.", resource)
        if region != REGION or service != "s3" or terminator != "aws4_request":
            return _error(400, "AuthorizationHeaderMalformed", "The authorization header is malformed", resource)
        amz_date = request.headers.get("x-amz-date", "")
        payload_hash = request.headers.get("x-amz-content-sha256", "")
        signed_body = request.method == "PUT" and len(payload_hash) == 64
        if "host" not in signed_headers or not amz_date.startswith(day) or payload_hash not in (
                EMPTY_SHA256, "UNSIGNED-PAYLOAD") and not signed_body:
            return _error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match",
                          resource)
        query = "&".join(f"{_uri_encode(k)}={_uri_encode(v)}" for k, v in sorted(request.query.items()))
        headers = "".join(f"{name}:{' '.join(request.headers.get(name, '').split())}\n" for name in signed_headers)
        canonical = "\n".join([request.method, request.path, query, headers, ";".join(signed_headers), payload_hash])
        scope = f"{day}/{region}/{service}/{terminator}"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), day), region), service), terminator)
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return _error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the "
                          "signature you provided. Check your key and signing method.", resource)
        return key_id

    # --- routes -----------------------------------------------------------------------------------
    def handle(self, request: Request, fault: Fault | None) -> Reply | None:
        if not request.path.startswith(PREFIX):
            return None
        bucket, _slash, raw_key = request.path[len(PREFIX):].partition("/")
        bucket, key = unquote(bucket), unquote(raw_key)
        resource = f"/{bucket}/{key}" if key else f"/{bucket}"
        if request.method not in ("GET", "PUT", "DELETE") or (request.method != "GET" and not key):
            return _error(405, "MethodNotAllowed", "The specified method is not allowed", resource)
        key_id = self._authenticate(request, resource)
        if isinstance(key_id, Reply):
            return key_id
        if fault is not None and fault.kind == "forbid":
            return _error(403, "AccessDenied", "Access Denied", resource)
        if bucket not in self.buckets:
            return _error(404, "NoSuchBucket", "The specified bucket does not exist", resource)
        if key_id in self.grants and bucket not in self.grants[key_id]:
            return _error(403, "AccessDenied", "Access Denied", resource)
        if request.method == "PUT":
            return self._put_object(bucket, key, request, resource)
        if request.method == "DELETE":
            self.deletes.append(key)
            self.buckets[bucket].pop(key, None)
            return Reply(204, raw=b"")
        if key:
            return self._get_object(bucket, key, resource)
        if request.query.get("list-type") == "2":
            return self._list_v2(bucket, request, resource)
        return _error(501, "NotImplemented", "Only ListObjectsV2 is implemented by the fake", resource)

    def _get_object(self, bucket: str, key: str, resource: str) -> Reply:
        found = self.buckets[bucket].get(key)
        if found is None:
            return _error(404, "NoSuchKey", "The specified key does not exist.", resource)
        body, modified = found
        self.gets.append(key)
        content_type = "application/gzip" if key.endswith(".gz") else "text/csv"
        return Reply(200, raw=body, headers={
            "Content-Type": content_type, "ETag": f'"{hashlib.md5(body).hexdigest()}"',  # noqa: S324 - S3's ETag
            "Last-Modified": formatdate(modified, usegmt=True)})

    def _put_object(self, bucket: str, key: str, request: Request, resource: str) -> Reply:
        body = request.raw
        if int(request.headers.get("content-length") or 0) != len(body):
            return _error(400, "IncompleteBody", "You did not provide the number of bytes specified by the "
                          "Content-Length HTTP header", resource)
        claimed = request.headers.get("x-amz-content-sha256", "")
        if claimed != "UNSIGNED-PAYLOAD" and claimed != hashlib.sha256(body).hexdigest():
            return _error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does "
                          "not match what was computed.", resource)
        self.puts.append(key)
        self.put(bucket, key, body)
        return Reply(200, raw=b"", headers={"ETag": f'"{hashlib.md5(body).hexdigest()}"'})  # noqa: S324 - S3's ETag

    def _list_v2(self, bucket: str, request: Request, resource: str) -> Reply:
        query = request.query
        prefix = query.get("prefix", "")
        try:
            max_keys = int(query.get("max-keys") or 1000)
        except ValueError:
            return _error(400, "InvalidArgument", "Provided max-keys not an integer or within integer range",
                          resource)
        if max_keys < 0:
            return _error(400, "InvalidArgument", "max-keys must be non-negative", resource)
        after = query.get("start-after", "")
        token = query.get("continuation-token", "")
        if token:
            try:
                after = base64.urlsafe_b64decode(token.encode()).decode()
            except ValueError:
                return _error(400, "InvalidArgument", "The continuation token provided is incorrect", resource)
        keys = sorted((k for k in self.buckets[bucket] if k.startswith(prefix) and k > after),
                      key=lambda k: k.encode())
        page = keys[:min(max_keys, self.page_limit, 1000)]
        truncated = len(keys) > len(page)
        parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="{S3_XMLNS}">',
                 f"<Name>{escape(bucket)}</Name><Prefix>{escape(prefix)}</Prefix>",
                 f"<MaxKeys>{max_keys}</MaxKeys><KeyCount>{len(page)}</KeyCount>",
                 f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"]
        if token:
            parts.append(f"<ContinuationToken>{escape(token)}</ContinuationToken>")
        if truncated and page:
            parts.append(f"<NextContinuationToken>{base64.urlsafe_b64encode(page[-1].encode()).decode()}"
                         "</NextContinuationToken>")
        for key in page:
            body, modified = self.buckets[bucket][key]
            stamp = datetime.fromtimestamp(modified, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
                f"{int(modified * 1000) % 1000:03d}Z"
            parts.append(f"<Contents><Key>{escape(key)}</Key><LastModified>{stamp}</LastModified>"
                         f"<ETag>&quot;{hashlib.md5(body).hexdigest()}&quot;</ETag>"  # noqa: S324 - S3's ETag
                         f"<Size>{len(body)}</Size><StorageClass>STANDARD</StorageClass></Contents>")
        parts.append("</ListBucketResult>")
        return Reply(200, raw="".join(parts).encode(), headers={"Content-Type": "application/xml"})
