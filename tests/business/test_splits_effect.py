"""A split made through the service reaches the explorer as allocated cost once the history is recalculated: a
90 ₽ network split 70/30 shows 63 ₽ and 27 ₽ by business unit, the ledger's total is unchanged, and the
allocation method reads «Разделение: <name>»."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django_tenants.utils import schema_context

from apps.allocation.models import Rule
from apps.business.splits import shared_cost_create, shared_cost_delete, shared_cost_results
from apps.costs.models import CostRecord
from apps.costs.selectors.explorer import cost_summary, group_labels
from apps.costs.services.allocation_apply import allocation_history_apply
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

D1, D2 = date(2025, 5, 1), date(2025, 5, 2)


def _groups(group_by):
    summary = cost_summary(start=D1, end=D2, group_by=group_by)
    return {g["key"]: g["total"] for g in summary["groups"]}, summary["total"]


@pytest.fixture
def estate(w):
    with schema_context(w.alpha.schema_name):
        ledger([row(D1, "100", resource="shop-web"), row(D2, "50", resource="crm-db"),
                row(D1, "90", service="VPC", resource="net-1")])
        Rule.objects.create(order=1, name="shop", conditions=[{"field": "name", "op": "regex", "value": "^shop-"}],
                            actions={"business_unit": "shop"})
        Rule.objects.create(order=2, name="crm", conditions=[{"field": "name", "op": "regex", "value": "^crm-"}],
                            actions={"business_unit": "crm"})
        yield w


def test_a_fixed_split_shows_as_allocated_cost_in_the_explorer(estate):
    with schema_context(estate.alpha.schema_name):
        split = shared_cost_create(actor=estate.alice, name="Сеть", dimension="business_unit", method="fixed",
                                   conditions=[{"field": "service", "op": "equals", "value": "VPC"}],
                                   targets=[{"value": "shop", "percent": "70"}, {"value": "crm", "percent": "30"}])
        allocation_history_apply()
        groups, total = _groups("alloc:business_unit")
        # shop 100 + 90 * 0.7 = 163; crm 50 + 90 * 0.3 = 77; nothing unallocated
        assert groups == {"shop": Decimal("163"), "crm": Decimal("77")}
        assert total == Decimal("240")
        assert CostRecord.objects.aggregate(total=Sum("billed_cost"))["total"] == Decimal("240")
        assert CostRecord.objects.filter(service_name="VPC").count() == 1  # the original line is kept

        methods, _ = _groups("allocation_method")
        key = f"split:{split.pk}"
        assert methods == {"": Decimal("150"), key: Decimal("90")}
        assert group_labels(group_by="allocation_method", keys=list(methods))[key] == "Разделение: Сеть"

        result = shared_cost_results(start=D1, end=D2)[split.pk]
        assert result.total == Decimal("90")
        assert result.by_value == {"shop": Decimal("63"), "crm": Decimal("27")}

        shared_cost_delete(split=split, actor=estate.alice)
        allocation_history_apply()
        groups, total = _groups("alloc:business_unit")
        assert groups == {"shop": Decimal("100"), "crm": Decimal("50"), "": Decimal("90")}
        assert total == Decimal("240")


def test_the_split_network_alone_is_63_and_27(estate):
    with schema_context(estate.alpha.schema_name):
        shared_cost_create(actor=estate.alice, name="Сеть", dimension="business_unit", method="fixed",
                           conditions=[{"field": "service", "op": "equals", "value": "VPC"}],
                           targets=[{"value": "shop", "percent": "70"}, {"value": "crm", "percent": "30"}])
        allocation_history_apply()
        summary = cost_summary(start=D1, end=D2, group_by="alloc:business_unit", filters={"service": ["VPC"]})
        assert {g["key"]: g["total"] for g in summary["groups"]} == {"shop": Decimal("63"), "crm": Decimal("27")}


def test_a_proportional_split_uses_each_days_own_cost_and_the_preview_agrees(estate, time_machine):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from apps.business.splits import shared_cost_preview

    time_machine.move_to(datetime(2025, 5, 10, 12, 0, tzinfo=ZoneInfo("Europe/Moscow")), tick=False)
    with schema_context(estate.alpha.schema_name):
        definition = {"name": "Сеть", "dimension": "business_unit", "method": "proportional",
                      "conditions": [{"field": "service", "op": "equals", "value": "VPC"}],
                      "targets": [{"value": "shop"}, {"value": "crm"}]}
        shared_cost_create(actor=estate.alice, **definition)
        allocation_history_apply()
        # the network's day (1 May) has shop 100 and crm nothing (crm's 50 is on 2 May): shop takes all 90
        groups, total = _groups("alloc:business_unit")
        assert groups == {"shop": Decimal("190"), "crm": Decimal("50")}
        assert total == Decimal("240")
        preview = shared_cost_preview(**definition)
        assert preview.matched_cost == Decimal("90.00")
        assert [(s["value"], s["share"], s["cost"]) for s in preview.split] == [
            ("shop", Decimal("1.0000"), Decimal("90.00")), ("crm", Decimal("0.0000"), Decimal("0.00"))]
