"""Verification of applied findings from the ledger's daily rollup, all findings read at once.

Hand-computed: realized = (daily cost over the 30 days before the applied date − daily cost from the day after it
to yesterday) × 30. A ledger row imported without a connection counts for a resource by its id alone: when two
findings' resources share that id, each finding still gets it, as a lookup of its own resources gives.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.costs.models import CostDaily
from apps.inventory.models import Resource
from apps.providers.models import ProviderConnection
from apps.recommendations.models import Finding
from apps.recommendations.services import findings_verify

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # Moscow 2026-03-04; yesterday 2026-03-03


def _resource(conn, rid: str) -> Resource:
    return Resource.objects.create(connection=conn, provider=conn.provider, resource_id=rid, resource_type="volume",
                                   kind="volume", status="running", first_seen_at=NOW, last_seen_at=NOW)


def _finding(resource: Resource, applied_on: date, baseline: str | None = None) -> Finding:
    return Finding.objects.create(rule="unattached_volume", subject=str(resource.pk), category="cleanup",
                                  status="applied", resource=resource, title=resource.resource_id, action="delete",
                                  first_seen_at=NOW, last_seen_at=NOW, status_changed_at=NOW, applied_on=applied_on,
                                  baseline_daily_cost=Decimal(baseline) if baseline else None,
                                  estimated_monthly_savings=Decimal("100.00"))


def _cost(conn_id: int | None, rid: str, day: date, amount: str) -> None:
    CostDaily.objects.create(charge_date=day, connection_id=conn_id, resource_id=rid, billing_currency="RUB",
                             billed_cost=Decimal(amount), effective_cost=Decimal(amount), list_cost=Decimal(amount),
                             billed_cost_org=Decimal(amount), effective_cost_org=Decimal(amount), org_currency="RUB")


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_findings_verified_together_from_the_ledger(w):
    with schema_context(w.alpha.schema_name):
        a = ProviderConnection.objects.create(provider="selectel", name="A", credentials={})
        b = ProviderConnection.objects.create(provider="selectel", name="B", credentials={})
        vol_a, vm_a, vol_b, late = _resource(a, "vol-1"), _resource(a, "vm-2"), _resource(b, "vol-1"), \
            _resource(a, "late")
        f1 = _finding(vol_a, date(2026, 2, 20))
        f2 = _finding(vm_a, date(2026, 2, 20), baseline="50.0000")
        f3 = _finding(vol_b, date(2026, 2, 10))
        f4 = _finding(late, date(2026, 3, 1))  # applied 2 days ago: too early to measure
        # f1: before 2026-01-21..2026-02-19, 10 days of 18.00 = 180.00 / 30 = 6.0000 a day.
        for d in range(10):
            _cost(a.pk, "vol-1", date(2026, 2, 1) + timedelta(days=d), "18.00")
        # f1: after 2026-02-21..2026-03-03 (11 days): 5.50 + 5.50 + 11.00 (no connection, id vol-1) = 2.0000 a day.
        _cost(a.pk, "vol-1", date(2026, 2, 22), "5.50")
        _cost(a.pk, "vol-1", date(2026, 3, 3), "5.50")
        _cost(None, "vol-1", date(2026, 2, 25), "11.00")
        # f2: baseline fixed at 50.0000; after: 11 days of 40.00 = 40.0000 a day.
        for d in range(11):
            _cost(a.pk, "vm-2", date(2026, 2, 21) + timedelta(days=d), "40.00")
        # f3: before 2026-01-11..2026-02-09: 3 days of 30.00 = 90.00 / 30 = 3.0000; after 2026-02-11..2026-03-03
        # (21 days): only the connection-less 11.00 = 0.5238 a day.
        for d in range(3):
            _cost(b.pk, "vol-1", date(2026, 1, 15) + timedelta(days=d), "30.00")
        _cost(a.pk, "late", date(2026, 2, 1), "10.00")

        verified = findings_verify(now=NOW)

        assert sorted(f.pk for f in verified) == sorted([f1.pk, f2.pk, f3.pk])
        for finding in (f1, f2, f3, f4):
            finding.refresh_from_db()
        assert (f1.status, f1.baseline_daily_cost, f1.realized_monthly_savings) == (
            "verified", Decimal("6.0000"), Decimal("120.00"))  # (6 − 2) × 30
        assert f1.verification == {"before_daily": "6.0000", "after_daily": "2.0000", "before_start": "2026-01-21",
                                   "before_end": "2026-02-19", "after_start": "2026-02-21",
                                   "after_end": "2026-03-03", "after_days": 11}
        assert (f2.status, f2.realized_monthly_savings) == ("verified", Decimal("300.00"))  # (50 − 40) × 30
        assert (f3.status, f3.realized_monthly_savings) == ("verified", Decimal("74.29"))  # (3 − 0.5238) × 30
        assert (f4.status, f4.realized_monthly_savings, f4.verified_at) == ("applied", None, None)
        assert f1.verified_at == NOW and f1.status_changed_at == NOW
        events = AuditEvent.objects.filter(action="recommendation.verified").order_by("id")
        assert [e.data["finding"] for e in events] == [f.pk for f in verified]
