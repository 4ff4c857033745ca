"""commitment_steady, platform_generation, preemptible_candidate, cheaper_region on hand-built contexts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import translation

from apps.recommendations.context import Context, MetricSummary, UsageLine
from apps.recommendations.rules.commitments import CommitmentSteadyRule
from apps.recommendations.rules.pricing import CheaperRegionRule, PlatformGenerationRule, PreemptibleCandidateRule

from .factories import NOW, view


def run(rule, resources, **context_fields):
    ctx = Context(now=NOW, resources=resources, **context_fields)
    return list(rule.evaluate(ctx, rule.defaults()))


def usage(days=30, cost="4000"):
    return [UsageLine(sku_id="cpu", description="Intel Ice Lake. 100% vCPU", pricing_unit="vCPU*hour",
                      quantity=Decimal(2880), cost=Decimal(cost), days=days)]


def cpu(p95, avg):
    return MetricSummary(metric="cpu_percent", avg=Decimal(avg), p95=Decimal(p95), max=Decimal(90), min=Decimal(0),
                         points=720, start=NOW - timedelta(days=30), end=NOW)


# --- commitment_steady -------------------------------------------------------------------------------------------

def test_steady_yandex_vm_gets_cvos_with_break_even():
    # 10 000 ₽ a month × 29 % (Yandex CVoS 1 year, data table) = 2 900,00 ₽; pays off from 71 % usage.
    vm = view(monthly_price="10000", tags={"env": "prod"})
    [draft] = run(CommitmentSteadyRule(), [vm], usage={1: usage()}, summaries={1: {"cpu_percent": cpu(50, 30)}})
    assert draft.savings == Decimal("2900.00")
    assert draft.evidence["break_even_share"] == Decimal("0.71")
    with translation.override("ru"):
        [draft] = run(CommitmentSteadyRule(), [vm], usage={1: usage()}, summaries={1: {"cpu_percent": cpu(50, 30)}})
        assert draft.formula == ("10\xa0000,00\xa0₽ в месяц × 29 % (CVoS Yandex Cloud на 1 год) = 2\xa0900,00\xa0₽; "
                                 "резервирование окупается, если ресурс работает не меньше 71 % срока")


def test_selectel_fixed_price_from_the_ledger_cost():
    # No list price: ledger spend 6 000 ₽ over 30 days -> 6 000 a month × 20 % = 1 200,00 ₽.
    server = view(provider="selectel", spend="6000")
    [draft] = run(CommitmentSteadyRule(), [server], usage={1: usage()})
    assert draft.savings == Decimal("1200.00")


def test_not_steady_or_already_committed_is_skipped():
    vm = view(monthly_price="10000")
    rule = CommitmentSteadyRule()
    assert run(rule, [vm], usage={1: usage(days=20)}) == []  # charged 20 days of 30
    assert run(rule, [vm], usage={1: usage()}, summaries={1: {"cpu_percent": cpu(90, 20)}}) == []  # 4.5× peaks
    assert run(rule, [view(monthly_price="10000", pricing_model="preemptible")], usage={1: usage()}) == []
    assert run(rule, [view(monthly_price="10000", provider="beget")], usage={1: usage()}) == []
    assert run(rule, [view(monthly_price="10000", status="stopped")], usage={1: usage()}) == []
    assert len(run(rule, [vm], usage={1: usage(days=28)})) == 1


# --- platform_generation -----------------------------------------------------------------------------------------

def test_standard_v1_vm_moves_to_v3():
    # (4 × (1,32 − 1,12) + 8 × (0,34 − 0,28)) × 720 = (0,80 + 0,48) × 720 = 1,28 × 720 = 921,60 ₽.
    vm = view(specs={"platform": "standard-v1", "cpu_cores": 4, "core_fraction": 100, "memory_gb": "8.00"})
    [draft] = run(PlatformGenerationRule(), [vm])
    assert draft.savings == Decimal("921.60")
    with translation.override("ru"):
        [draft] = run(PlatformGenerationRule(), [vm])
        assert draft.formula == ("(4 vCPU × (1,32\xa0₽ − 1,12\xa0₽) + 8 ГБ × (0,34\xa0₽ − 0,28\xa0₽)) в час × 720 ч "
                                 "= 921,60\xa0₽")


def test_standard_v2_vm_saving():
    # (2 × (1,20 − 1,12) + 4 × (0,30 − 0,28)) × 720 = (0,16 + 0,08) × 720 = 172,80 ₽.
    vm = view(specs={"platform": "standard-v2", "cpu_cores": 2, "memory_gb": "4"})
    [draft] = run(PlatformGenerationRule(), [vm])
    assert draft.savings == Decimal("172.80")


def test_current_platform_partial_cores_and_other_providers_are_skipped():
    rule = PlatformGenerationRule()
    assert run(rule, [view(specs={"platform": "standard-v3", "cpu_cores": 4, "memory_gb": "8"})]) == []
    assert run(rule, [view(specs={"platform": "standard-v1", "cpu_cores": 2, "core_fraction": 20})]) == []
    assert run(rule, [view(provider="selectel", specs={"platform": "standard-v1", "cpu_cores": 2})]) == []


# --- preemptible_candidate ---------------------------------------------------------------------------------------

def test_dev_vm_on_demand_becomes_preemptible():
    # 5 000 ₽ × 70 % (Yandex preemptible discount, data table) = 3 500,00 ₽, confidence low.
    vm = view(monthly_price="5000", tags={"env": "dev"}, specs={"preemptible": False})
    [draft] = run(PreemptibleCandidateRule(), [vm])
    assert draft.savings == Decimal("3500.00")
    assert draft.confidence == "low"
    # AWS spot: 1 000 × 60 % = 600,00 ₽.
    [draft] = run(PreemptibleCandidateRule(), [view(provider="aws", monthly_price="1000", environment="staging")])
    assert draft.savings == Decimal("600.00")


def test_preemptible_skips_production_already_preemptible_and_selectel():
    rule = PreemptibleCandidateRule()
    assert run(rule, [view(monthly_price="5000", tags={"env": "prod"})]) == []
    assert run(rule, [view(monthly_price="5000", tags={"env": "dev"}, specs={"preemptible": True})]) == []
    assert run(rule, [view(monthly_price="5000", tags={"env": "dev"}, provider="selectel")]) == []


# --- cheaper_region ----------------------------------------------------------------------------------------------

class TableRegionRule(CheaperRegionRule):
    region_prices = {"selectel": {"SL1.2-4096": {"ru-1": Decimal("3000"), "ru-7": Decimal("2600"),
                                                 "ru-9": Decimal("2800")}}}


def test_cheaper_region_from_the_table():
    # 3 000 ₽ in ru-1 − 2 600 ₽ in ru-7 (the cheapest) = 400,00 ₽.
    server = view(provider="selectel", region="ru-1", specs={"flavor": "SL1.2-4096"})
    [draft] = run(TableRegionRule(), [server])
    assert draft.savings == Decimal("400.00")
    assert draft.evidence["target_region"] == "ru-7"


def test_cheaper_region_respects_locality_and_the_cheapest_region():
    rule = TableRegionRule()
    assert run(rule, [view(provider="selectel", region="ru-1", specs={"flavor": "SL1.2-4096"},
                           tags={"locality": "152-FZ"})]) == []
    assert run(rule, [view(provider="selectel", region="ru-7", specs={"flavor": "SL1.2-4096"})]) == []
    # The shipped table is empty (no public same-type regional price differences): nothing found.
    assert run(CheaperRegionRule(), [view(provider="selectel", region="ru-1", specs={"flavor": "SL1.2-4096"})]) == []


def test_rules_b_are_registered_with_valid_defaults():
    from apps.recommendations.registry import rule_get, rule_params_clean

    keys = ("off_hours_schedule", "cold_bucket_storage", "commitment_steady", "platform_generation",
            "preemptible_candidate", "cheaper_region", "public_bucket", "open_admin_ports", "unused_access_keys",
            "beget_plan_underuse", "balance_runway")
    for key in keys:
        rule = rule_get(key)
        assert rule.key == key and rule.category and str(rule.title)
        assert rule_params_clean(rule, {p.key: p.default for p in rule.params}) == {
            p.key: str(p.default) for p in rule.params}
