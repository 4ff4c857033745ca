"""AWS client: boto3 for STS, EC2 and Cost Explorer. Calls only, no normalization.

boto3 brings its own HTTP stack (botocore + urllib3), so the shared ``requests`` session of
``apps.common.http`` does not apply here. The same guarantees are set through botocore's
``Config``: bounded connect/read timeouts, the ``standard`` retry mode (exponential backoff with jitter
for throttling codes, 5xx and connection errors) and the InfraZen User-Agent. Every botocore failure is
mapped to the provider error taxonomy in ``_translate``; error texts never carry the keys.

A custom base URL (``ALLOW_CUSTOM_PROVIDER_ENDPOINTS``) becomes boto3's ``endpoint_url`` for every
service (STS, EC2, Cost Explorer), so one moto server can stand in for AWS. See docs/providers/aws.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from apps.common.http import user_agent
from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderPermissionError,
    ProviderRateLimited,
    ProviderUnavailable,
    error_for_status,
)

DEFAULT_REGION = "us-east-1"
# Cost Explorer is a global service answered from us-east-1 only.
CE_REGION = "us-east-1"
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 4
MAX_PAGES = 1000
INSTANCE_TYPES_PER_CALL = 100  # DescribeInstanceTypes accepts at most 100 names per call

AUTH_CODES = frozenset({
    "AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException",
    "IncompleteSignature", "InvalidAccessKeyId", "ExpiredToken", "ExpiredTokenException", "InvalidToken",
    "MissingAuthenticationToken", "AuthFailure.ServiceLinkedRoleCreationNotPermitted",
})
PERMISSION_CODES = frozenset({
    "UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "OptInRequired",
    "UnauthorizedAccess", "Blocked",
})
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "RequestLimitExceeded", "LimitExceededException",
    "TooManyRequestsException", "RequestThrottled", "RequestThrottledException", "SlowDown",
    "EC2ThrottledException", "BandwidthLimitExceeded",
})
UNAVAILABLE_CODES = frozenset({
    "InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable", "RequestTimeout",
    "RequestTimeoutException", "ServiceUnavailableException", "InternalServerException",
})

T = TypeVar("T")


def _translate(exc: Exception, *, endpoint: str) -> ProviderError:
    """A botocore failure as a ProviderError. Messages from AWS may quote the access key id: only the
    error code and HTTP status are kept."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error") or {}
        code = str(error.get("Code") or "")
        status = int((exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
        detail = f"{code} (HTTP {status})" if status else code
        if code in AUTH_CODES:
            return ProviderAuthError(endpoint=endpoint, detail=detail)
        if code in PERMISSION_CODES or code.startswith("UnauthorizedOperation"):
            return ProviderPermissionError(endpoint=endpoint, detail=detail)
        if code in THROTTLING_CODES:
            return ProviderRateLimited(endpoint=endpoint, detail=detail)
        if code in UNAVAILABLE_CODES:
            return ProviderUnavailable(endpoint=endpoint, detail=detail)
        if status:
            return error_for_status(status, endpoint=endpoint, detail=detail)
        return ProviderBadResponse(endpoint=endpoint, detail=detail or "client error")
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return ProviderAuthError(endpoint=endpoint, detail=type(exc).__name__)
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError):
        return ProviderUnavailable(endpoint=endpoint, detail=f"timeout ({type(exc).__name__})")
    if isinstance(exc, EndpointConnectionError | ConnectionClosedError):
        return ProviderUnavailable(endpoint=endpoint, detail=f"connection failed ({type(exc).__name__})")
    if isinstance(exc, ResponseParserError):
        return ProviderBadResponse(endpoint=endpoint, detail="body could not be parsed")
    return ProviderUnavailable(endpoint=endpoint, detail=type(exc).__name__)


def call(endpoint: str, func: Callable[[], T]) -> T:
    """Run one boto3 call (or a whole pagination) and map its failures to the taxonomy."""
    try:
        return func()
    except ProviderError:
        raise
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        raise _translate(exc, endpoint=endpoint) from None


def parse_regions(value: Any) -> list[str]:
    """``"eu-central-1, us-east-1"`` -> ``["eu-central-1", "us-east-1"]`` (order kept, duplicates dropped)."""
    seen: list[str] = []
    for part in str(value or "").replace(";", ",").replace("\n", ",").split(","):
        region = part.strip().lower()
        if region and region not in seen:
            seen.append(region)
    return seen


class AwsClient:
    def __init__(self, *, access_key_id: str, secret_access_key: str, regions: list[str] | None = None,
                 role_arn: str = "", external_id: str = "", endpoint_url: str = "",
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, read_timeout: float = DEFAULT_READ_TIMEOUT,
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS):
        self.access_key_id = access_key_id
        self._secret_access_key = secret_access_key
        self.configured_regions = list(regions or [])
        self.role_arn = role_arn
        self._external_id = external_id
        self.endpoint_url = endpoint_url.rstrip("/") or None
        self.config = Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            # total_max_attempts counts the first call too (botocore's max_attempts would count only retries).
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            user_agent_extra=user_agent(),
        )
        self._session: boto3.session.Session | None = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._regions: list[str] | None = None

    def __repr__(self) -> str:  # never the secret key
        return f"AwsClient(regions={self.configured_regions!r}, role_arn={self.role_arn!r})"

    # --- sessions and clients -----------------------------------------------------------------
    def _base_session(self) -> boto3.session.Session:
        # An explicit session: never the worker's environment, ~/.aws or instance profile by accident.
        return boto3.session.Session(aws_access_key_id=self.access_key_id,
                                     aws_secret_access_key=self._secret_access_key,
                                     region_name=DEFAULT_REGION)

    def session(self) -> boto3.session.Session:
        if self._session is None:
            base = self._base_session()
            if self.role_arn:
                self._session = self._assumed_session(base)
            else:
                self._session = base
        return self._session

    def _assumed_session(self, base: boto3.session.Session) -> boto3.session.Session:
        sts = base.client("sts", region_name=DEFAULT_REGION, endpoint_url=self.endpoint_url, config=self.config)
        params: dict[str, Any] = {"RoleArn": self.role_arn, "RoleSessionName": "infrazen", "DurationSeconds": 3600}
        if self._external_id:
            params["ExternalId"] = self._external_id
        answer = call("sts/AssumeRole", lambda: sts.assume_role(**params))
        creds = answer.get("Credentials") if isinstance(answer, dict) else None
        if not isinstance(creds, dict) or not creds.get("AccessKeyId"):
            raise ProviderBadResponse(endpoint="sts/AssumeRole", detail="no credentials in answer")
        return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                     aws_secret_access_key=creds.get("SecretAccessKey"),
                                     aws_session_token=creds.get("SessionToken"), region_name=DEFAULT_REGION)

    def client(self, service: str, region: str = DEFAULT_REGION) -> Any:
        key = (service, region)
        if key not in self._clients:
            session = call(f"{service}/session", self.session)
            self._clients[key] = session.client(service, region_name=region, endpoint_url=self.endpoint_url,
                                                config=self.config)
        return self._clients[key]

    # --- calls --------------------------------------------------------------------------------
    def caller_identity(self) -> dict[str, Any]:
        return call("sts/GetCallerIdentity", lambda: self.client("sts").get_caller_identity())

    def regions(self) -> list[str]:
        """The regions listed on the connection, else every region enabled for the account."""
        if self._regions is None:
            if self.configured_regions:
                self._regions = list(self.configured_regions)
            else:
                answer = call("ec2/DescribeRegions", lambda: self.client("ec2").describe_regions(
                    Filters=[{"Name": "opt-in-status", "Values": ["opt-in-not-required", "opted-in"]}]))
                self._regions = sorted(
                    str(r["RegionName"]) for r in (answer.get("Regions") or []) if r.get("RegionName"))
        return self._regions

    def _pages(self, endpoint: str, service: str, region: str, operation: str, **params: Any) -> list[dict]:
        def run() -> list[dict]:
            paginator = self.client(service, region).get_paginator(operation)
            pages: list[dict] = []
            for index, page in enumerate(paginator.paginate(**params)):
                if index >= MAX_PAGES:
                    break
                pages.append(page)
            return pages

        return call(endpoint, run)

    def describe_instances(self, region: str) -> list[dict]:
        return self._pages("ec2/DescribeInstances", "ec2", region, "describe_instances")

    def describe_instance_types(self, region: str, instance_types: list[str]) -> list[dict]:
        names = sorted(set(instance_types))
        pages: list[dict] = []
        for start in range(0, len(names), INSTANCE_TYPES_PER_CALL):
            chunk = names[start:start + INSTANCE_TYPES_PER_CALL]
            pages.extend(self._pages("ec2/DescribeInstanceTypes", "ec2", region, "describe_instance_types",
                                     InstanceTypes=chunk))
        return pages

    def describe_volumes(self, region: str) -> list[dict]:
        return self._pages("ec2/DescribeVolumes", "ec2", region, "describe_volumes")

    def describe_addresses(self, region: str) -> dict[str, Any]:
        # DescribeAddresses is not paginated: one answer holds every address of the region.
        return call("ec2/DescribeAddresses", lambda: self.client("ec2", region).describe_addresses())

    def cost_and_usage(self, *, start: date, end: date, metric: str = "UnblendedCost") -> Iterator[dict]:
        """Daily ``metric`` grouped by SERVICE for [start, end) (End is exclusive), page by page."""
        ce = self.client("ce", CE_REGION)
        params: dict[str, Any] = {
            "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            "Granularity": "DAILY",
            "Metrics": [metric],
            "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
        }
        for _page in range(MAX_PAGES):
            answer = call("ce/GetCostAndUsage", lambda: ce.get_cost_and_usage(**params))
            if not isinstance(answer, dict):
                raise ProviderBadResponse(endpoint="ce/GetCostAndUsage", detail="answer is not an object")
            yield answer
            token = answer.get("NextPageToken")
            if not token:
                return
            params["NextPageToken"] = token
