"""The findings' lifecycle on a real PostgreSQL: transitions with their audit events, snoozes that end, and the
verification of an applied finding from the ledger's daily rollup (hand-computed realized savings)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.common.errors import ApplicationError
from apps.inventory.models import Resource
from apps.recommendations.models import Finding
from apps.recommendations.selectors import findings_summary
from apps.recommendations.services import (
    evaluate_now,
    finding_accept,
    finding_apply,
    finding_dismiss,
    finding_reopen,
    finding_snooze,
    findings_verify,
)
from apps.recommendations.vocabulary import Status

from .conftest import connection_make, daily_ledger, volume_make

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)  # 12:00 in Moscow, 20 May
TODAY = NOW.date()


def _open_finding(resource_id: str = "fhm-disk-1", monthly: str = "300.00") -> tuple[Finding, Resource]:
    disk = volume_make(connection_make(), resource_id, monthly=monthly)
    evaluate_now()
    return Finding.objects.get(rule="unattached_volume", subject=str(disk.pk)), disk


def _events(finding: Finding) -> list[tuple[str, int | None, str, str]]:
    return [(e.action, e.actor_id, e.data.get("from"), e.data.get("to"))
            for e in AuditEvent.objects.filter(data__finding=finding.pk).order_by("id")]


def test_every_state_change_made_by_a_person_is_audited_with_the_user(in_alpha):
    w = in_alpha
    with time_machine.travel(NOW, tick=False):
        finding, _disk = _open_finding()
        finding_accept(finding=finding, actor=w.fiona)
        finding_reopen(finding=finding, actor=w.adam)
        finding_dismiss(finding=finding, actor=w.erin, reason="  Диск нужен для отчётности  ")
        finding_reopen(finding=finding, actor=w.adam)
        finding_snooze(finding=finding, actor=w.alice, until=TODAY + timedelta(days=10))
        finding_apply(finding=finding, actor=w.fiona, applied_on=TODAY - timedelta(days=2))
    assert _events(finding) == [
        ("recommendation.accepted", w.fiona.pk, "open", "accepted"),
        ("recommendation.open", w.adam.pk, "accepted", "open"),
        ("recommendation.dismissed", w.erin.pk, "open", "dismissed"),
        ("recommendation.open", w.adam.pk, "dismissed", "open"),
        ("recommendation.snoozed", w.alice.pk, "open", "snoozed"),
        ("recommendation.applied", w.fiona.pk, "snoozed", "applied"),
    ]
    events = list(AuditEvent.objects.filter(data__finding=finding.pk).order_by("id"))
    assert events[0].actor_email == "fiona@alpha.test"
    assert events[2].data["reason"] == "Диск нужен для отчётности"
    assert events[4].data["until"] == "2026-05-30" and events[5].data["applied_on"] == "2026-05-18"
    finding.refresh_from_db()
    assert finding.status == Status.APPLIED and finding.status_changed_by_id == w.fiona.pk
    assert finding.applied_on == TODAY - timedelta(days=2) and finding.snoozed_until is None
    assert finding.dismiss_reason == ""  # reopening cleared it


def test_forbidden_transitions_and_bad_input_are_refused_and_not_audited(in_alpha):
    w = in_alpha
    with time_machine.travel(NOW, tick=False):
        finding, _disk = _open_finding()
        with pytest.raises(ApplicationError) as no_reason:
            finding_dismiss(finding=finding, actor=w.fiona, reason="   ")
        assert no_reason.value.code == "reason_required"
        with pytest.raises(ApplicationError) as past:
            finding_snooze(finding=finding, actor=w.fiona, until=TODAY)
        assert past.value.code == "invalid_date"
        with pytest.raises(ApplicationError):
            finding_snooze(finding=finding, actor=w.fiona, until=TODAY + timedelta(days=367))
        with pytest.raises(ApplicationError) as future:
            finding_apply(finding=finding, actor=w.fiona, applied_on=TODAY + timedelta(days=1))
        assert future.value.code == "invalid_date"
        finding.refresh_from_db()
        assert finding.status == Status.OPEN and _events(finding) == []
        finding_apply(finding=finding, actor=w.fiona)
        assert finding.applied_on == TODAY
        with pytest.raises(ApplicationError) as refused:
            finding_accept(finding=finding, actor=w.fiona)
        assert refused.value.http_status == 409 and refused.value.code == "invalid_transition"
        assert "«Применена»" in refused.value.message and "«Принята»" in refused.value.message
    assert [e[0] for e in _events(finding)] == ["recommendation.applied"]


def test_a_snoozed_finding_opens_again_once_its_date_has_passed(in_alpha):
    with time_machine.travel(NOW, tick=False):
        finding, _disk = _open_finding()
        finding_snooze(finding=finding, actor=in_alpha.fiona, until=TODAY + timedelta(days=3))
        assert findings_summary()["potential_monthly_savings"] == Decimal("0.00")
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        evaluate_now()
        finding.refresh_from_db()
        assert finding.status == Status.SNOOZED and finding.snoozed_until == TODAY + timedelta(days=3)
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        run = evaluate_now()
    reopened = Finding.objects.get(pk=finding.pk)
    assert reopened.status == Status.OPEN and reopened.snoozed_until is None
    assert _events(finding) == [("recommendation.snoozed", in_alpha.fiona.pk, "open", "snoozed"),
                                ("recommendation.open", None, "snoozed", "open")]
    assert run.findings_open == 1 and run.potential_monthly_savings == Decimal("300.00")


def test_a_snoozed_finding_whose_resource_disappeared_is_closed(in_alpha):
    with time_machine.travel(NOW, tick=False):
        finding, disk = _open_finding()
        finding_snooze(finding=finding, actor=in_alpha.fiona, until=TODAY + timedelta(days=30))
        Resource.objects.filter(pk=disk.pk).update(is_deleted=True)
        evaluate_now()
    finding.refresh_from_db()
    assert finding.status == Status.CLOSED and finding.closed_reason == "resource_gone"


def _ledger_before_and_after(disk: Resource, applied_on, *, before: str = "100.00", after: str = "40.00") -> None:
    """``before`` ₽ a day for the 30 days before ``applied_on``, ``after`` ₽ a day from it to today."""
    amounts = {applied_on - timedelta(days=n): before for n in range(1, 31)}
    day = applied_on
    while day <= TODAY:
        amounts[day] = after
        day += timedelta(days=1)
    daily_ledger(disk, amounts)


def test_an_applied_finding_is_verified_from_the_ledger(in_alpha):
    applied_on = TODAY - timedelta(days=20)
    with time_machine.travel(NOW, tick=False):
        finding, disk = _open_finding(monthly="3000.00")
        _ledger_before_and_after(disk, applied_on)
        finding_accept(finding=finding, actor=in_alpha.fiona)
        finding_apply(finding=finding, actor=in_alpha.fiona, applied_on=applied_on)
        assert finding.baseline_daily_cost == Decimal("100.0000")  # 30 days × 100 ₽ / 30
        assert findings_summary()["realized_monthly_savings"] is None
        run = evaluate_now()
    assert run.findings_verified == 1
    finding.refresh_from_db()
    # (100,00 − 40,00) ₽ a day × 30 days = 1 800,00 ₽ a month
    assert finding.status == Status.VERIFIED and finding.realized_monthly_savings == Decimal("1800.00")
    assert finding.verification["before_daily"] == "100.0000" and finding.verification["after_daily"] == "40.0000"
    assert finding.verification["after_start"] == "2026-05-01" and finding.verification["after_end"] == "2026-05-19"
    assert finding.verification["after_days"] == 19
    assert finding.estimated_monthly_savings == Decimal("3000.00")  # the estimate stays beside it
    assert findings_summary()["realized_monthly_savings"] == Decimal("1800.00")
    assert findings_summary()["potential_monthly_savings"] == Decimal("0.00")
    verified = AuditEvent.objects.get(action="recommendation.verified")
    assert verified.actor_id is None and verified.data["realized_monthly_savings"] == "1800.00"


def test_verification_waits_until_seven_days_have_passed(in_alpha):
    applied_on = TODAY - timedelta(days=6)
    with time_machine.travel(NOW, tick=False):
        finding, disk = _open_finding()
        _ledger_before_and_after(disk, applied_on)
        finding_apply(finding=finding, actor=in_alpha.fiona, applied_on=applied_on)
        assert findings_verify() == []
        evaluate_now()
    finding.refresh_from_db()
    assert finding.status == Status.APPLIED and finding.realized_monthly_savings is None
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert [f.pk for f in findings_verify()] == [finding.pk]
    finding.refresh_from_db()
    # 100 ₽ a day before, 40 ₽ a day on the 6 whole days after: (100 − 40) × 30 = 1 800,00 ₽
    assert finding.status == Status.VERIFIED and finding.realized_monthly_savings == Decimal("1800.00")
    assert finding.verification["after_days"] == 6


def test_an_applied_finding_without_ledger_rows_before_is_not_verified(in_alpha):
    with time_machine.travel(NOW, tick=False):
        finding, _disk = _open_finding()
        finding_apply(finding=finding, actor=in_alpha.fiona, applied_on=TODAY - timedelta(days=20))
        assert finding.baseline_daily_cost is None
        evaluate_now()
    finding.refresh_from_db()
    assert finding.status == Status.APPLIED and finding.realized_monthly_savings is None
    assert findings_summary()["realized_monthly_savings"] is None


def test_an_applied_finding_keeps_its_estimate_and_is_not_closed_when_its_resource_goes(in_alpha):
    with time_machine.travel(NOW, tick=False):
        finding, disk = _open_finding()
        finding_apply(finding=finding, actor=in_alpha.fiona, applied_on=TODAY - timedelta(days=1))
        Resource.objects.filter(pk=disk.pk).update(monthly_cost=Decimal("999.00"))
        evaluate_now()
        finding.refresh_from_db()
        assert finding.status == Status.APPLIED and finding.estimated_monthly_savings == Decimal("300.00")
        Resource.objects.filter(pk=disk.pk).update(is_deleted=True, deleted_at=timezone.now())
        evaluate_now()
    finding.refresh_from_db()
    assert finding.status == Status.APPLIED
