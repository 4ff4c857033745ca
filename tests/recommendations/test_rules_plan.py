"""beget_plan_underuse and balance_runway on account information shaped as the plugins store it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import translation

from apps.recommendations.context import Context
from apps.recommendations.rules.plan import BalanceRunwayRule, BegetPlanUnderuseRule

from .factories import MSK, NOW, view


def run(rule, resources=(), accounts=None, now=NOW, **params):
    ctx = Context(now=now, resources=list(resources), accounts=accounts or {})
    return list(rule.evaluate(ctx, {**rule.defaults(), **{k: Decimal(v) for k, v in params.items()}}))


def beget_account(**overrides):
    """``AccountInfo.as_json()`` of the Beget plugin (``user/getAccountInfo``), money as strings."""
    account = {"provider": "beget", "name": "Beget client", "currency": "RUB", "plan_name": "Great",
               "balance": "1200.00", "daily_rate": "29.67", "monthly_rate": "890", "days_to_block": 40,
               "limits": {"sites": {"used": "2", "limit": "25", "unit": ""},
                          "domains": {"used": "3", "limit": None, "unit": ""},
                          "mysql": {"used": "2", "limit": None, "unit": "MB"},
                          "quota": {"used": "3000", "limit": "35840", "unit": "MB"},
                          "ftp": {"used": "1", "limit": None, "unit": ""},
                          "mail": {"used": "4", "limit": None, "unit": ""}}}
    account.update(overrides)
    return account


def plan(**fields):
    return view(provider="beget", kind="hosting_plan", resource_type="hosting_plan", name="Great",
                monthly_price="890", **fields)


def test_beget_plan_underuse_moves_to_the_cheapest_covering_plan():
    # Used 2 of 25 sites (8 %), 3 000 of 35 840 MB (8 %). Plans (data table): Blog 1 site (too few), Start 5 sites
    # and 15 360 MB covers it at 390 ₽: 890 − 390 = 500,00 ₽.
    [draft] = run(BegetPlanUnderuseRule(), [plan()], {1: beget_account()})
    assert draft.savings == Decimal("500.00")
    assert draft.evidence["target_plan"] == "Start"
    assert draft.action == "change_plan"
    with translation.override("ru"):
        [draft] = run(BegetPlanUnderuseRule(), [plan()], {1: beget_account()})
        assert draft.formula == ("Занято: сайты: 2 из 25 (8 %); диск, МБ: 3\xa0000 из 35\xa0840 (8 %); "
                                 "«Great» 890,00\xa0₽ в месяц − «Start» 390,00\xa0₽ в месяц = 500,00\xa0₽")


def test_one_limit_over_the_threshold_or_no_cheaper_plan_finds_nothing():
    busy = beget_account(limits={"sites": {"used": "13", "limit": "25"}, "quota": {"used": "3000",
                                                                                      "limit": "35840"}})
    assert run(BegetPlanUnderuseRule(), [plan()], {1: busy}) == []  # 52 % of sites
    # The same with a 60 % threshold: 13 sites need Noble (15 sites, 590 ₽): 890 − 590 = 300,00 ₽.
    [draft] = run(BegetPlanUnderuseRule(), [plan()], {1: busy}, usage_percent=60)
    assert draft.savings == Decimal("300.00")
    cheap = beget_account(plan_name="Blog", monthly_rate="290",
                          limits={"sites": {"used": "0", "limit": "1"}})
    assert run(BegetPlanUnderuseRule(), [plan()], {1: cheap}) == []


def test_balance_runway_from_beget_days_to_block():
    # Beget reports 5 days to block: 5 < 14 -> top up, medium risk (5 ≥ 3); runs out 06.12 + 5 = 11.12.2026.
    [draft] = run(BalanceRunwayRule(), accounts={7: beget_account(balance="148.35", days_to_block=5)})
    assert (draft.subject, draft.resource, draft.savings, draft.risk) == ("runway:7", None, None, "medium")
    assert draft.evidence["connection_id"] == 7 and draft.evidence["provider"] == "beget"
    assert draft.evidence["runs_out_on"] == "2026-12-11"
    with translation.override("ru"):
        [draft] = run(BalanceRunwayRule(), accounts={7: beget_account(balance="148.35", days_to_block=5)})
        assert draft.formula == ("Баланс 148,35\xa0₽; осталось 5 дн. (дней до блокировки по данным провайдера); "
                                 "деньги закончатся около 11.12.2026 (по Москве)")


def test_balance_runway_from_the_daily_rate_and_high_risk():
    # 50 ₽ ÷ 25 ₽ a day = 2 days < 3 -> high risk; runs out 08.12.2026.
    account = {"provider": "selectel", "name": "Selectel", "currency": "RUB", "balance": "50", "daily_rate": "25",
               "days_to_block": None}
    with translation.override("ru"):
        [draft] = run(BalanceRunwayRule(), accounts={3: account})
    assert draft.risk == "high"
    assert draft.formula == ("Баланс 50,00\xa0₽ ÷ 25,00\xa0₽ в день (суточное списание по данным провайдера) = "
                             "2 дн.; деньги закончатся около 08.12.2026 (по Москве)")


def test_balance_runway_from_the_ledger_when_no_rate():
    # Resources of connection 3 spent 3 000 + 1 500 = 4 500 ₽ over 30 days = 150 ₽ a day; 1 200 / 150 = 8 days.
    account = {"provider": "selectel", "name": "Selectel", "currency": "RUB", "balance": "1200"}
    resources = [view(pk=1, connection_id=3, spend="3000"), view(pk=2, connection_id=3, spend="1500"),
                 view(pk=3, connection_id=4, spend="99999")]
    [draft] = run(BalanceRunwayRule(), resources, {3: account})
    assert draft.evidence["runway_days"] == Decimal(8)
    assert draft.evidence["daily_spend"] == Decimal(150)
    # A 7-day threshold: 8 days is enough.
    assert run(BalanceRunwayRule(), resources, {3: account}, days=7) == []


def test_balance_runway_skips_accounts_without_balance_or_with_enough():
    assert run(BalanceRunwayRule(), accounts={1: {"provider": "yandex", "balance": None}}) == []
    assert run(BalanceRunwayRule(), accounts={1: beget_account(days_to_block=40)}) == []
    # Moscow date: at 23:30 UTC on 06.12 it is already 07.12 in Moscow; 0 days -> runs out today (07.12).
    late = datetime(2026, 12, 7, 2, 30, tzinfo=MSK)
    [draft] = run(BalanceRunwayRule(), accounts={1: beget_account(balance="0", days_to_block=0)}, now=late)
    assert draft.evidence["runs_out_on"] == "2026-12-07" and draft.risk == "high"
