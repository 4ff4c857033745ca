"""Allocation dimension values as anomaly scopes: the detection watches the costliest values of each dimension once
the organization has allocated cost (``"<dimension key>=<value>"``), never the unallocated remainder."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import translation
from django_tenants.utils import schema_context

from apps.allocation.models import Rule
from apps.allocation.services import definitions_changed
from apps.anomalies import services
from apps.anomalies.models import Anomaly
from apps.costs.selectors.daily_series import daily_cost_by_allocation
from apps.costs.services.rollups import cost_rollups_refresh
from tests.anomalies.conftest import FIRST, SPIKE_DAY


def _allocate() -> None:
    """vm-b -> business unit web, vm-a -> api; the bucket stays unallocated."""
    Rule.objects.create(order=1, name="web", conditions=[{"field": "name", "op": "regex", "value": "^vm-b$"}],
                        actions={"business_unit": "web"})
    Rule.objects.create(order=2, name="api", conditions=[{"field": "name", "op": "regex", "value": "^vm-a$"}],
                        actions={"business_unit": "api"})
    definitions_changed()
    cost_rollups_refresh(start=FIRST, end=date(2026, 5, 31), fetch_missing_rates=False)


def test_a_spike_of_an_allocated_value_is_its_own_anomaly(w, spike_ledger):
    with schema_context(w.alpha.schema_name):
        _allocate()
        services.anomalies_detect()
        found = {(a.scope_type, a.scope_key): a for a in Anomaly.objects.all()}
        # web: 4 000 a day, 10 000 on 25 May; api (6 000 a day) stayed flat; the unallocated bucket is no scope.
        assert ("allocation", "business_unit=web") in found
        assert not [key for key in found if key[0] == "allocation" and key[1] != "business_unit=web"]
        web = found[("allocation", "business_unit=web")]
        assert (web.first_date, web.kind, web.expected, web.actual, web.impact) == (
            SPIKE_DAY, "spike", Decimal("4000.00"), Decimal("10000.00"), Decimal("6000.00"))
        assert [c["key"] for c in web.contributors] == ["vm-b"]
        with translation.override("ru"):
            assert web.get_scope_type_display() == "Распределение"
        assert web.scope_label.endswith(" = web")


def test_the_watched_values_are_bounded_per_dimension(w, spike_ledger):
    with schema_context(w.alpha.schema_name):
        assert daily_cost_by_allocation(start=FIRST, end=date(2026, 5, 31), limit=5) == {}  # nothing allocated yet
        _allocate()
        top = daily_cost_by_allocation(start=FIRST, end=date(2026, 5, 31), limit=1)
        # api 6 000 a day beats web 4 000 a day (10 000 once): one value of business_unit only
        assert list(top) == ["business_unit=api"]
        assert top["business_unit=api"][SPIKE_DAY] == Decimal("6000")
        both = daily_cost_by_allocation(start=FIRST, end=date(2026, 5, 31), limit=5)
        assert set(both) == {"business_unit=api", "business_unit=web"}
        assert both["business_unit=web"][SPIKE_DAY] == Decimal("10000")


def test_another_organization_watches_none_of_it(w, spike_ledger):
    with schema_context(w.alpha.schema_name):
        _allocate()
    with schema_context(w.beta.schema_name):
        services.anomalies_detect()
        assert not Anomaly.objects.exists()
