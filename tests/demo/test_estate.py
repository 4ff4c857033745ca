"""The demo cost estate (seed 7.1.4): deterministic figures, the right inventory, idempotent re-seeding."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.costs.models import CostDaily, CostRecord
from apps.demo.estate import demo_cost_rows
from apps.demo.seeding import demo_costs_seed
from apps.inventory.models import MetricPoint, Resource, ResourceMetricSummary
from apps.providers.models import ConnectionStatus, ProviderConnection, SyncRun

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 15)


def _window_sum(rows, start: date, end: date) -> Decimal:
    return sum((r.amount for r in rows if start <= r.day <= end), Decimal(0))


def test_generated_series_totals_117_150_roubles_and_minus_12_5_percent_to_the_kopeck():
    rows = demo_cost_rows(today=TODAY)
    last = _window_sum(rows, TODAY - timedelta(days=29), TODAY)
    previous = _window_sum(rows, TODAY - timedelta(days=59), TODAY - timedelta(days=30))
    assert last == Decimal("117150.00")
    assert previous == Decimal("133886.00")
    assert ((last - previous) * 100 / previous).quantize(Decimal("0.1")) == Decimal("-12.5")
    assert all(r.amount == r.amount.quantize(Decimal("0.01")) and r.amount > 0 for r in rows)


def test_generated_series_is_deterministic_and_covers_thirteen_calendar_months():
    first, second = demo_cost_rows(today=TODAY), demo_cost_rows(today=TODAY)
    assert [(r.day, r.line.sku, r.amount) for r in first] == [(r.day, r.line.sku, r.amount) for r in second]
    months = {r.day.strftime("%Y-%m") for r in first}
    assert len(months) == 13
    assert min(r.day for r in first) == date(2024, 6, 1)
    assert max(r.day for r in first) == TODAY


def test_generated_series_has_weekday_seasonality_growth_and_anomalies():
    rows = demo_cost_rows(today=TODAY)
    daily: dict[date, Decimal] = defaultdict(Decimal)
    for r in rows:
        daily[r.day] += r.amount
    window = [d for d in daily if TODAY - timedelta(days=27) <= d <= TODAY]
    weekdays = [daily[d] for d in window if d.weekday() < 5]
    weekends = [daily[d] for d in window if d.weekday() >= 5]
    assert sum(weekdays) / len(weekdays) > sum(weekends) / len(weekends) * Decimal("1.03")
    monthly: dict[str, Decimal] = defaultdict(Decimal)
    for day, amount in daily.items():
        monthly[day.strftime("%Y-%m")] += amount
    assert monthly["2024-07"] < monthly["2025-05"]  # a year of growth
    ordered = sorted(daily.values())
    median = ordered[len(ordered) // 2]
    assert sum(1 for v in ordered if v > median * Decimal("1.6")) >= 3  # a few anomalous days


def test_seeding_creates_two_connections_the_synced_inventory_metrics_and_the_ledger(w):
    today = timezone.now().date()
    with schema_context(w.alpha.schema_name):
        written = demo_costs_seed(today=today)
        connections = {c.provider: c for c in ProviderConnection.objects.all()}
        assert set(connections) == {"yandex", "selectel"}
        assert all(c.status == ConnectionStatus.OK and not c.auto_sync for c in connections.values())
        assert not SyncRun.objects.exists()

        resources = Resource.objects.all()
        # What a sync lists (Yandex: the cloud, its folder, 2 VMs, 4 disks and a reserved address; Selectel:
        # 3 servers, a volume) and the two buckets no plugin lists yet.
        assert resources.count() == 15 == written["resources"]
        assert Counter(r.resource_type for r in resources) == {"cloud": 1, "folder": 1, "vm": 2, "server": 3,
                                                               "disk": 4, "volume": 1, "bucket": 2,
                                                               "ip_address": 1}
        assert {r.region for r in resources if r.provider == "yandex"} >= {"ru-central1-a", "ru-central1-b"}
        assert {r.region for r in resources if r.provider == "selectel"} == {"ru-1", "ru-7"}
        # The reserved address is used by nothing (Yandex: "inactive"); everything else runs.
        assert set(resources.exclude(resource_type="ip_address").values_list("status", flat=True)) == {"running"}
        assert resources.get(resource_type="ip_address").status == "inactive"
        priced = resources.exclude(provider="yandex",
                                   resource_type__in=("cloud", "folder", "vm", "disk", "ip_address"))
        assert priced.count() == 6 and all(r.monthly_cost > 0 and r.tags.exists() for r in priced)
        assert MetricPoint.objects.filter(metric="cpu_percent").values("resource").distinct().count() == 5
        assert ResourceMetricSummary.objects.filter(metric="cpu_percent").count() == 5
        # Two weeks of hourly samples per metric.
        assert MetricPoint.objects.filter(metric="cpu_percent", resource__resource_name="web-prod-01").count() \
            == 14 * 24

        records = CostRecord.objects.all()
        assert records.count() == written["cost_records"]
        assert set(records.values_list("provider_name", flat=True).distinct()) == {"Yandex Cloud", "Selectel"}
        assert set(records.values_list("billing_currency", flat=True).distinct()) == {"RUB"}
        # Selectel servers' and volumes' recent days come from the billing statistics, as a sync imports them.
        assert set(records.values_list("source_key", flat=True).distinct()) == {
            "demo:yandex", "demo:selectel", f"provider:{connections['selectel'].pk}"}
        services = set(records.values_list("service_name", flat=True).distinct())
        assert {"Compute Cloud", "Object Storage", "Managed Service for PostgreSQL", "Virtual Private Cloud",
                "Облачные серверы", "Объектное хранилище"} <= services
        # Every estate resource has its ledger rows, linked.
        from apps.demo.estate import RESOURCES

        for spec in RESOURCES:
            resource = resources.get(resource_id=spec.resource_id)
            linked = records.filter(resource_id=resource.resource_id)
            assert linked.exists() and not linked.exclude(inventory_resource=resource).exists()

        last = records.filter(charge_date__range=(today - timedelta(days=29), today)).aggregate(s=Sum("billed_cost"))
        assert last["s"] == Decimal("117150.00")
        # The rollup holds exactly what the ledger holds.
        assert (CostDaily.objects.aggregate(s=Sum("billed_cost_org"))["s"]
                == records.aggregate(s=Sum("billed_cost"))["s"])


def test_seeding_twice_duplicates_nothing_and_keeps_records_of_other_sources(w):
    from tests.costs.explorer_data import ledger, row

    with schema_context(w.alpha.schema_name):
        ledger([row(date(2025, 1, 10), "42.00")])
        demo_costs_seed()

        def state():
            return (ProviderConnection.objects.count(), Resource.objects.count(), CostRecord.objects.count(),
                    CostDaily.objects.aggregate(s=Sum("billed_cost"))["s"], MetricPoint.objects.count(),
                    ResourceMetricSummary.objects.count(), CostRecord.objects.aggregate(s=Sum("billed_cost"))["s"])

        before = state()
        demo_costs_seed()
        assert state() == before
        selectel = ProviderConnection.objects.get(provider="selectel")
        assert list(CostRecord.objects.exclude(source_key__startswith="demo:")
                    .exclude(source_key=f"provider:{selectel.pk}").values_list("billed_cost", flat=True)) \
            == [Decimal("42.00")]


def test_seed_demo_gives_the_demo_organization_its_estate(w):
    from django.core.management import call_command

    from apps.tenants.models import Organization

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    demo = Organization.objects.get(slug="demo")
    with schema_context(demo.schema_name):
        assert Resource.objects.count() == 15
        assert ProviderConnection.objects.count() == 2
        assert CostDaily.objects.exists()


def test_demo_connections_carry_the_fake_clouds_demo_credentials():
    from apps.demo.estate import DEMO_CREDENTIALS
    from tests.fakecloud import selectel, yandex

    assert DEMO_CREDENTIALS["yandex"]["oauth_token"] == yandex.DEMO_OAUTH_TOKEN
    assert DEMO_CREDENTIALS["selectel"]["token"] == selectel.DEMO_TOKEN
    assert DEMO_CREDENTIALS["selectel"]["account_id"] == selectel.DEMO_ACCOUNT_ID
