"""The demo's recommendations backlog (seed 7.3, issue 10 "Demo"), produced by the rules from the demo estate.

In ``demo``: open (and accepted) findings total 10 400 ₽ a month ± 15 % across rightsizing, cleanup and storage
policy; one finding is accepted by the demo owner, one verified from the ledger. The Beget client gets its
balance runway and plan findings. Expected figures come from the estate definition (``apps.demo.estate``) and
the rule specifications, not from the code under test.

Which rules each test needs: ``rightsizing_vm`` and ``unused_ip`` (rules_a), ``cold_bucket_storage``,
``commitment_steady``, ``balance_runway`` and ``beget_plan_underuse`` (rules_b); ``unattached_volume`` and the
engine are in the core.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.demo.estate import RESOURCES, demo_cost_rows
from apps.demo.seeding import demo_costs_seed
from apps.recommendations.models import EvaluationRun, Finding
from apps.recommendations.selectors import findings_summary
from apps.recommendations.vocabulary import Category, RunStatus, Status
from apps.tenants.models import Organization

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
TODAY = NOW.date()
SPEC = {spec.key: spec for spec in RESOURCES}
TARGET = Decimal("10400")


@pytest.fixture
def seeded(w, time_machine):
    time_machine.move_to(NOW, tick=False)
    with schema_context(w.alpha.schema_name):
        demo_costs_seed(today=TODAY, owner=w.alice)
        yield w


def _finding(rule: str, key: str) -> Finding:
    return Finding.objects.get(rule=rule, resource__resource_id=SPEC[key].resource_id)


def _daily(key: str, start, end) -> Decimal:
    """The estate's ledger for ``key`` per day from ``start`` to ``end`` (inclusive), to four decimals."""
    total = sum((row.amount for row in demo_cost_rows(today=TODAY)
                 if row.line.resource == key and not row.resource_override and start <= row.day <= end), Decimal(0))
    return (total / ((end - start).days + 1)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


# --- engine level (the core's rules only) -----------------------------------------------------------------------

def test_the_seed_evaluates_and_the_owner_accepts_the_unattached_disk(seeded):
    w = seeded
    run = EvaluationRun.objects.order_by("-id").first()
    assert run.status == RunStatus.SUCCESS and run.errors == []
    disk = _finding("unattached_volume", "promo-disk")
    assert disk.status == Status.ACCEPTED and disk.status_changed_by_id == w.alice.pk
    assert disk.category == Category.CLEANUP and disk.estimated_monthly_savings > 0
    # A Yandex disk has no list price: its cost is the ledger's last 30 days (the estate's rows of the disk).
    spend = sum((row.amount for row in demo_cost_rows(today=TODAY) if row.line.resource == "promo-disk"
                 and row.day > TODAY - timedelta(days=30)), Decimal(0))
    assert disk.estimated_monthly_savings == spend.quantize(Decimal("0.01"))
    accepted = AuditEvent.objects.get(action="recommendation.accepted", data__finding=disk.pk)
    assert accepted.actor_id == w.alice.pk
    # The attached disks and the buckets' other data give nothing to clean up.
    for key in ("web-disk", "db-volume"):
        assert not Finding.objects.filter(resource__resource_id=SPEC[key].resource_id,
                                          rule="unattached_volume").exists()


def test_seeding_again_keeps_the_findings_and_their_statuses(seeded):
    before = dict(Finding.objects.values_list("id", "status"))
    demo_costs_seed(today=TODAY, owner=seeded.alice)
    assert dict(Finding.objects.values_list("id", "status")) == before
    assert not EvaluationRun.objects.exclude(status=RunStatus.SUCCESS).exists()


# --- with the rules (rules_a and rules_b) -----------------------------------------------------------------------

def test_the_demo_backlog_totals_10_400_roubles_across_rightsizing_cleanup_and_storage(seeded):
    summary = findings_summary()
    potential = summary["potential_monthly_savings"]
    assert TARGET * Decimal("0.85") <= potential <= TARGET * Decimal("1.15"), potential
    for category in (Category.RIGHTSIZING, Category.CLEANUP, Category.STORAGE):
        assert summary["open_by_category"][category] >= 1, category
    assert summary["by_status"][Status.ACCEPTED] >= 1 and summary["by_status"][Status.VERIFIED] >= 1
    assert summary["realized_monthly_savings"] > 0
    live = Finding.objects.filter(status__in=(Status.OPEN, Status.ACCEPTED)).exclude(category=Category.POLICY)
    assert sum(f.estimated_monthly_savings or 0 for f in live) == potential
    # The commitment findings exist but wait for next year's budget: snoozed by the owner, outside the potential.
    commitments = Finding.objects.filter(rule="commitment_steady")
    assert commitments.exists()
    assert set(commitments.values_list("status", flat=True)) == {Status.SNOOZED}
    assert all(f.snoozed_until > f.status_changed_at.date() for f in commitments)


def test_analytics_spb_is_rightsized_from_its_ledger_prices(seeded):
    finding = _finding("rightsizing_vm", "analytics")
    assert finding.status == Status.OPEN and finding.category == Category.RIGHTSIZING
    # CPU p95 about 20 %: 8 -> 4 vCPU keeps it near 41 % (2 vCPU would be 82 % > 70 %);
    # memory p95 about 24 % of 32 GB: 16 GB keeps it near 48 % (8 GB would be 95 %).
    assert finding.evidence["old"] == {"vcpu": "8", "memory_gb": "32.00"}
    assert Decimal(finding.evidence["new"]["vcpu"]) == 4 and Decimal(finding.evidence["new"]["memory_gb"]) == 16
    # Half of the server. Selectel's billing statistics, which the sync imports for the last days, come one line
    # per server and day (no vCPU / RAM lines), so the estimate is proportional to the size, from the server's
    # price (yesterday's billed cost × 30): price × (1 − (4/8 + 16/32) / 2).
    price = sum((row.amount for row in demo_cost_rows(today=TODAY) if row.line.resource == "analytics"
                 and row.day == TODAY - timedelta(days=1)), Decimal(0)) * 30
    assert finding.estimated_monthly_savings == (price / 2).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert finding.confidence == "low"


def test_the_cleanup_and_storage_findings(seeded):
    ip = _finding("unused_ip", "promo-ip")
    assert ip.status == Status.OPEN and ip.category == Category.CLEANUP and ip.estimated_monthly_savings > 0
    cold = _finding("cold_bucket_storage", "backups")
    assert cold.status == Status.OPEN and cold.category == Category.STORAGE
    # 2 048 GB × (the ledger's standard price − 1,07 ₽ per GB a month in cold storage)
    storage = sum((row.amount for row in demo_cost_rows(today=TODAY) if row.line.resource == "backups"
                   and row.line.sku == "dn2q6jv3ve4m9ga6q8k5" and row.day > TODAY - timedelta(days=30)),
                  Decimal(0))
    price = (storage / 2048).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    assert cold.estimated_monthly_savings == (2048 * (price - Decimal("1.07"))).quantize(Decimal("0.01"))
    # media-assets is read (GET, HEAD operations in its ledger): not cold.
    assert not Finding.objects.filter(rule="cold_bucket_storage",
                                      resource__resource_id=SPEC["media"].resource_id).exists()


def test_the_resized_stage_server_is_verified_from_the_ledger(seeded):
    w = seeded
    finding = _finding("rightsizing_vm", "stage")
    applied_on = TODAY - timedelta(days=16)
    assert finding.status == Status.VERIFIED and finding.applied_on == applied_on
    assert finding.evidence["old"]["vcpu"] == "8" and Decimal(finding.evidence["new"]["vcpu"]) == 4
    # Before: the 30 days before the resize; after: the whole days since, to yesterday (×2 -> ×1 in the estate).
    before = _daily("stage", applied_on - timedelta(days=30), applied_on - timedelta(days=1))
    after = _daily("stage", applied_on + timedelta(days=1), TODAY - timedelta(days=1))
    assert finding.realized_monthly_savings == ((before - after) * 30).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert finding.realized_monthly_savings > 0
    events = AuditEvent.objects.filter(data__finding=finding.pk).order_by("id")
    assert [(e.action, e.actor_id) for e in events] == [
        ("recommendation.accepted", w.alice.pk), ("recommendation.applied", w.alice.pk),
        ("recommendation.verified", None)]
    # The server runs at its new size now: no new rightsizing.
    assert Finding.objects.filter(rule="rightsizing_vm", resource=finding.resource).count() == 1


def test_the_beget_client_gets_its_runway_and_plan_findings(w, settings, fake_beget):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    settings.DEMO_FAKECLOUD_URL = fake_beget.url
    call_command("seed_demo", stdout=StringIO())
    with schema_context(Organization.objects.get(slug="demo-client").schema_name):
        runway = Finding.objects.get(rule="balance_runway")
        assert runway.status == Status.OPEN and runway.category == Category.PLAN
        assert runway.estimated_monthly_savings is None and runway.risk == "medium"  # 3 days to block
        plan = Finding.objects.get(rule="beget_plan_underuse")
        # Plan «Cloud» at 1 847 ₽ a month, 2 of 25 sites and 2 150 of 30 720 MB used: «Start» (390 ₽) covers it.
        assert plan.status == Status.OPEN and plan.estimated_monthly_savings == Decimal("1457.00")
