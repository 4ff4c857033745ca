"""A fake Yandex Cloud ConsumptionCoreService (gRPC), built on the official SDK's generated servicer.

It answers ``GetResourceUsageReport`` from seeded daily figures (``seed(resource_id, day, cost, credit)``),
filtered to the request's inclusive [start_date, end_date] days, with the documented three-level shape:
report totals, per-resource totals, per-day ``periodic`` entries (timestamps at midnight UTC). ``cost`` and
``credit`` are strings (``StringDecimal``); ``expense`` = cost + credit. It checks the
``authorization: Bearer <token>`` metadata against ``tokens`` (UNAUTHENTICATED otherwise) and the billing
account (UNAUTHENTICATED for an unknown one, as the proto documents). ``fault`` = ``"denied"`` answers
PERMISSION_DENIED, ``"exhausted"`` RESOURCE_EXHAUSTED. Every request is kept in ``requests``.

Serve it on ``port`` = the fake HTTP server's port + 1: the plugin derives its gRPC target that way.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent import futures
from datetime import UTC, date, datetime, time
from decimal import Decimal

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from yandex.cloud.billing.usage_records.v1 import (
    billing_types_pb2,
    common_types_pb2,
    consumption_core_pb2,
    consumption_core_service_pb2,
    consumption_core_service_pb2_grpc,
    credit_pb2,
)


def _money(value: Decimal) -> common_types_pb2.StringDecimal:
    return common_types_pb2.StringDecimal(value=str(value))


def _credit(value: Decimal) -> credit_pb2.CreditDetails:
    return credit_pb2.CreditDetails(credit=_money(value), monetary_grant_credit=_money(value))


class FakeConsumptionCore(consumption_core_service_pb2_grpc.ConsumptionCoreServiceServicer):
    def __init__(self, *, billing_account_id: str, tokens: set[str] | None = None):
        self.billing_account_id = billing_account_id
        self.tokens = tokens  # None: any bearer token
        self.fault = ""
        self.requests: list[consumption_core_service_pb2.UsageReportRequest] = []
        self.usage: dict[tuple[str, str], dict[date, tuple[Decimal, Decimal]]] = defaultdict(dict)
        self._server: grpc.Server | None = None

    def seed(self, resource_id: str, day: date, cost: str, credit: str = "0", *, name: str = "") -> None:
        self.usage[(resource_id, name)][day] = (Decimal(cost), Decimal(credit))

    def GetResourceUsageReport(self, request, context):  # noqa: N802 (the generated servicer's name)
        self.requests.append(request)
        metadata = dict(context.invocation_metadata())
        auth = metadata.get("authorization", "")
        if not auth.startswith("Bearer ") or (self.tokens is not None and auth[7:] not in self.tokens):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "The token is invalid")
        if self.fault == "denied":
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "Permission denied")
        if self.fault == "exhausted":
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "Quota limit ConsumptionCore exceeded")
        if request.billing_account_id != self.billing_account_id:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "Billing account not found")
        first = request.start_date.ToDatetime(tzinfo=UTC).date()
        last = request.end_date.ToDatetime(tzinfo=UTC).date()
        response = consumption_core_service_pb2.ResourceUsageReportResponse(currency=common_types_pb2.RUB)
        total_cost = total_credit = Decimal(0)
        for (resource_id, name), days in sorted(self.usage.items()):
            chosen = sorted((day, figures) for day, figures in days.items() if first <= day <= last)
            if not chosen:
                continue
            entity = consumption_core_pb2.ResourceUsageReportEntityData(
                resource=billing_types_pb2.Resource(id=resource_id, name=name, service_instance_type="cloud"))
            cost = sum((c for _day, (c, _cr) in chosen), Decimal(0))
            credit = sum((cr for _day, (_c, cr) in chosen), Decimal(0))
            entity.cost.CopyFrom(_money(cost))
            entity.credit_details.CopyFrom(_credit(credit))
            entity.expense.CopyFrom(_money(cost + credit))
            for day, (day_cost, day_credit) in chosen:
                stamp = Timestamp()
                stamp.FromDatetime(datetime.combine(day, time.min, tzinfo=UTC))
                entity.periodic.append(consumption_core_pb2.UsageReportPeriodicData(
                    cost=_money(day_cost), credit_details=_credit(day_credit), expense=_money(day_cost + day_credit),
                    timestamp=stamp))
            response.entities_data.append(entity)
            total_cost += cost
            total_credit += credit
        response.cost.CopyFrom(_money(total_cost))
        response.credit_details.CopyFrom(_credit(total_credit))
        response.expense.CopyFrom(_money(total_cost + total_credit))
        return response

    # --- serving --------------------------------------------------------------------------------
    def serve(self, port: int, host: str = "127.0.0.1") -> bool:
        """Listen on ``host:port``; False when the port is taken."""
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        consumption_core_service_pb2_grpc.add_ConsumptionCoreServiceServicer_to_server(self, server)
        try:
            bound = server.add_insecure_port(f"{host}:{port}")
        except RuntimeError:
            bound = 0
        if not bound:
            return False
        server.start()
        self._server = server
        return True

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=None)
            self._server = None
