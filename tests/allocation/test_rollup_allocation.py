"""Allocation in the rollups: rules (first match per dimension), overrides, shared-cost splits, and the explorer's
``alloc:<key>`` grouping and filters, with amounts computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import BusinessMetric, BusinessMetricValue, Dimension, ResourceOverride, Rule, SharedCost
from apps.allocation.services import definitions_changed
from apps.costs.selectors.explorer import cost_summary
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

D1, D2 = date(2025, 5, 1), date(2025, 5, 2)


def _named(day, billed, name, sku="", **kw):
    record = row(day, billed, resource=name, **kw)
    record.resource_name = name
    record.sku_id = sku
    return record


def _groups(group_by, **kw):
    summary = cost_summary(start=D1, end=D2, group_by=group_by, **kw)
    return {g["key"]: g["total"] for g in summary["groups"]}


@pytest.fixture
def estate(w):
    with schema_context(w.alpha.schema_name):
        ledger([
            _named(D1, "100", "shop-prod-web"), _named(D2, "100", "shop-prod-web"),
            _named(D1, "60", "shop-dev-web"),
            _named(D1, "40", "crm-prod-db", service="Managed PostgreSQL"),
            _named(D1, "30", "legacy-box"),
            _named(D1, "90", "shared-net", service="VPC"),
        ])
        yield w


def _rule(order, name, conditions, actions):
    return Rule.objects.create(order=order, name=name, conditions=conditions, actions=actions)


def test_rules_allocate_first_match_per_dimension_and_the_rest_stays_unallocated(estate):
    with schema_context(estate.alpha.schema_name):
        _rule(1, "prod", [{"field": "name", "op": "regex", "value": r"-prod-"}], {"environment": "prod"})
        _rule(2, "shop", [{"field": "name", "op": "regex", "value": r"^shop-"}],
              {"business_unit": "shop", "environment": "dev"})  # environment: prod already won for shop-prod-web
        _rule(3, "db", [{"field": "service", "op": "equals", "value": "managed postgresql"}],
              {"business_unit": "crm"})
        definitions_changed()
        cost_rollups_refresh(start=D1, end=D2)
        assert _groups("alloc:environment") == {"prod": Decimal("240"), "dev": Decimal("60"), "": Decimal("120")}
        assert _groups("alloc:business_unit") == {"shop": Decimal("260"), "crm": Decimal("40"), "": Decimal("120")}
        # filters: unallocated business unit = legacy-box 30 + shared-net 90
        assert _groups("service", filters={"alloc:business_unit": [""]}) == {
            "Compute Cloud": Decimal("30"), "VPC": Decimal("90")}
        assert _groups("alloc:business_unit", filters={"alloc:environment": ["prod"]}) == {
            "shop": Decimal("200"), "crm": Decimal("40")}


def test_a_manual_override_wins_over_the_rules(estate):
    with schema_context(estate.alpha.schema_name):
        _rule(1, "shop", [{"field": "name", "op": "regex", "value": r"^shop-"}], {"business_unit": "shop"})
        ResourceOverride.objects.create(connection_id=None, resource_id="shop-dev-web",
                                        values={"business_unit": "lab"}, note="R&D pays")
        definitions_changed()
        cost_rollups_refresh(start=D1, end=D2)
        assert _groups("alloc:business_unit") == {"shop": Decimal("200"), "lab": Decimal("60"), "": Decimal("160")}


def test_shared_network_split_evenly_fixed_and_in_proportion(estate):
    with schema_context(estate.alpha.schema_name):
        _rule(1, "shop", [{"field": "name", "op": "regex", "value": r"^shop-"}], {"business_unit": "shop"})
        _rule(2, "crm", [{"field": "name", "op": "regex", "value": r"^crm-"}], {"business_unit": "crm"})
        bu = Dimension.objects.get(key="business_unit")
        split = SharedCost.objects.create(name="network", dimension=bu, method="even",
                                          conditions=[{"field": "service", "op": "equals", "value": "VPC"}],
                                          targets=[{"value": "shop"}, {"value": "crm"}, {"value": "crm2"}])
        definitions_changed()
        cost_rollups_refresh(start=D1, end=D2)
        # 90 / 3 = 30 each; the total is unchanged
        assert _groups("alloc:business_unit") == {"shop": Decimal("290"), "crm": Decimal("70"),
                                                  "crm2": Decimal("30"), "": Decimal("30")}
        assert _groups("allocation_method")[f"split:{split.id}"] == Decimal("90")

        split.method, split.targets = "fixed", [{"value": "shop", "percent": "70"}, {"value": "crm", "percent": "30"}]
        split.save()
        definitions_changed()
        cost_rollups_refresh(start=D1, end=D2)
        assert _groups("alloc:business_unit") == {"shop": Decimal("323"), "crm": Decimal("67"), "": Decimal("30")}

        # D1 direct costs: shop 160, crm 40 -> 90 * 0.8 = 72 and 90 * 0.2 = 18
        split.method, split.targets = "proportional", [{"value": "shop"}, {"value": "crm"}]
        split.save()
        definitions_changed()
        cost_rollups_refresh(start=D1, end=D2)
        assert _groups("alloc:business_unit") == {"shop": Decimal("332"), "crm": Decimal("58"), "": Decimal("30")}


def test_split_by_a_business_metric(estate):
    with schema_context(estate.alpha.schema_name):
        bu = Dimension.objects.get(key="business_unit")
        metric = BusinessMetric.objects.create(key="requests", name="Requests", unit="req", dimension=bu)
        BusinessMetricValue.objects.create(metric=metric, date=D1, dimension_value="shop", value=Decimal("1"))
        BusinessMetricValue.objects.create(metric=metric, date=D1, dimension_value="crm", value=Decimal("2"))
        SharedCost.objects.create(name="network", dimension=bu, method="metric", metric=metric,
                                  conditions=[{"field": "service", "op": "equals", "value": "VPC"}],
                                  targets=[{"value": "shop"}, {"value": "crm"}])
        definitions_changed()
        cost_rollups_refresh(start=D1, end=D2)
        # 90 by 1:2 -> 30 and 60
        assert _groups("alloc:business_unit") == {"shop": Decimal("30"), "crm": Decimal("60"), "": Decimal("330")}


def test_unknown_dimension_is_refused(estate):
    from apps.common.errors import ApplicationError

    with schema_context(estate.alpha.schema_name), pytest.raises(ApplicationError):
        cost_summary(start=D1, end=D2, group_by="alloc:nope")


def test_coverage_counts_required_dimensions_and_splits(estate):
    from apps.business.coverage import allocation_coverage

    with schema_context(estate.alpha.schema_name):
        _rule(1, "shop", [{"field": "name", "op": "regex", "value": r"^shop-"}],
              {"business_unit": "shop", "environment": "prod"})
        _rule(2, "crm", [{"field": "name", "op": "regex", "value": r"^crm-"}], {"business_unit": "crm"})
        bu = Dimension.objects.get(key="business_unit")
        SharedCost.objects.create(name="network", dimension=bu, method="even",
                                  conditions=[{"field": "service", "op": "equals", "value": "VPC"}],
                                  targets=[{"value": "shop"}, {"value": "crm"}])
        definitions_changed()
        cost_rollups_refresh(start=D1, end=D2)
        coverage = allocation_coverage(start=D1, end=D2)
        # total 420: shop 260 (both dims), crm 40 (bu only), legacy 30 (none), network 90 split (allocated)
        assert coverage.total_cost == Decimal("420")
        assert coverage.overall_cost_share == Decimal("0.8333")  # (260 + 90) / 420
        by_key = {d.key: d for d in coverage.dimensions}
        assert by_key["business_unit"].cost_share == Decimal("0.9286")  # 390 / 420
        assert by_key["business_unit"].unallocated_cost == Decimal("30")
        assert by_key["environment"].cost_share == Decimal("0.6190")  # 260 / 420: the split network has none
        # resources: shop-prod-web, shop-dev-web, crm-prod-db, legacy-box, shared-net; overall: 2 shop + net
        assert coverage.resources == 5
        assert coverage.overall_resource_share == Decimal("0.6")


def test_a_change_of_rules_leaves_the_signatures_to_the_next_refresh(estate):
    """Saving a rule never touches the signatures itself (a running recalculation may hold them): the next rollup
    refresh evaluates the stale ones again and applies the new rule."""
    from apps.allocation.models import AllocationSignature

    with schema_context(estate.alpha.schema_name):
        cost_rollups_refresh(start=D1, end=D2)
        cached = AllocationSignature.objects.count()
        assert cached == 5  # five signatures: shop-prod-web's two days are one
        _rule(1, "shop", [{"field": "name", "op": "regex", "value": r"^shop-"}], {"business_unit": "shop"})
        version = definitions_changed()
        assert AllocationSignature.objects.count() == cached  # untouched by the change itself
        cost_rollups_refresh(start=D1, end=D2)
        assert set(AllocationSignature.objects.values_list("version", flat=True)) == {version}
        assert _groups("alloc:business_unit") == {"shop": Decimal("260"), "": Decimal("160")}
