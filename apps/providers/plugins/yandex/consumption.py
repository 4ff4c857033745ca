"""Yandex Cloud ConsumptionCore usage reports over gRPC (the API has no REST form).

One call per cost window: ``ConsumptionCoreService.GetResourceUsageReport`` for the billing account, the
days ``[start, end - 1]`` (both inclusive, day granularity) and ``aggregation_period=DAY``. Each entity is one
resource with a ``periodic`` series of daily figures; a day's cost line is ``cost + credit_details.credit``
(the proto's ``expense``: credits are negative), the same figure as the billing export's ``cost + credit``.

The service allows **1 request per minute per IP address**. All workers of a deployment share one egress IP,
so the gate is a key in Django's cache (``cache.add`` with a 60 s timeout): when another worker took it
less than a minute ago, ``ConsumptionGateClosed`` is raised without any request; the caller skips the
report this time. The gate is shared only when the cache is (``CACHE_URL`` = Redis in production).

Endpoint: ``billing.api.cloud.yandex.net:443`` over TLS. With a custom connection endpoint
(``http://host:port``, the fakes), the gRPC target is ``host:port+1`` over an insecure channel: the fake
gRPC server listens next to the fake HTTP one. See docs/providers/yandex.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import grpc
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from google.protobuf.timestamp_pb2 import Timestamp
from yandex.cloud.billing.usage_records.v1 import common_types_pb2, consumption_core_service_pb2
from yandex.cloud.billing.usage_records.v1.consumption_core_service_pb2_grpc import ConsumptionCoreServiceStub

from apps.providers.exceptions import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderPermissionError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from apps.providers.plugins.base import CostLine

DEFAULT_TARGET = "billing.api.cloud.yandex.net:443"
ENDPOINT = "billing/usage_records/v1/GetResourceUsageReport"
CALL_TIMEOUT = 120.0  # seconds for the whole call (a 35-day report of a large account is one answer)
GATE_SECONDS = 60  # the documented limit: 1 request per minute per IP address
GATE_KEY = "yandex:consumption-core:gate:{target}"
MOSCOW = timezone(timedelta(hours=3))  # Yandex Cloud bills Moscow days (the export's ``date``)
MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # a report of thousands of resources x 36 days is one message
_CURRENCIES = {common_types_pb2.RUB: "RUB", common_types_pb2.USD: "USD", common_types_pb2.KZT: "KZT",
               common_types_pb2.EUR: "EUR"}

MSG_DENIED = _("Yandex Cloud refused the usage report of billing account %(account)s. Give the service account "
               "the billing.accounts.getReport (or billing.accounts.viewer) role on the billing account.")
MSG_UNAUTHENTICATED = _("Yandex Cloud did not accept the IAM token for the usage report, or billing account "
                        "%(account)s does not exist. Check the billing account ID.")
MSG_EXHAUSTED = _("Yandex Cloud allows one usage report request per minute. The costs will be read on the "
                  "next synchronization.")


class ConsumptionGateClosed(Exception):
    """The shared one-request-per-minute gate is closed: no request was made."""


def grpc_target(endpoint: str) -> tuple[str, bool]:
    """The gRPC target and whether it is TLS: the real host, or ``host:port+1`` of a custom endpoint."""
    if not endpoint:
        return DEFAULT_TARGET, True
    parts = urlsplit(endpoint)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{host}:{port + 1}", False


def rate_gate_open(target: str) -> bool:
    """Take the shared gate of ``target`` for a minute; False when it is already taken."""
    return bool(cache.add(GATE_KEY.format(target=target), "1", timeout=GATE_SECONDS))


def _decimal(value: Any) -> Decimal:
    text = getattr(value, "value", "") or "0"
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ProviderBadResponse(endpoint=ENDPOINT, detail="unreadable amount") from exc
    if not number.is_finite():
        raise ProviderBadResponse(endpoint=ENDPOINT, detail="unreadable amount")
    return number


def _timestamp(day: date) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.combine(day, time.min, tzinfo=UTC))
    return stamp


def report_day(stamp: Timestamp) -> date:
    """The billing day of a periodic entry: its Moscow date (midnight MSK given as 21:00Z of the day before
    and 00:00Z of the day itself both land on the day)."""
    return stamp.ToDatetime(tzinfo=UTC).astimezone(MOSCOW).date()


class ConsumptionClient:
    """``GetResourceUsageReport`` with the plugin's IAM token (``authorization: Bearer``) and a timeout."""

    def __init__(self, *, endpoint: str = "", timeout: float = CALL_TIMEOUT):
        self.target, self.secure = grpc_target(endpoint)
        self.timeout = timeout

    def _channel(self) -> grpc.Channel:
        options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)]
        if self.secure:
            return grpc.secure_channel(self.target, grpc.ssl_channel_credentials(), options=options)
        return grpc.insecure_channel(self.target, options=options)

    def resource_report(self, *, iam_token: str, billing_account_id: str, start: date,
                        end: date) -> consumption_core_service_pb2.ResourceUsageReportResponse:
        """The daily report of ``start <= day < end``; raises ``ConsumptionGateClosed`` before any request
        when the minute's request was already made, else the provider error taxonomy."""
        if not rate_gate_open(self.target):
            raise ConsumptionGateClosed
        request = consumption_core_service_pb2.UsageReportRequest(
            billing_account_id=billing_account_id, start_date=_timestamp(start),
            end_date=_timestamp(end - timedelta(days=1)), aggregation_period=common_types_pb2.DAY)
        with self._channel() as channel:
            stub = ConsumptionCoreServiceStub(channel)
            try:
                return stub.GetResourceUsageReport(request, timeout=self.timeout,
                                                   metadata=(("authorization", f"Bearer {iam_token}"),))
            except grpc.RpcError as exc:
                raise _error(exc, billing_account_id) from None


def _error(exc: grpc.RpcError, account: str) -> Exception:
    code = exc.code() if hasattr(exc, "code") else None
    detail = f"gRPC {code.name}" if code is not None else "gRPC error"
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return ProviderPermissionError(MSG_DENIED % {"account": account}, endpoint=ENDPOINT, detail=detail)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return ProviderAuthError(MSG_UNAUTHENTICATED % {"account": account}, endpoint=ENDPOINT, detail=detail)
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return ProviderRateLimited(MSG_EXHAUSTED, endpoint=ENDPOINT, detail=detail, retry_after=GATE_SECONDS)
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND):
        return ProviderBadResponse(endpoint=ENDPOINT, detail=detail)
    return ProviderUnavailable(endpoint=ENDPOINT, detail=detail)


def resource_cost_lines(report: Any, *, billing_account_id: str, start: date, end: date) -> Iterator[CostLine]:
    """One line per resource and day of ``start <= day < end``: ``cost + credit`` (credit is negative).
    Consumption not tied to a resource (an empty id) is an account-level line under the billing account."""
    currency = _CURRENCIES.get(report.currency, "RUB")
    for entity in report.entities_data:
        resource_id = entity.resource.id or billing_account_id
        for period in entity.periodic:
            if not period.HasField("timestamp"):
                raise ProviderBadResponse(endpoint=ENDPOINT, detail="periodic entry without timestamp")
            day = report_day(period.timestamp)
            if not start <= day < end:
                continue
            cost, credit = _decimal(period.cost), _decimal(period.credit_details.credit)
            yield CostLine(provider="yandex", resource_id=resource_id, day=day, amount=cost + credit,
                           currency=currency, resource_name=entity.resource.name,
                           extras={"x_list_cost": str(cost), "x_credit": str(credit)})
