"""Unit costs and the cost-to-value view, with amounts computed by hand.

Ledger (billed, RUB): 28-30 April 2025 shop-web 50 ₽ a day; 1-3 May shop-web 100 ₽ a day, crm-db 50 ₽ a day,
legacy-box 30 ₽ on 1 May only. Rules: ``^shop-`` -> product shop, ``^crm-`` -> product crm; legacy-box stays
unallocated. Orders (per product): shop 50 a day on 28 April - 3 May, crm 25 on 1 and 2 May, 0 on 3 May.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import BusinessMetric, BusinessMetricValue, Dimension, Rule
from apps.allocation.services import definitions_changed
from apps.business.unit_costs import products_value, unit_costs
from apps.common.errors import ApplicationError
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

APR28, MAY1, MAY2, MAY3 = date(2025, 4, 28), date(2025, 5, 1), date(2025, 5, 2), date(2025, 5, 3)


def _named(day, billed, name):
    record = row(day, billed, resource=name)
    record.resource_name = name
    return record


@pytest.fixture
def estate(w):
    with schema_context(w.alpha.schema_name):
        rows = [_named(APR28 + timedelta(days=i), "50", "shop-web") for i in range(3)]
        for day in (MAY1, MAY2, MAY3):
            rows += [_named(day, "100", "shop-web"), _named(day, "50", "crm-db")]
        rows.append(_named(MAY1, "30", "legacy-box"))
        ledger(rows)
        Rule.objects.create(order=1, name="shop", conditions=[{"field": "name", "op": "regex", "value": "^shop-"}],
                            actions={"product": "shop"})
        Rule.objects.create(order=2, name="crm", conditions=[{"field": "name", "op": "regex", "value": "^crm-"}],
                            actions={"product": "crm"})
        definitions_changed()
        cost_rollups_refresh(start=APR28, end=MAY3)
        orders = BusinessMetric.objects.create(key="orders", name="Заказы", unit="заказ",
                                               dimension=Dimension.objects.get(key="product"))
        values = [BusinessMetricValue(metric=orders, date=APR28 + timedelta(days=i), dimension_value="shop",
                                      value=Decimal(50)) for i in range(6)]
        values += [BusinessMetricValue(metric=orders, date=MAY1, dimension_value="crm", value=Decimal(25)),
                   BusinessMetricValue(metric=orders, date=MAY2, dimension_value="crm", value=Decimal(25)),
                   BusinessMetricValue(metric=orders, date=MAY3, dimension_value="crm", value=Decimal(0))]
        BusinessMetricValue.objects.bulk_create(values)
        yield w


def _points(series) -> list[tuple]:
    return [(p["date"], p["cost"], p["metric"], p["unit_cost"]) for p in series["points"]]


def test_cost_of_a_product_divided_by_its_orders(estate):
    """shop: 300 ₽ over 3 days / 150 orders = 2 ₽ per order, day by day and for the month."""
    with schema_context(estate.alpha.schema_name):
        result = unit_costs(metric_key="orders", start=MAY1, end=MAY3, granularity="month",
                            group_by="alloc:product", filters={"alloc:product": ["shop"]})
        (shop,) = result["series"]
        assert (shop["key"], shop["cost"], shop["metric_total"], shop["unit_cost"]) == (
            "shop", Decimal(300), Decimal(150), Decimal(2))
        assert _points(shop) == [(MAY1, Decimal(300), Decimal(150), Decimal(2))]
        assert result["currency"] == "RUB" and result["metric"]["unit"] == "заказ"


def test_grouped_by_the_metrics_dimension_each_product_divides_by_its_own_orders(estate):
    with schema_context(estate.alpha.schema_name):
        result = unit_costs(metric_key="orders", start=MAY1, end=MAY3, granularity="day", group_by="alloc:product")
        series = {s["key"]: s for s in result["series"]}
        assert set(series) == {"shop", "crm", ""}
        assert _points(series["shop"]) == [(d, Decimal(100), Decimal(50), Decimal(2)) for d in (MAY1, MAY2, MAY3)]
        # crm: 50 ₽ / 25 orders = 2, then no orders on 3 May: no unit cost; the period: 150 / 50 = 3
        assert _points(series["crm"]) == [(MAY1, Decimal(50), Decimal(25), Decimal(2)),
                                          (MAY2, Decimal(50), Decimal(25), Decimal(2)),
                                          (MAY3, Decimal(50), Decimal(0), None)]
        assert series["crm"]["unit_cost"] == Decimal(3)
        # unallocated: 30 ₽ and no orders of its own
        assert _points(series[""]) == [(MAY1, Decimal(30), None, None), (MAY2, Decimal(0), None, None),
                                       (MAY3, Decimal(0), None, None)]
        # shop: 2 ₽ now, previous 3 days 150 ₽ / 150 orders = 1 ₽: +100 %; unchanged day to day
        assert series["shop"]["trend"]["previous_unit_cost"] == Decimal(1)
        assert series["shop"]["trend"]["previous_pct"] == Decimal(100)
        assert series["shop"]["trend"]["change_pct"] == Decimal(0)


def test_ungrouped_unit_cost_divides_all_costs_by_all_orders_with_the_trend(estate):
    """Costs 180, 150, 150 ₽; orders 75, 75, 50 -> 2,4, 2 and 3 ₽; last vs first +25 %; the period 480 / 200 =
    2,4 ₽ vs the previous 150 / 150 = 1 ₽: +140 %."""
    with schema_context(estate.alpha.schema_name):
        result = unit_costs(metric_key="orders", start=MAY1, end=MAY3)
        (total,) = result["series"]
        assert _points(total) == [(MAY1, Decimal(180), Decimal(75), Decimal("2.4")),
                                  (MAY2, Decimal(150), Decimal(75), Decimal(2)),
                                  (MAY3, Decimal(150), Decimal(50), Decimal(3))]
        assert total["unit_cost"] == Decimal("2.4")
        trend = total["trend"]
        assert (trend["first"], trend["last"], trend["change_pct"]) == (Decimal("2.4"), Decimal(3), Decimal(25))
        assert (trend["previous_unit_cost"], trend["previous_pct"]) == (Decimal(1), Decimal(140))

        weekly = unit_costs(metric_key="orders", start=MAY1, end=MAY3, granularity="week")
        assert _points(weekly["series"][0]) == [(APR28, Decimal(480), Decimal(200), Decimal("2.4"))]


def test_another_grouping_divides_every_group_by_the_total_metric(estate):
    with schema_context(estate.alpha.schema_name):
        result = unit_costs(metric_key="orders", start=MAY1, end=MAY3, granularity="month", group_by="provider")
        (yandex,) = result["series"]
        assert (yandex["cost"], yandex["metric_total"], yandex["unit_cost"]) == (
            Decimal(480), Decimal(200), Decimal("2.4"))


def test_a_monthly_metric_has_unit_costs_by_month_only(estate):
    with schema_context(estate.alpha.schema_name):
        mau = BusinessMetric.objects.create(key="mau", name="MAU", unit="пользователь", granularity="month")
        BusinessMetricValue.objects.create(metric=mau, date=MAY1, value=Decimal(1000))
        with pytest.raises(ApplicationError) as caught:
            unit_costs(metric_key="mau", start=MAY1, end=MAY3, granularity="day")
        assert "granularity" in caught.value.extra
        result = unit_costs(metric_key="mau", start=MAY1, end=MAY3, granularity="month")
        # 480 ₽ / 1 000 users
        assert _points(result["series"][0]) == [(MAY1, Decimal(480), Decimal(1000), Decimal("0.48"))]


def test_an_unknown_metric_is_refused(estate):
    with schema_context(estate.alpha.schema_name):
        with pytest.raises(ApplicationError) as caught:
            unit_costs(metric_key="nope", start=MAY1, end=MAY3)
        assert "metric" in caught.value.extra


def test_products_cost_to_value(estate):
    with schema_context(estate.alpha.schema_name):
        view = products_value(start=MAY1, end=MAY3)
        rows = {r["key"]: r for r in view["rows"]}
        assert [r["key"] for r in view["rows"]] == ["shop", "crm", ""]
        # shop: 300 ₽ vs 150 ₽ before (+100 %), 150 orders -> 2 ₽
        assert (rows["shop"]["cost"], rows["shop"]["previous"], rows["shop"]["trend_pct"]) == (
            Decimal(300), Decimal(150), Decimal(100))
        assert [(m["key"], m["value"], m["unit_cost"]) for m in rows["shop"]["metrics"]] == [
            ("orders", Decimal(150), Decimal(2))]
        # crm: 150 ₽, nothing before (no trend), 50 orders -> 3 ₽
        assert (rows["crm"]["cost"], rows["crm"]["trend_pct"]) == (Decimal(150), None)
        assert rows["crm"]["metrics"][0]["unit_cost"] == Decimal(3)
        assert rows[""]["cost"] == Decimal(30) and rows[""]["metrics"][0]["unit_cost"] is None


def test_days_without_figures_stay_out_of_the_periods_unit_cost(estate):
    """shop: 100 ₽ a day; only 1 May has a figure (50 orders): 2 ₽ per order, not 300 / 50 = 6 ₽."""
    with schema_context(estate.alpha.schema_name):
        BusinessMetricValue.objects.filter(dimension_value="shop", date__in=[MAY2, MAY3]).delete()
        result = unit_costs(metric_key="orders", start=MAY1, end=MAY3, group_by="alloc:product",
                            filters={"alloc:product": ["shop"]})
        (shop,) = result["series"]
        assert _points(shop) == [(MAY1, Decimal(100), Decimal(50), Decimal(2)), (MAY2, Decimal(100), None, None),
                                 (MAY3, Decimal(100), None, None)]
        assert (shop["cost"], shop["metric_total"], shop["unit_cost"]) == (Decimal(300), Decimal(50), Decimal(2))
