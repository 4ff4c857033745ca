"""Applying changed definitions to the history re-evaluates the signatures the rollups point at and leaves the
rollup rows alone (only the split rows of shared costs are recalculated); a change that the signatures cannot
carry (a new shared cost, a rule on the SKU) rebuilds the rollups. Amounts computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import AllocationState, Dimension, Rule, SharedCost
from apps.allocation.services import definitions_changed
from apps.costs.models import CostDaily, CostMonthly, CostSharedDaily
from apps.costs.selectors.explorer import cost_summary
from apps.costs.services.allocation_apply import allocation_history_apply
from apps.costs.services.rollups import cost_rollups_refresh
from tests.allocation.test_rollup_allocation import _named, estate  # noqa: F401 -- the fixture
from tests.costs.explorer_data import ledger

pytestmark = pytest.mark.django_db

D1, D2 = date(2025, 5, 1), date(2025, 5, 2)
CENT = Decimal("0.01")


def _groups(group_by, **kw):
    summary = cost_summary(start=D1, end=D2, group_by=group_by, **kw)
    return {g["key"]: g["total"].quantize(CENT) for g in summary["groups"]}


def _plain_rows() -> set[int]:
    return set(CostDaily.objects.filter(allocated_method_id="").values_list("pk", flat=True))


def _apply():
    return allocation_history_apply(version=definitions_changed())


@pytest.fixture
def rolled_up(estate):  # noqa: F811 -- the imported fixture
    """The estate of ``test_rollup_allocation`` with its rollups built, as an import leaves them, before any rule."""
    with schema_context(estate.alpha.schema_name):
        cost_rollups_refresh(start=D1, end=D2)
    return estate


def _rule(order, name, regex, **actions):
    return Rule.objects.create(order=order, name=name, conditions=[{"field": "name", "op": "regex", "value": regex}],
                               actions=actions)


def test_new_and_changed_rules_reach_the_history_without_rewriting_the_rollups(rolled_up):
    with schema_context(rolled_up.alpha.schema_name):
        rows = _plain_rows()
        assert _groups("alloc:business_unit") == {"": Decimal("420.00")}
        shop = _rule(1, "shop", r"^shop-", business_unit="shop")
        _rule(2, "crm", r"^crm-", business_unit="crm")
        assert _apply() == 2
        # shop 100 + 100 + 60; crm 40; legacy 30 and the network 90 unallocated
        assert _groups("alloc:business_unit") == {"shop": Decimal("260.00"), "crm": Decimal("40.00"),
                                                  "": Decimal("120.00")}
        assert _plain_rows() == rows  # the same rows: only the signatures they point at changed

        shop.actions = {"business_unit": "retail"}
        shop.save()
        _apply()
        assert _groups("alloc:business_unit") == {"retail": Decimal("260.00"), "crm": Decimal("40.00"),
                                                  "": Decimal("120.00")}
        assert _groups("service", filters={"alloc:business_unit": ["retail"]}) == {"Compute Cloud": Decimal("260.00")}
        assert _plain_rows() == rows
        # the monthly rollup (long ranges) reads the same signatures
        months = {}
        for values, amount in CostMonthly.objects.values_list("signature__allocation__values", "billed_cost"):
            key = (values or {}).get("business_unit", "")
            months[key] = months.get(key, Decimal(0)) + amount
        assert months == {"retail": Decimal("260"), "crm": Decimal("40"), "": Decimal("120")}

        # a rebuild from the ledger gives the same figures with new rows
        AllocationState.objects.update(signatures_with_sku=None)
        _apply()
        assert _groups("alloc:business_unit") == {"retail": Decimal("260.00"), "crm": Decimal("40.00"),
                                                  "": Decimal("120.00")}
        assert not _plain_rows() & rows


def test_a_rule_change_reweighs_a_proportional_split_and_keeps_the_other_rows(rolled_up):
    with schema_context(rolled_up.alpha.schema_name):
        _rule(1, "shop", r"^shop-", business_unit="shop")
        crm = _rule(2, "crm", r"^crm-", business_unit="crm")
        network = set(CostDaily.objects.filter(service_name="VPC").values_list("pk", flat=True))
        others = _plain_rows() - network
        assert len(network) == 1 and len(others) == 5
        split = SharedCost.objects.create(name="network", dimension=Dimension.objects.get(key="business_unit"),
                                          method="proportional", conditions=[{"field": "service", "op": "equals",
                                                                              "value": "VPC"}],
                                          targets=[{"value": "shop"}, {"value": "crm"}])
        _apply()  # the network's signature became shared cost: its row moved out, split rows in its place
        assert _plain_rows() == others
        assert CostSharedDaily.objects.get().billed == Decimal("90")
        # D1: shop 160, crm 40 -> the network's 90 split 72 / 18; D2: shop 100
        assert _groups("alloc:business_unit") == {"shop": Decimal("332.00"), "crm": Decimal("58.00"),
                                                  "": Decimal("30.00")}
        rows = _plain_rows()

        crm.conditions = [{"field": "name", "op": "regex", "value": r"^(crm|legacy)-"}]
        crm.save()
        _apply()
        # D1: shop 160, crm 40 + 30 = 70 -> 90 * 160 / 230 = 62.61 and 90 * 70 / 230 = 27.39
        assert _groups("alloc:business_unit") == {"shop": Decimal("322.61"), "crm": Decimal("97.39")}
        assert _groups("allocation_method")[""] == Decimal("330.00")  # the unshared lines, as they were
        assert _plain_rows() == rows  # re-evaluated, not rewritten; only the split rows were recalculated

        split.enabled = False
        split.save()
        _apply()  # no longer shared: the network's 90 back as one unallocated row
        assert _groups("alloc:business_unit") == {"shop": Decimal("260.00"), "crm": Decimal("70.00"),
                                                  "": Decimal("90.00")}
        assert not CostSharedDaily.objects.exists()
        assert _plain_rows() > rows and len(_plain_rows()) == 6
        assert CostMonthly.objects.filter(service_name="VPC").get().billed_cost == Decimal("90")


def test_a_rule_on_the_sku_rebuilds_the_rollups_with_skus_apart(rolled_up):
    with schema_context(rolled_up.alpha.schema_name):
        CostDaily.objects.all().delete()
        ledger([_named(D2, "25", "shop-prod-web", sku="ssd"), _named(D2, "5", "shop-prod-web", sku="ip")])
        cost_rollups_refresh(start=D1, end=D2)
        # shop-prod-web on D2: 100 (no SKU) + 25 + 5 in one rollup row while no definition reads the SKU
        assert CostDaily.objects.filter(charge_date=D2, resource_id="shop-prod-web").count() == 1
        Rule.objects.create(order=1, name="disks", conditions=[{"field": "sku", "op": "equals", "value": "ssd"}],
                            actions={"cost_center": "storage"})
        _apply()
        assert AllocationState.objects.get().signatures_with_sku is True
        assert CostDaily.objects.filter(charge_date=D2, resource_id="shop-prod-web").count() == 3
        assert _groups("alloc:cost_center") == {"storage": Decimal("25.00"), "": Decimal("425.00")}

        Rule.objects.all().delete()
        _apply()  # no definition reads the SKU any more: one row per resource and day again
        assert AllocationState.objects.get().signatures_with_sku is False
        assert CostDaily.objects.filter(charge_date=D2, resource_id="shop-prod-web").count() == 1
        assert _groups("alloc:cost_center") == {"": Decimal("450.00")}


def test_a_refresh_that_finds_a_signature_newly_shared_queues_a_rebuild_of_the_history(
        rolled_up, django_capture_on_commit_callbacks):
    """The refresh of one day re-evaluates that day's signatures; one of them now matches a shared cost and has
    rows on another day, which only a rebuild can split: it is queued, and the rebuild splits both days."""
    with schema_context(rolled_up.alpha.schema_name):
        _rule(1, "shop", r"^shop-", business_unit="shop")
        _rule(2, "crm", r"^crm-", business_unit="crm")
        _apply()
        SharedCost.objects.create(name="web", dimension=Dimension.objects.get(key="business_unit"), method="fixed",
                                  conditions=[{"field": "name", "op": "equals", "value": "shop-prod-web"}],
                                  targets=[{"value": "shop", "percent": "50"}, {"value": "crm", "percent": "50"}])
        definitions_changed()  # the apply it queues has not run yet when an import refreshes D1
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            cost_rollups_refresh(start=D1, end=D1)
        assert AllocationState.objects.get().signatures_with_sku is None  # the next apply rebuilds
        assert len(callbacks) == 1
        # D1's 100 of shop-prod-web is split already (50 / 50); D2's 100 still counts as shop
        assert _groups("alloc:business_unit") == {"shop": Decimal("210.00"), "crm": Decimal("90.00"),
                                                  "": Decimal("120.00")}
        allocation_history_apply()
        # shop-prod-web's 200 over both days split 50/50: shop 60 + 100, crm 40 + 100
        assert _groups("alloc:business_unit") == {"shop": Decimal("160.00"), "crm": Decimal("140.00"),
                                                  "": Decimal("120.00")}
        assert AllocationState.objects.get().signatures_with_sku is False
