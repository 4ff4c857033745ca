"""The evaluation engine on a real PostgreSQL: reconcile keeps ids, closes what vanished, isolates a broken rule,
refuses out-of-range settings, stays within a connection's and an organization's findings; the command.

Savings are hand-computed: an unattached volume's finding saves its provider price (300,00 ₽ a month)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.common.errors import ApplicationError
from apps.inventory.models import Resource
from apps.recommendations.models import EvaluationRun, Finding, RuleSetting
from apps.recommendations.registry import rule_paths
from apps.recommendations.rules.base import FindingDraft, Rule
from apps.recommendations.selectors import findings_summary
from apps.recommendations.services import evaluate_now, finding_dismiss, rule_settings_update
from apps.recommendations.vocabulary import Action, Category, RunStatus, RunTrigger, Status

from .conftest import connection_make, volume_make

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
NBSP = "\xa0"
VOLUME_RULE = "apps.recommendations.rules.cleanup.UnattachedVolumeRule"


class BrokenRule(Rule):
    """Raises on every evaluation (registered in tests only)."""

    key = "broken"
    category = Category.CLEANUP
    title = "Broken"

    def evaluate(self, context, params) -> Iterable[FindingDraft]:
        raise RuntimeError("the rule fell over")


class EveryVolumeRule(Rule):
    """Finds every volume, attached or not, at 1,00 ₽ (registered in tests only, after the broken one)."""

    key = "every_volume"
    category = Category.CLEANUP
    title = "Every volume"
    kinds = ("volume",)

    def evaluate(self, context, params) -> Iterable[FindingDraft]:
        for resource in self.resources(context):
            yield FindingDraft(resource=resource, action=Action.DELETE, title=f"volume {resource.label}",
                               savings=Decimal("1"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _finding(resource: Resource, rule: str = "unattached_volume") -> Finding:
    return Finding.objects.get(rule=rule, subject=str(resource.pk))


def test_reevaluation_keeps_the_findings_id_and_updates_its_savings(in_alpha):
    conn = connection_make()
    disk = volume_make(conn, "fhm-disk-1", monthly="300.00")
    first = evaluate_now()
    assert first.status == RunStatus.SUCCESS and first.findings_created == 1 and first.findings_open == 1
    finding = _finding(disk)
    assert finding.status == Status.OPEN and finding.category == Category.CLEANUP
    assert finding.estimated_monthly_savings == Decimal("300.00") and finding.connection_id == conn.pk
    assert f"300,00{NBSP}₽" in finding.formula
    Resource.objects.filter(pk=disk.pk).update(monthly_cost=Decimal("450.50"))
    second = evaluate_now()
    assert second.findings_created == 0 and second.findings_updated == 1
    again = Finding.objects.get(rule="unattached_volume")  # still one finding, the same row
    assert again.pk == finding.pk and again.estimated_monthly_savings == Decimal("450.50")
    assert f"450,50{NBSP}₽" in again.formula
    assert Finding.objects.count() == 1
    assert second.potential_monthly_savings == Decimal("450.50")


def test_a_finding_whose_resource_disappeared_is_closed_as_resource_gone(in_alpha):
    conn = connection_make()
    disk = volume_make(conn, "fhm-disk-gone")
    evaluate_now()
    assert _finding(disk).status == Status.OPEN
    Resource.objects.filter(pk=disk.pk).update(is_deleted=True, deleted_at=NOW)
    run = evaluate_now()
    finding = _finding(disk)
    assert finding.status == Status.CLOSED and finding.closed_reason == "resource_gone"
    assert run.findings_closed == 1 and run.findings_open == 0
    closed = AuditEvent.objects.get(data__finding=finding.pk)  # the evaluation's change, with no user
    assert (closed.action, closed.actor_id) == ("recommendation.closed", None)
    assert closed.data == {"finding": finding.pk, "rule": "unattached_volume", "from": "open", "to": "closed",
                           "by": "evaluation", "reason": "resource_gone"}


def test_a_finding_whose_condition_no_longer_holds_is_resolved_and_opens_again_when_it_returns(in_alpha):
    conn = connection_make()
    disk = volume_make(conn, "fhm-disk-reattached")
    evaluate_now()
    finding_id = _finding(disk).pk
    Resource.objects.filter(pk=disk.pk).update(specs={"attached": True, "disk_gb": 100})
    evaluate_now()
    finding = _finding(disk)
    assert finding.status == Status.CLOSED and finding.closed_reason == "resolved"
    Resource.objects.filter(pk=disk.pk).update(specs={"attached": False, "disk_gb": 100})
    evaluate_now()
    finding = _finding(disk)
    assert finding.pk == finding_id and finding.status == Status.OPEN and finding.closed_reason == ""


def test_a_dismissed_finding_stays_dismissed_on_reevaluation(in_alpha):
    disk = volume_make(connection_make(), "fhm-disk-kept")
    evaluate_now()
    finding_dismiss(finding=_finding(disk), actor=in_alpha.fiona, reason="Храним для аудита")
    Resource.objects.filter(pk=disk.pk).update(monthly_cost=Decimal("310.00"))
    run = evaluate_now()
    finding = _finding(disk)
    assert finding.status == Status.DISMISSED and finding.dismiss_reason == "Храним для аудита"
    assert finding.estimated_monthly_savings == Decimal("310.00")  # refreshed, still dismissed
    assert run.findings_open == 0 and run.potential_monthly_savings == Decimal("0.00")
    assert findings_summary()["potential_monthly_savings"] == Decimal("0.00")


def test_a_resource_without_price_or_ledger_gets_no_finding(in_alpha):
    volume_make(connection_make(), "fhm-disk-unknown-cost", monthly=None)
    run = evaluate_now()
    assert run.status == RunStatus.SUCCESS and run.resources == 1
    assert Finding.objects.count() == 0


def test_a_rule_that_raises_is_recorded_on_the_run_and_the_other_rules_still_find(in_alpha, settings):
    settings.RECOMMENDATION_RULES = {"broken": f"{__name__}.BrokenRule", "unattached_volume": VOLUME_RULE,
                                     "every_volume": f"{__name__}.EveryVolumeRule"}
    conn = connection_make()
    loose = volume_make(conn, "fhm-disk-loose")
    volume_make(conn, "fhm-disk-used", attached=True)
    run = evaluate_now()
    run.refresh_from_db()
    assert run.status == RunStatus.PARTIAL
    assert run.rules_total == 4 and run.rules_done == 4  # three rules and the policies
    assert len(run.errors) == 1 and run.errors[0]["rule"] == "broken"
    assert run.errors[0]["code"] == "rule_failed" and "the rule fell over" in run.errors[0]["message"]
    assert _finding(loose).estimated_monthly_savings == Decimal("300.00")
    assert Finding.objects.filter(rule="every_volume").count() == 2
    assert not Finding.objects.filter(rule="broken").exists()


def test_a_rule_failing_later_does_not_close_the_findings_it_made_before(in_alpha, settings):
    conn = connection_make()
    volume_make(conn, "fhm-disk-a")
    settings.RECOMMENDATION_RULES = {"every_volume": f"{__name__}.EveryVolumeRule"}
    evaluate_now()
    assert Finding.objects.filter(rule="every_volume", status=Status.OPEN).count() == 1
    settings.RECOMMENDATION_RULES = {"every_volume": f"{__name__}.BrokenEveryVolumeRule"}
    run = evaluate_now()
    assert run.status == RunStatus.PARTIAL
    # The rule could not say whether the condition still holds: its finding is left as it was.
    assert Finding.objects.get(rule="every_volume").status == Status.OPEN


class BrokenEveryVolumeRule(BrokenRule):
    key = "every_volume"


def test_out_of_range_rule_settings_are_refused_with_the_range_in_russian(in_alpha):
    with translation.override("ru"), pytest.raises(ApplicationError) as refused:
        rule_settings_update(actor=in_alpha.adam, values={"unattached_volume": {"params": {
            "min_monthly_cost": "-5"}}})
    assert refused.value.code == "invalid_params"
    message = refused.value.extra["rules"]["unattached_volume"]["min_monthly_cost"]
    assert "от 0 до 1" + NBSP + "000" + NBSP + "000" in message, message
    assert message.startswith("Значение «"), message
    assert not RuleSetting.objects.exists()
    with translation.override("ru"), pytest.raises(ApplicationError) as unknown:
        rule_settings_update(actor=in_alpha.adam, values={"unattached_volume": {"params": {"days": 3}}})
    assert "нет параметра «days»" in unknown.value.extra["rules"]["unattached_volume"]["days"]
    saved = rule_settings_update(actor=in_alpha.adam, values={"unattached_volume": {"params": {
        "min_monthly_cost": "500"}}})
    assert [s.params for s in saved] == [{"min_monthly_cost": "500"}]
    volume_make(connection_make(), "fhm-disk-cheap", monthly="300.00")
    evaluate_now()
    assert Finding.objects.count() == 0  # 300 ₽ is under the organization's 500 ₽


def test_a_disabled_rule_closes_its_findings(in_alpha):
    disk = volume_make(connection_make(), "fhm-disk-off")
    evaluate_now()
    rule_settings_update(actor=in_alpha.adam, values={"unattached_volume": {"enabled": False}})
    run = evaluate_now()
    assert run.rules_total == len(rule_paths())  # every rule but this one, and the policies
    finding = _finding(disk)
    assert finding.status == Status.CLOSED and finding.closed_reason == "rule_disabled"


def test_an_evaluation_of_one_connection_leaves_the_other_connections_findings_alone(in_alpha):
    first, second = connection_make("Yandex A"), connection_make("Yandex B")
    disk_a = volume_make(first, "fhm-disk-a")
    disk_b = volume_make(second, "fhm-disk-b")
    evaluate_now()
    Resource.objects.filter(pk__in=[disk_a.pk, disk_b.pk]).update(monthly_cost=Decimal("999.00"))
    Resource.objects.filter(pk=disk_b.pk).update(is_deleted=True)  # B's disk went away
    run = evaluate_now(trigger=RunTrigger.SYNC, connection=first)
    assert run.resources == 1 and run.findings_updated == 1 and run.findings_closed == 0
    assert _finding(disk_a).estimated_monthly_savings == Decimal("999.00")
    untouched = _finding(disk_b)
    assert untouched.status == Status.OPEN and untouched.estimated_monthly_savings == Decimal("300.00")
    evaluate_now(trigger=RunTrigger.SYNC, connection=second)
    assert _finding(disk_b).status == Status.CLOSED and _finding(disk_b).closed_reason == "resource_gone"
    assert _finding(disk_a).status == Status.OPEN


def test_findings_of_one_organization_are_invisible_in_another(w):
    with schema_context(w.alpha.schema_name):
        volume_make(connection_make(), "fhm-disk-alpha", monthly="300.00")
        evaluate_now()
        assert Finding.objects.count() == 1
    with schema_context(w.beta.schema_name):
        volume_make(connection_make(), "fhm-disk-beta", monthly="700.00")
        assert Finding.objects.count() == 0 and EvaluationRun.objects.count() == 0
        assert findings_summary()["potential_monthly_savings"] == Decimal("0.00")
        run = evaluate_now()
        assert run.resources == 1 and run.findings_created == 1
        assert findings_summary()["potential_monthly_savings"] == Decimal("700.00")
    with schema_context(w.alpha.schema_name):
        assert findings_summary()["potential_monthly_savings"] == Decimal("300.00")
        assert list(Finding.objects.values_list("estimated_monthly_savings", flat=True)) == [Decimal("300.00")]
        assert EvaluationRun.objects.count() == 1


def test_the_command_evaluates_one_organization_and_prints_counts_and_the_total(w):
    with schema_context(w.alpha.schema_name):
        conn = connection_make()
        volume_make(conn, "fhm-disk-1", monthly="300.00")
        volume_make(conn, "fhm-disk-2", monthly="1250.25")
        volume_make(conn, "fhm-disk-3", attached=True)
    with schema_context(w.beta.schema_name):
        volume_make(connection_make(), "fhm-disk-beta", monthly="700.00")
    out = StringIO()
    call_command("evaluate_recommendations", "--org", "alpha", stdout=out)
    text = out.getvalue()
    with schema_context(w.alpha.schema_name):
        run = EvaluationRun.objects.get()
    assert f"Evaluation #{run.pk}: success; 3 resources; 2 new, 0 updated, 0 closed, 0 verified; 2 open." in text
    assert f"cleanup: 2 open, 1{NBSP}550,25{NBSP}₽" in text  # 300,00 + 1 250,25
    assert text.rstrip().endswith(f"Potential monthly savings: 1{NBSP}550,25{NBSP}₽")
    assert run.trigger == RunTrigger.COMMAND
    with schema_context(w.beta.schema_name):
        assert Finding.objects.count() == 0 and EvaluationRun.objects.count() == 0


def test_the_command_refuses_an_unknown_organization(w):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No organization 'nope'"):
        call_command("evaluate_recommendations", "--org", "nope", stdout=StringIO())
