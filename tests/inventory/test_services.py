"""Inventory writes that need no provider: the utilization tier and the demo-style metric replacement."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.inventory.diff import incoming_resource
from apps.inventory.models import MetricPoint, Resource, ResourceMetricSummary, ResourceTag
from apps.inventory.services import MetricSamples, metric_points_store, resource_sync, utilization_tier
from tests.inventory.test_diff import Record


@pytest.mark.parametrize(("metric", "average", "tier"), [
    ("cpu_percent", Decimal("29.99"), "low"), ("cpu_percent", Decimal("30"), "medium"),
    ("cpu_percent", Decimal("69.99"), "medium"), ("cpu_percent", Decimal("70"), "high"),
    ("memory_percent", Decimal("95"), ""), ("memory_mb", Decimal("10"), ""),
])
def test_only_cpu_gets_a_utilization_tier(metric, average, tier):
    assert utilization_tier(metric, average) == tier


def test_a_sync_write_creates_then_restores_and_metrics_can_be_replaced(w):
    from apps.providers.models import ProviderConnection

    with schema_context(w.alpha.schema_name):
        connection = ProviderConnection.objects.create(provider="beget", name="Direct", credentials={})
        item = incoming_resource(Record("vm-1"))
        first = resource_sync(connection=connection, incoming={item.key: item}, listed_types={"vm"})
        pk = first.pks[item.key]
        assert first.plan.counts["created"] == 1
        assert dict(ResourceTag.objects.filter(resource_id=pk).values_list("key", "value")) == {"env": "prod"}
        gone = resource_sync(connection=connection, incoming={}, listed_types={"vm"})
        assert gone.plan.counts["deleted"] == 1 and Resource.objects.get(pk=pk).is_deleted
        back = resource_sync(connection=connection, incoming={item.key: item}, listed_types=())
        assert back.plan.changes[0].changes["restored"] is True and not Resource.objects.get(pk=pk).is_deleted

        now = timezone.now().replace(microsecond=0)
        old = [(now - timedelta(hours=h), Decimal(80)) for h in range(48, 24, -1)]
        metric_points_store(series={pk: [MetricSamples("cpu_percent", old)]})
        fresh = [(now - timedelta(hours=h), Decimal(10)) for h in range(3)]
        assert metric_points_store(series={pk: [MetricSamples("cpu_percent", fresh)]}, replace=True) == 3
        assert MetricPoint.objects.filter(resource_id=pk).count() == 3
        summary = ResourceMetricSummary.objects.get(resource_id=pk)
        assert (summary.points, summary.avg, summary.tier) == (3, Decimal("10.0000"), "low")
