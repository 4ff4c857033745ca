"""The utilization and cleanup rules end to end: inventory, metric summaries and ledger rows in tenant alpha, an
evaluation through ``evaluate_now``, the stored findings and their savings (computed by hand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.costs.services.rollups import cost_rollups_refresh
from apps.inventory.models import Resource, ResourceMetricSummary
from apps.providers.models import ProviderConnection
from apps.recommendations.models import Finding
from apps.recommendations.services import evaluate_now
from tests.costs.explorer_data import ledger, row

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
NBSP = "\xa0"


def _rub(text: str) -> str:
    return text.replace(" ", NBSP) + f"{NBSP}₽"


def _resource(conn, rid: str, kind: str, *, status: str = "running", specs=None, monthly=None, created=None):
    now = timezone.now()
    return Resource.objects.create(
        connection=conn, provider="yandex", resource_id=rid, resource_name=rid, resource_type=kind, kind=kind,
        status=status, specs=specs or {}, monthly_cost=None if monthly is None else Decimal(monthly), currency="RUB",
        created_at_provider=created, first_seen_at=now, last_seen_at=now)


def _summary(resource, metric: str, *, p95: str, avg: str, days: int):
    ResourceMetricSummary.objects.create(
        resource=resource, metric=metric, period_start=NOW - timedelta(days=days) + timedelta(hours=1),
        period_end=NOW, points=days * 24, avg=Decimal(avg), min=Decimal(0), max=Decimal(p95), p95=Decimal(p95))


def _usage_rows(conn, rid: str, description: str, unit: str, daily_quantity: str, daily_cost: str):
    rows = []
    for back in range(30):
        one = row(TODAY - timedelta(days=back), daily_cost, resource=rid, connection=conn)
        one.sku_id, one.charge_description, one.pricing_unit = description[:20], description, unit
        one.pricing_quantity = Decimal(daily_quantity)
        rows.append(one)
    return rows


# Only this module's rules: the others (commitments, schedules...) have their own end-to-end tests.
RULES_A = ("unattached_volume", "rightsizing_vm", "rightsizing_database", "idle_vm", "stopped_vm_paid", "unused_ip",
           "old_snapshot", "unused_image")


@pytest.mark.django_db
def test_evaluate_now_finds_rightsizing_idle_and_cleanup(w, settings):
    settings.RECOMMENDATION_RULES = {k: v for k, v in settings.RECOMMENDATION_RULES.items() if k in RULES_A}
    with time_machine.travel(NOW, tick=False), schema_context(w.alpha.schema_name):
        conn = ProviderConnection.objects.create(provider="yandex", name="Yandex prod",
                                                 credentials={"oauth_token": "y0_x"})
        api = _resource(conn, "api-prod", "compute", specs={"cpu_cores": 8, "memory_gb": "16.00"})
        _summary(api, "cpu_percent", p95="30", avg="12", days=14)
        _summary(api, "memory_percent", p95="20", avg="15", days=14)
        # Per day: 8 vCPU × 24 h = 192 vCPU·h for 289,92 ₽ (1,51 ₽ an hour); 16 GB × 24 h = 384 GB·h for 153,60 ₽.
        ledger(_usage_rows(conn, "api-prod", "Intel Ice Lake. 100% vCPU", "vCPU*hour", "192", "289.92")
               + _usage_rows(conn, "api-prod", "Intel Ice Lake. RAM", "GB*hour", "384", "153.60"))
        idle = _resource(conn, "cron-old", "compute", specs={"cpu_cores": 2, "memory_gb": "4.00"}, monthly="2000")
        _summary(idle, "cpu_percent", p95="2", avg="1", days=7)
        _summary(idle, "network_mbps", p95="0.3", avg="0.1", days=7)
        unmeasured = _resource(conn, "no-metrics", "compute", specs={"cpu_cores": 16, "memory_gb": "64"},
                               monthly="20000")
        stopped = _resource(conn, "dev-old", "compute", status="stopped", specs={"cpu_cores": 2})
        dev_disk = _resource(conn, "dev-old-disk", "volume", specs={"attached_to": ["dev-old"]}, monthly="500")
        loose_disk = _resource(conn, "loose-disk", "volume", specs={"attached": False}, monthly="300")
        address = _resource(conn, "e9b-addr", "ip_address", status="inactive", monthly="150")
        snapshot = _resource(conn, "snap-2026", "snapshot", monthly="40", created=NOW - timedelta(days=60))
        _resource(conn, "snap-new", "snapshot", monthly="40", created=NOW - timedelta(days=3))
        cost_rollups_refresh(start=TODAY - timedelta(days=35), end=TODAY, fetch_missing_rates=False)

        run = evaluate_now(now=NOW)

        assert run.status == "success", run.errors
        found = {(f.rule, f.resource_id): f for f in Finding.objects.all()}
        assert {key: f.estimated_monthly_savings for key, f in found.items()} == {
            # (8 − 4) × 1,51 × 720 + (16 − 8) × 0,40 × 720 = 4 348,80 + 2 304,00
            ("rightsizing_vm", api.pk): Decimal("6652.80"),
            ("idle_vm", idle.pk): Decimal("2000.00"),
            ("stopped_vm_paid", stopped.pk): Decimal("500.00"),
            ("unattached_volume", loose_disk.pk): Decimal("300.00"),
            ("unused_ip", address.pk): Decimal("150.00"),
            ("old_snapshot", snapshot.pk): Decimal("40.00"),
        }
        assert unmeasured.pk not in {f.resource_id for f in found.values()}
        rightsizing = found[("rightsizing_vm", api.pk)]
        assert rightsizing.category == "rightsizing" and rightsizing.confidence == "high"
        assert rightsizing.formula == (f"(8 vCPU → 4 vCPU) × {_rub('1,51')} за vCPU в час × 720 ч + "
                                       f"(16 ГБ → 8 ГБ ОЗУ) × {_rub('0,40')} за ГБ в час × 720 ч = {_rub('6 652,80')}")
        assert rightsizing.evidence["new"] == {"vcpu": "4", "memory_gb": "8"}  # decimals stored as strings
        assert rightsizing.evidence["metrics"][0]["p95"] == "30.0000"
        assert found[("stopped_vm_paid", stopped.pk)].related_resource_ids == [dev_disk.pk]
        assert found[("idle_vm", idle.pk)].category == "idle"
        # 6 652,80 + 2 000 + 500 + 300 + 150 + 40 = 9 642,80
        assert run.potential_monthly_savings == Decimal("9642.80")
