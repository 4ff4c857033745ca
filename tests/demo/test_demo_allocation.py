"""The demo is allocated when seed_demo returns: business unit and environment for nearly all of the last 30
days' cost (rules by name, tag, folder/project and service; the shared network split in proportion to cost), the
business metric «Заказы» with 90 days of figures, and a second seed adds nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.allocation.models import (
    AllocationState,
    BusinessMetric,
    BusinessMetricValue,
    DimensionValue,
    Rule,
    SharedCost,
)
from apps.business.coverage import allocation_coverage
from apps.costs.models import CostRecord
from apps.costs.selectors.explorer import cost_summary
from apps.tenants.models import Organization


def close(a, b, tolerance="0.01") -> bool:
    """Equal to the kopeck: the split rows are shares of the shared cost, not rounded."""
    return abs(Decimal(a) - Decimal(b)) <= Decimal(tolerance)


def _counts():
    return (Rule.objects.count(), SharedCost.objects.count(), DimensionValue.objects.count(),
            BusinessMetric.objects.count(), BusinessMetricValue.objects.count())


def test_seed_demo_allocates_the_demo_and_is_idempotent(w):
    call_command("seed_demo", stdout=StringIO())
    demo = Organization.objects.get(slug="demo")
    today = timezone.now().date()  # the demo's ledger ends today (apps.demo.estate)
    start = today - timedelta(days=29)
    with schema_context(demo.schema_name):
        state = AllocationState.objects.get()
        assert (state.status, state.applied_version) == ("idle", state.version)
        coverage = allocation_coverage(start=start, end=today)
        # The estate's 30 days total exactly 117 150 ₽ (the product description's figure).
        assert close(coverage.total_cost, "117150.00")
        assert coverage.required == ["business_unit", "environment"]
        print(coverage)  # noqa: T201 -- shown on failure
        assert coverage.overall_cost_share >= Decimal("0.85")
        # What no rule takes: Selectel's public addresses of no resource (an environment by tag, no business unit).
        unallocated = CostRecord.objects.filter(charge_date__range=(start, today), sku_id="cloud.ip.public") \
            .aggregate(total=Sum("billed_cost"))["total"]
        assert unallocated > 0
        assert close(coverage.overall_unallocated_cost, unallocated)
        by_key = {d.key: d for d in coverage.dimensions}
        assert by_key["environment"].cost_share == Decimal(1)
        assert close(by_key["business_unit"].unallocated_cost, unallocated)

        units = {g["key"]: g["total"] for g in cost_summary(start=start, end=today,
                                                            group_by="alloc:business_unit")["groups"]}
        assert {"shop", "crm", "analytics", "platform", "marketing"} <= set(units)
        assert close(units[""], unallocated)
        assert close(sum(units.values()), "117150.00")
        environments = {g["key"] for g in cost_summary(start=start, end=today,
                                                       group_by="alloc:environment")["groups"]}
        assert environments == {"prod", "stage"}  # the ML sandbox ran four months ago
        for key in ("business_unit", "environment"):
            assert DimensionValue.objects.filter(dimension__key=key).exists()

        # The shared network is split across the business units in proportion to their cost: each unit's share
        # of the split is its share of the units' own cost that day.
        split = SharedCost.objects.get()
        network = CostRecord.objects.filter(charge_date=today, service_name="Virtual Private Cloud",
                                            sku_id__in=["dn229q5mnmp58t58tfel", "dn2olvngrkkqfpc6dddu"]) \
            .aggregate(total=Sum("billed_cost"))["total"]
        day_units = {g["key"]: g["total"] for g in cost_summary(start=today, end=today,
                                                                group_by="alloc:business_unit")["groups"]}
        split_rows = {g["key"]: g["total"] for g in cost_summary(
            start=today, end=today, group_by="alloc:business_unit",
            filters={"allocation_method": [f"split:{split.id}"]})["groups"]}
        assert abs(sum(split_rows.values()) - network) <= Decimal("0.05")
        own = {k: day_units[k] - split_rows.get(k, 0) for k in ("shop", "crm", "analytics", "platform", "marketing")}
        whole = sum(own.values())
        assert abs(split_rows["shop"] - network * own["shop"] / whole) <= Decimal("0.02")

        orders = BusinessMetric.objects.get(key="orders")
        assert (orders.name, orders.unit, orders.granularity, orders.dimension.key) == (
            "Заказы", "заказ", "day", "business_unit")
        totals = BusinessMetricValue.objects.filter(metric=orders, dimension_value="")
        assert totals.count() == 90
        assert set(totals.values_list("date", flat=True)) == {today - timedelta(days=n) for n in range(90)}
        shop = dict(BusinessMetricValue.objects.filter(metric=orders, dimension_value="shop")
                    .values_list("date", "value"))
        crm = dict(BusinessMetricValue.objects.filter(metric=orders, dimension_value="crm")
                   .values_list("date", "value"))
        for day, total in totals.values_list("date", "value"):
            assert 250 <= total <= 600
            assert shop[day] + crm[day] == total and shop[day] > crm[day]
        before = _counts()

    call_command("seed_demo", stdout=StringIO())
    with schema_context(demo.schema_name):
        assert _counts() == before
        assert Rule.objects.values("name").distinct().count() == Rule.objects.count()
        assert allocation_coverage(start=start, end=today).overall_cost_share >= Decimal("0.85")
    for slug in ("demo-client", "demo-client-3"):
        with schema_context(Organization.objects.get(slug=slug).schema_name):
            assert Rule.objects.filter(actions__has_key="business_unit").exists()
            assert Rule.objects.filter(actions__has_key="environment").exists()
