from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django_tenants.utils import schema_context

from apps.costs.models import CostDaily, CostRecord
from apps.costs.services.rollups import cost_rollups_refresh
from apps.currency.models import ExchangeRate, RateSource
from apps.currency.services import rate_set_manual
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

D1, D2, D3 = date(2025, 5, 1), date(2025, 5, 2), date(2025, 5, 3)


def _sum(field, **filters):
    return CostDaily.objects.filter(**filters).aggregate(s=Sum(field))["s"]


def test_refresh_groups_the_ledger_per_day_and_dimension(w):
    with schema_context(w.alpha.schema_name):
        ledger([row(D1, "10.10"), row(D1, "0.015", resource="vm-1"), row(D1, "2.5", service="Object Storage"),
                row(D2, "7")])
        written = cost_rollups_refresh(start=D1, end=D2)
        assert written == 4
        compute = CostDaily.objects.get(charge_date=D1, service_name="Compute Cloud", resource_id="")
        assert (compute.billed_cost, compute.row_count, compute.billed_cost_org) == (
            Decimal("10.10"), 1, Decimal("10.10"))
        assert _sum("billed_cost") == CostRecord.objects.aggregate(s=Sum("billed_cost"))["s"] == Decimal("19.615")


def test_refresh_replaces_the_range_and_leaves_other_days_alone(w):
    with schema_context(w.alpha.schema_name):
        ledger([row(D1, "1"), row(D2, "2"), row(D3, "3")])
        cost_rollups_refresh(start=D1, end=D3)
        CostRecord.objects.filter(charge_date=D2).update(billed_cost=Decimal("20"))
        CostRecord.objects.filter(charge_date=D3).update(billed_cost=Decimal("30"))
        cost_rollups_refresh(start=D2, end=D2)
        cost_rollups_refresh(start=D2, end=D2)
        assert list(CostDaily.objects.order_by("charge_date").values_list("billed_cost", flat=True)) == [
            Decimal("1"), Decimal("20"), Decimal("3")]


def test_a_foreign_charge_is_converted_at_its_charge_dates_rate(w):
    ExchangeRate.objects.create(date=D1, currency="USD", rate_rub=Decimal("80.5"), source=RateSource.CBR)
    ExchangeRate.objects.create(date=D2, currency="USD", rate_rub=Decimal("81"), source=RateSource.CBR)
    with schema_context(w.alpha.schema_name):
        ledger([row(D1, "2", currency="USD"), row(D2, "2", currency="USD"), row(D3, "1", currency="USD")])
        cost_rollups_refresh(start=D1, end=D3)
        assert [(r.billed_cost_org, r.org_currency) for r in CostDaily.objects.order_by("charge_date")] == [
            (Decimal("161"), "RUB"), (Decimal("162"), "RUB"), (Decimal("81"), "RUB")]


def test_a_manual_rate_wins_in_the_rollup(w):
    ExchangeRate.objects.create(date=D1, currency="USD", rate_rub=Decimal("80"), source=RateSource.CBR)
    rate_set_manual(day=D1, currency="USD", rate_rub=Decimal("100"))
    with schema_context(w.alpha.schema_name):
        ledger([row(D1, "3", currency="USD")])
        cost_rollups_refresh(start=D1, end=D1)
        assert CostDaily.objects.get().billed_cost_org == Decimal("300")


def test_without_a_rate_the_converted_amount_stays_unknown(w):
    with schema_context(w.alpha.schema_name):
        ledger([row(D1, "3", currency="EUR"), row(D1, "5")])
        cost_rollups_refresh(start=D1, end=D1, fetch_missing_rates=False)
        assert CostDaily.objects.get(billing_currency="EUR").billed_cost_org is None
        assert CostDaily.objects.get(billing_currency="RUB").billed_cost_org == Decimal("5")


def test_amortized_view_does_not_count_a_commitment_purchase_twice(w):
    """FOCUS 4.6: the purchase (billed 300) comes back amortized in the covered usage (100 per day)."""
    with schema_context(w.alpha.schema_name):
        ledger([
            # A conforming purchase row: EffectiveCost 0.
            row(D1, "300", effective="0", category="Purchase", commitment="cud-1", resource="cud-1"),
            # A non-conforming export that copied BilledCost into EffectiveCost on the purchase.
            row(D1, "60", effective="60", category="Purchase", commitment="cud-2", resource="cud-2"),
            row(D1, "0", effective="100", commitment="cud-1", resource="vm-1"),
            row(D2, "0", effective="100", commitment="cud-1", resource="vm-1"),
            row(D3, "0", effective="100", commitment="cud-1", resource="vm-1"),
            row(D1, "20", effective="20", commitment="cud-2", resource="vm-2"),
            # A purchase that is not a commitment (a one-time licence) is a real cost in both views.
            row(D1, "50", category="Purchase"),
        ])
        cost_rollups_refresh(start=D1, end=D3)
        assert _sum("billed_cost") == Decimal("430")
        assert _sum("effective_cost") == Decimal("370")
        assert _sum("effective_cost_org") == Decimal("370")


def test_rollups_of_one_organization_never_touch_another(w):
    with schema_context(w.beta.schema_name):
        ledger([row(D1, "999")])
        cost_rollups_refresh(start=D1, end=D1)
    with schema_context(w.alpha.schema_name):
        ledger([row(D1, "1")])
        cost_rollups_refresh(start=D1, end=D1)
        assert _sum("billed_cost") == Decimal("1")
    with schema_context(w.beta.schema_name):
        assert _sum("billed_cost") == Decimal("999")
