"""Rightsizing and idle rules on hand-built contexts (no database): savings computed by hand in the comments."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from django.utils import translation

from apps.inventory.vocabulary import MetricName as M
from apps.recommendations.rules.idle import IdleVmRule
from apps.recommendations.rules.rightsizing import RightsizingDatabaseRule, RightsizingVmRule, unit_prices
from tests.recommendations.rulekit import NBSP, context, line, params, resource, rub, summary

VM = RightsizingVmRule()
DB = RightsizingDatabaseRule()
IDLE = IdleVmRule()
PCT = f"{NBSP}%"


def _vm(**kwargs):
    specs = kwargs.pop("specs", {"cpu_cores": 8, "memory_gb": "16.00"})
    return resource("compute", specs=specs, name=kwargs.pop("name", "api-1"), **kwargs)


# 8 vCPU × 720 h = 5 760 vCPU·h for 8 697,60 ₽ -> 1,51 ₽ per vCPU-hour; 16 GB × 720 h = 11 520 GB·h for 4 608 ₽
# -> 0,40 ₽ per GB-hour. The disk line is per GB-month and is no vCPU or RAM price.
YANDEX_LINES = [line("Intel Ice Lake. 100% vCPU", "vCPU*hour", 5760, "8697.60", sku="cpu"),
                line("Intel Ice Lake. RAM", "GB*hour", 11520, "4608.00", sku="ram"),
                line("Fast network drive (SSD)", "GB*month", 200, "98.00", sku="disk")]


def _run(rule, ctx, **overrides):
    with translation.override("ru"):
        return list(rule.evaluate(ctx, params(rule, **overrides)))


def test_rightsizing_vm_with_ledger_prices_cpu_and_memory():
    vm = _vm()
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=30, avg=12, days=14),
                                         summary(M.MEMORY_PERCENT, p95=20, avg=15, days=14)]},
                  usage={vm.pk: YANDEX_LINES})
    [draft] = _run(VM, ctx)
    # CPU: 2 vCPU -> 30 × 8/2 = 120 % > 70; 4 vCPU -> 30 × 8/4 = 60 % <= 70 -> 4 vCPU.
    # RAM: 1 GB 320 %, 2 GB 160 %, 4 GB 80 % > 70; 8 GB -> 20 × 16/8 = 40 % -> 8 GB.
    # (8 − 4) × 1,51 × 720 = 4 348,80; (16 − 8) × 0,40 × 720 = 2 304,00; total 6 652,80.
    assert draft.savings == Decimal("6652.80")
    assert draft.formula == (f"(8 vCPU → 4 vCPU) × {rub('1,51')} за vCPU в час × 720 ч + "
                             f"(16 ГБ → 8 ГБ ОЗУ) × {rub('0,40')} за ГБ в час × 720 ч = {rub('6 652,80')}")
    assert draft.confidence == "high"
    assert draft.action == "rightsize"
    assert draft.title == "Избыточный размер сервера «api-1»"
    assert draft.action_text == (f"Уменьшите размер до 4 vCPU и 8 ГБ ОЗУ: p95 загрузки процессора 30{PCT} станет "
                                 f"60{PCT} (цель — не выше 70{PCT}).")
    assert draft.evidence["new"] == {"vcpu": 4, "memory_gb": 8}
    assert draft.evidence["old"] == {"vcpu": 8, "memory_gb": 16}
    assert draft.evidence["p95_after"] == {"cpu": Decimal("60.00"), "memory": Decimal("40.00")}
    assert draft.evidence["vcpu_hour_price"] == Decimal("1.51") and draft.evidence["gb_hour_price"] == Decimal("0.4")
    cpu_evidence = draft.evidence["metrics"][0]
    assert cpu_evidence["metric"] == "cpu_percent" and cpu_evidence["points"] == 14 * 24
    assert cpu_evidence["p95"] == 30 and cpu_evidence["avg"] == 12 and cpu_evidence["days"] == 14
    assert draft.evidence["metrics"][1]["metric"] == "memory_percent"


def test_rightsizing_vm_english_formula():
    vm = _vm()
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=30), summary(M.MEMORY_PERCENT, p95=20)]},
                  usage={vm.pk: YANDEX_LINES})
    with translation.override("en"):
        [draft] = VM.evaluate(ctx, VM.defaults())
    assert draft.formula.startswith("(8 vCPU → 4 vCPU) × ")
    assert "per vCPU an hour × 720 h + (16 GB → 8 GB of RAM)" in draft.formula


def test_rightsizing_vm_short_window_is_medium_confidence():
    vm = _vm()
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=30, days=10),
                                         summary(M.MEMORY_PERCENT, p95=20, days=10)]},
                  usage={vm.pk: YANDEX_LINES})
    [draft] = _run(VM, ctx)
    assert draft.savings == Decimal("6652.80")
    assert draft.confidence == "medium"
    assert "только 10 дн." in draft.confidence_reason


def test_rightsizing_vm_memory_not_measured_keeps_ram_and_says_so():
    vm = _vm()
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=30)]}, usage={vm.pk: YANDEX_LINES})
    [draft] = _run(VM, ctx)
    # Only the CPU shrinks: (8 − 4) × 1,51 × 720 = 4 348,80.
    assert draft.savings == Decimal("4348.80")
    assert draft.formula == (f"(8 vCPU → 4 vCPU) × {rub('1,51')} за vCPU в час × 720 ч = {rub('4 348,80')}. "
                             "Память не измеряется: ОЗУ остаётся 16 ГБ.")
    assert draft.confidence == "medium"
    assert draft.evidence["new"] == {"vcpu": 4, "memory_gb": 16}
    assert draft.evidence["memory_measured"] is False


def test_rightsizing_vm_memory_in_megabytes_against_the_spec():
    vm = _vm()
    # 3 072 MB used of 16 GB = 18,75 %: 4 GB -> 75 % > 70; 8 GB -> 37,5 % -> 8 GB; the CPU stays (60 % on 4 > 50).
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=50), summary(M.MEMORY_USED_MB, p95=3072)]},
                  usage={vm.pk: YANDEX_LINES})
    [draft] = _run(VM, ctx)
    # 8 vCPU: 2 -> 200 %, 4 -> 100 % > 70: CPU stays 8. RAM: (16 − 8) × 0,40 × 720 = 2 304,00.
    assert draft.evidence["new"] == {"vcpu": 8, "memory_gb": 8}
    assert draft.savings == Decimal("2304.00")
    assert draft.formula == f"(16 ГБ → 8 ГБ ОЗУ) × {rub('0,40')} за ГБ в час × 720 ч = {rub('2 304,00')}"
    assert draft.evidence["p95_after"]["memory"] == Decimal("37.50")


def test_rightsizing_vm_proportional_without_unit_prices_is_low_confidence():
    vm = _vm(price="12000")
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=30), summary(M.MEMORY_PERCENT, p95=20)]})
    [draft] = _run(VM, ctx)
    # 12 000 × (1 − (4/8 + 8/16) / 2) = 12 000 × 0,5 = 6 000,00.
    assert draft.savings == Decimal("6000.00")
    assert draft.confidence == "low"
    assert draft.formula == (f"цена провайдера {rub('12 000,00')} в месяц × (1 − (4/8 vCPU + 8/16 ГБ) / 2) = "
                             f"{rub('6 000,00')}. Оценка пропорционально размеру: в счетах нет цен за vCPU и ГБ ОЗУ "
                             "этого ресурса.")
    assert draft.evidence["method"] == "proportional"


def test_rightsizing_vm_proportional_from_ledger_spend_memory_unmeasured():
    vm = _vm(spend="9000")
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=30)]})
    [draft] = _run(VM, ctx)
    # 9 000 over 30 days = 9 000 a month; × (1 − (4/8 + 16/16) / 2) = 9 000 × 0,25 = 2 250,00.
    assert draft.savings == Decimal("2250.00")
    assert draft.confidence == "low"
    assert "(1 − (4/8 vCPU + 16/16 ГБ) / 2)" in draft.formula
    assert "Память не измеряется: ОЗУ остаётся 16 ГБ." in draft.formula


def test_rightsizing_vm_ledger_has_only_cpu_price_but_ram_shrinks_falls_back_to_proportional():
    vm = _vm(price="12000")
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=30), summary(M.MEMORY_PERCENT, p95=20)]},
                  usage={vm.pk: YANDEX_LINES[:1]})
    [draft] = _run(VM, ctx)
    assert draft.savings == Decimal("6000.00") and draft.confidence == "low"


def test_rightsizing_vm_provider_allowed_sizes_from_specs():
    vm = _vm(specs={"cpu_cores": 12, "memory_gb": 24, "allowed_cpu_cores": [2, 6, 12]})
    # 12 vCPU at p95 30 %: 2 -> 180 %, 6 -> 60 % <= 70 -> 6 (not a power of two: the provider's size).
    # 12 × 720 = 8 640 vCPU·h for 13 046,40 ₽ -> 1,51. (12 − 6) × 1,51 × 720 = 6 523,20. Memory unmeasured.
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=30)]},
                  usage={vm.pk: [line("vCPU", "vCPU*hour", 8640, "13046.40")]})
    [draft] = _run(VM, ctx)
    assert draft.evidence["new"]["vcpu"] == 6
    assert draft.savings == Decimal("6523.20")


def test_rightsizing_vm_target_and_days_overrides():
    vm = _vm()
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=16, days=10)]}, usage={vm.pk: YANDEX_LINES})
    # Target 70: 2 vCPU -> 16 × 8/2 = 64 % <= 70 -> 2 vCPU: (8 − 2) × 1,51 × 720 = 6 523,20.
    [draft] = _run(VM, ctx)
    assert draft.evidence["new"]["vcpu"] == 2 and draft.savings == Decimal("6523.20")
    # Target 50: 2 vCPU -> 64 % > 50; 4 vCPU -> 32 % -> 4 vCPU: (8 − 4) × 1,51 × 720 = 4 348,80.
    [draft] = _run(VM, ctx, target_percent=50)
    assert draft.evidence["new"]["vcpu"] == 4 and draft.savings == Decimal("4348.80")
    # A 10-day window is too short when 14 days are asked for.
    assert _run(VM, ctx, days=14) == []


def test_rightsizing_vm_negative_cases():
    busy, stopped, unmeasured, short, tiny = (_vm(name=n) for n in ("busy", "stopped", "unmeasured", "short", "tiny"))
    stopped = resource("compute", status="stopped", specs={"cpu_cores": 8, "memory_gb": 16}, name="stopped")
    tiny = _vm(name="tiny", specs={"cpu_cores": 2, "memory_gb": 1})
    ctx = context(busy, stopped, unmeasured, short, tiny, summaries={
        # 60 % on 8 vCPU: 4 vCPU would be 120 %; memory 60 % of 16 GB: 8 GB would be 120 %.
        busy.pk: [summary(M.CPU_PERCENT, p95=60), summary(M.MEMORY_PERCENT, p95=60)],
        stopped.pk: [summary(M.CPU_PERCENT, p95=1)],
        unmeasured.pk: [summary(M.MEMORY_PERCENT, p95=5)],  # no CPU: no guess
        short.pk: [summary(M.CPU_PERCENT, p95=1, days=5)],  # 5 days < 7
        tiny.pk: [summary(M.CPU_PERCENT, p95=1), summary(M.MEMORY_PERCENT, p95=1)],  # already the smallest
    }, usage={r.pk: YANDEX_LINES for r in (busy, stopped, unmeasured, short, tiny)})
    assert _run(VM, ctx) == []


def test_rightsizing_window_of_hourly_samples_counts_whole_days():
    vm = _vm()
    # 168 hourly samples span 6 days 23 hours from first to last and cover 7 days; 167 samples do not.
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=30, days=7)]}, usage={vm.pk: YANDEX_LINES})
    assert len(_run(VM, ctx)) == 1
    cpu = ctx.summaries[vm.pk][M.CPU_PERCENT]
    ctx.summaries[vm.pk][M.CPU_PERCENT] = replace(cpu, points=167, start=cpu.start + timedelta(hours=1))
    assert _run(VM, ctx) == []


def test_one_vcpu_and_one_gb_specs_are_sizes():
    # A spec of 1 is a size, not a "true" flag: 4 vCPU at p95 10 % -> 2 vCPU (20 %); 1 GB RAM stays (the smallest).
    vm = _vm(specs={"cpu_cores": 4, "memory_gb": 1})
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=10), summary(M.MEMORY_PERCENT, p95=10)]},
                  usage={vm.pk: YANDEX_LINES})
    [draft] = _run(VM, ctx)
    assert draft.evidence["old"] == {"vcpu": 4, "memory_gb": 1} and draft.evidence["new"] == {"vcpu": 2,
                                                                                          "memory_gb": 1}
    # (4 − 2) × 1,51 × 720 = 2 174,40
    assert draft.savings == Decimal("2174.40")


def test_rightsizing_database_with_russian_ledger_lines():
    db = resource("database", name="pg-main", provider="selectel",
                  specs={"cpu_cores": 8, "memory_gb": "64.00"})
    web = _vm()  # a compute resource: not the database rule's business
    lines = [line("vCPU, Memory Line", "vCPU*hour", 5760, "12600.00"),
             line("Оперативная память, Memory Line", "GB*hour", 46080, "16800.00")]
    ctx = context(db, web, summaries={db.pk: [summary(M.CPU_PERCENT, p95=25), summary(M.MEMORY_PERCENT, p95=30)],
                                      web.pk: [summary(M.CPU_PERCENT, p95=1)]},
                  usage={db.pk: lines, web.pk: YANDEX_LINES})
    [draft] = _run(DB, ctx)
    # The vCPU line says «Memory Line» but is priced per vCPU: 12 600 / 5 760 = 2,1875 ₽ per vCPU-hour;
    # RAM 16 800 / 46 080 = 0,36458… -> 0,3646 ₽ per GB-hour.
    # CPU 25 %: 2 -> 100 %, 4 -> 50 % -> 4 vCPU; RAM 30 % of 64: 16 -> 120 %, 32 -> 60 % -> 32 GB.
    # (8 − 4) × 2,1875 × 720 = 6 300,00; (64 − 32) × 0,3646 × 720 = 8 400,384 -> 8 400,38; total 14 700,38.
    assert draft.resource is db
    assert draft.savings == Decimal("14700.38")
    assert draft.formula == (f"(8 vCPU → 4 vCPU) × {rub('2,1875')} за vCPU в час × 720 ч + "
                             f"(64 ГБ → 32 ГБ ОЗУ) × {rub('0,3646')} за ГБ в час × 720 ч = {rub('14 700,38')}")
    assert draft.title == "Избыточный размер базы данных «pg-main»"
    assert draft.confidence == "high"


def test_unit_prices_reads_cpu_and_ram_lines():
    # Two vCPU SKUs: (1 000 + 500) / (1 000 + 500) = 1,0000; RAM per GB-month is not an hourly price.
    cpu, ram = unit_prices([line("vCPU", "vCPU*hour", 1000, 1000), line("Ядро процессора", "hour", 500, 500),
                            line("RAM", "GB*month", 10, 100)])
    assert cpu == Decimal("1.0000") and ram is None
    # Yandex Cloud's own units: core*hour and gbyte*hour; a disk priced per gbyte*hour is not RAM.
    # 1 000 core·h for 1 120 ₽ -> 1,12; 2 000 GB·h of RAM for 600 ₽ -> 0,30.
    cpu, ram = unit_prices([line("Intel Ice Lake. 100% vCPU", "core*hour", 1000, 1120),
                            line("Intel Ice Lake. RAM", "gbyte*hour", 2000, 600),
                            line("Fast network drive (SSD)", "gbyte*hour", 5000, 50)])
    assert cpu == Decimal("1.1200") and ram == Decimal("0.3000")


def test_an_idle_vm_is_left_to_idle_vm_not_rightsized():
    vm = _vm(price="12000")
    # CPU p95 3 % < 5 and network 0,2 Mbit/s < 1 over 14 days: idle_vm saves all 12 000; rightsizing says nothing.
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=3), summary(M.NETWORK_MBPS, p95=1, avg="0.2")]},
                  usage={vm.pk: YANDEX_LINES})
    assert _run(VM, ctx) == []
    assert [d.savings for d in _run(IDLE, ctx)] == [Decimal("12000.00")]
    # With traffic (2 Mbit/s) it is not idle, and 8 vCPU at 3 % shrink to 2: (8 − 2) × 1,51 × 720 = 6 523,20.
    ctx.summaries[vm.pk][M.NETWORK_MBPS] = summary(M.NETWORK_MBPS, p95=3, avg=2)
    assert _run(IDLE, ctx) == []
    assert [d.savings for d in _run(VM, ctx)] == [Decimal("6523.20")]


# --- idle_vm -------------------------------------------------------------------------------------------------------

def test_idle_vm_cpu_and_network_near_zero():
    vm = _vm(price="2500", name="old-worker")
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=3, avg=1, days=7),
                                         summary(M.NETWORK_MBPS, p95="0.9", avg="0.4", days=7)]})
    [draft] = _run(IDLE, ctx)
    # The whole provider price: 2 500,00 a month.
    assert draft.savings == Decimal("2500.00")
    assert draft.action == "stop"
    assert draft.confidence == "high"
    assert draft.title == "Простаивающий сервер «old-worker»"
    assert draft.formula == (f"p95 загрузки процессора 3{PCT} < 5{PCT} и средний трафик 0,4 Мбит/с < 1 Мбит/с "
                             f"за 7 дн.: экономится вся стоимость, цена провайдера {rub('2 500,00')} в месяц = "
                             f"{rub('2 500,00')}")
    assert [m["metric"] for m in draft.evidence["metrics"]] == ["cpu_percent", "network_mbps"]


def test_idle_vm_network_in_plus_out():
    quiet, chatty = _vm(price="1000", name="quiet"), _vm(price="1000", name="chatty")
    ctx = context(quiet, chatty, summaries={
        # 0,3 + 0,5 = 0,8 Mbit/s < 1
        quiet.pk: [summary(M.CPU_PERCENT, p95=2), summary(M.NETWORK_IN, p95=1, avg="0.3"),
                   summary(M.NETWORK_OUT, p95=1, avg="0.5")],
        # 0,6 + 0,5 = 1,1 Mbit/s >= 1: it serves traffic
        chatty.pk: [summary(M.CPU_PERCENT, p95=2), summary(M.NETWORK_IN, p95=1, avg="0.6"),
                    summary(M.NETWORK_OUT, p95=1, avg="0.5")],
    })
    [draft] = _run(IDLE, ctx)
    assert draft.resource is quiet
    assert draft.evidence["network_mbps"] == Decimal("0.8")
    assert "средний трафик 0,8 Мбит/с" in draft.formula


def test_idle_vm_without_network_metric_is_medium_and_from_the_ledger():
    vm = _vm(spend="1500.00", name="batch")
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95="1.5", days=8)]})
    [draft] = _run(IDLE, ctx)
    # 1 500 over the 30-day ledger window = 1 500,00 a month.
    assert draft.savings == Decimal("1500.00")
    assert draft.confidence == "medium"
    assert draft.formula == (f"p95 загрузки процессора 1,5{PCT} < 5{PCT} за 8 дн. (сеть не измеряется): экономится "
                             f"вся стоимость, {rub('1 500,00')} в месяц по счетам (последние 30 дн.) = "
                             f"{rub('1 500,00')}")
    assert draft.confidence_reason.startswith("Измеряется только процессор")


def test_idle_vm_negative_cases_and_overrides():
    busy, short, bare, stopped, unpriced = (_vm(price="1000", name=n) for n in ("busy", "short", "bare", "x", "y"))
    stopped = resource("compute", status="stopped", price="1000")
    unpriced = _vm(name="unpriced")
    ctx = context(busy, short, bare, stopped, unpriced, summaries={
        busy.pk: [summary(M.CPU_PERCENT, p95=40, avg=10)],
        short.pk: [summary(M.CPU_PERCENT, p95=1, days=5)],
        stopped.pk: [summary(M.CPU_PERCENT, p95=0)],
        unpriced.pk: [summary(M.CPU_PERCENT, p95=0)],
    })  # bare: no metrics at all -> never a guess
    assert _run(IDLE, ctx) == []

    vm = _vm(price="1000")
    ctx = context(vm, summaries={vm.pk: [summary(M.CPU_PERCENT, p95=3), summary(M.NETWORK_MBPS, p95=1, avg="0.4")]})
    assert len(_run(IDLE, ctx)) == 1
    assert _run(IDLE, ctx, cpu_percent=2) == []  # 3 % is not under 2 %
    assert _run(IDLE, ctx, network_mbps="0.2") == []  # 0,4 Mbit/s is not under 0,2
    assert _run(IDLE, ctx, days=30) == []  # 14 days of data < 30
