"""cold_bucket_storage on hand-built ledger usage."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import translation

from apps.recommendations.context import Context, UsageLine
from apps.recommendations.rules.storage import ColdBucketStorageRule

from .factories import NOW, view

RULE = ColdBucketStorageRule()


def storage_line(cost="3840", quantity="2048", description="Standard storage", unit="GB*month"):
    return UsageLine(sku_id="s", description=description, pricing_unit=unit, quantity=Decimal(quantity),
                     cost=Decimal(cost), days=30)


def line(description, cost="5", quantity="100", unit="1K requests"):
    return UsageLine(sku_id="o", description=description, pricing_unit=unit, quantity=Decimal(quantity),
                     cost=Decimal(cost), days=30)


def bucket(**fields):
    fields.setdefault("specs", {"storage_class": "STANDARD", "disk_gb": 2048})
    return view(kind="bucket", resource_type="bucket", created_at=NOW - timedelta(days=400), **fields)


def run(resource, lines, **params):
    ctx = Context(now=NOW, resources=[resource], usage={resource.pk: lines})
    return list(RULE.evaluate(ctx, {**RULE.defaults(), **{k: Decimal(v) for k, v in params.items()}}))


def test_unread_yandex_bucket_moves_to_cold_at_the_ledger_price():
    # Ledger: 3 840 ₽ for 30 days of 2 048 GB -> 3 840 / 2 048 = 1,875 ₽ per GB-month.
    # Yandex cold (data table) 1,07 ₽: 2 048 × (1,875 − 1,07) = 2 048 × 0,805 = 1 648,64 ₽.
    lines = [storage_line(), line("Standard storage. Operations (PUT, POST)")]
    [draft] = run(bucket(), lines)
    assert draft.savings == Decimal("1648.64")
    assert draft.confidence == "medium"
    assert draft.action == "change_class"
    with translation.override("ru"):
        [draft] = run(bucket(), lines)
        assert draft.formula == ("2\xa0048 ГБ × (1,875\xa0₽ за ГБ в месяц по расходам − 1,07\xa0₽ за ГБ в месяц "
                                 "в холодном хранилище) = 1\xa0648,64\xa0₽")


def test_read_operations_keep_the_bucket_hot():
    for words in ("Standard storage. Operations (GET, HEAD)", "Операции чтения", "Исходящий трафик"):
        assert run(bucket(), [storage_line(), line(words)]) == []


def test_price_list_when_the_ledger_has_no_storage_line_but_specs_say_cold():
    # specs last_read 100 days ago; no ledger -> Yandex standard 2,01 − cold 1,07 = 0,94 × 100 GB = 94,00 ₽.
    resource = bucket(specs={"storage_class": "standard", "size_gb": 100,
                             "last_read": (NOW - timedelta(days=100)).isoformat()})
    [draft] = run(resource, [])
    assert draft.savings == Decimal("94.00")
    # Read 10 days ago: not cold.
    resource = bucket(specs={"size_gb": 100, "last_read": (NOW - timedelta(days=10)).isoformat()})
    assert run(resource, []) == []


def test_days_parameter_longer_than_the_ledger_window_needs_specs():
    assert run(bucket(), [storage_line()], days=60) == []
    assert len(run(bucket(), [storage_line()], days=30)) == 1


def test_size_from_the_ledger_quantity_when_specs_have_none():
    # 30 days of GB-months summing to 500 -> 500 GB; 1 000 ₽ / 500 = 2 ₽/GB; Selectel cold 1,00:
    # 500 × (2 − 1) = 500,00 ₽.
    resource = bucket(provider="selectel", specs={"storage_class": "standard"})
    [draft] = run(resource, [storage_line(cost="1000", quantity="500", description="Хранение: стандартное")])
    assert draft.savings == Decimal("500.00")


def test_already_cold_new_or_unknown_provider_buckets_are_skipped():
    assert run(bucket(specs={"storage_class": "COLD", "disk_gb": 10}), [storage_line()]) == []
    assert run(bucket(provider="beget"), [storage_line()]) == []
    young = view(kind="bucket", created_at=NOW - timedelta(days=5), specs={"disk_gb": 2048})
    assert run(young, [storage_line()]) == []
