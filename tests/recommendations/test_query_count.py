"""The evaluation's queries do not depend on the number of resources (issue 10, «Bad input and scale»).

Only the core's rule is registered (other rules come with their own branches): an estate of 3 resources and
one of 30 of the same mix are evaluated, then evaluated again (every finding updated); each pair of runs makes
the same number of queries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.inventory.models import MetricPoint, Resource, ResourceTag
from apps.providers.models import ProviderConnection
from apps.recommendations.models import Finding
from apps.recommendations.services import evaluate_now

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
CORE_RULES = {"unattached_volume": "apps.recommendations.rules.cleanup.UnattachedVolumeRule"}


def _estate(groups: int) -> None:
    """``groups`` times: an unattached volume (600 ₽ a month), an attached one, a dev VM with a day of CPU."""
    conn = ProviderConnection.objects.create(provider="selectel", name="Selectel", credentials={})
    for i in range(groups):
        common = {"connection": conn, "provider": "selectel", "first_seen_at": NOW - timedelta(days=40),
                  "last_seen_at": NOW, "monthly_cost": Decimal("600.00"), "currency": "RUB"}
        Resource.objects.create(resource_id=f"free-{i}", resource_name=f"free-{i}", resource_type="volume",
                                kind="volume", status="running", specs={"disk_gb": 100, "attached_to": []}, **common)
        Resource.objects.create(resource_id=f"used-{i}", resource_name=f"used-{i}", resource_type="volume",
                                kind="volume", status="running", specs={"disk_gb": 100, "attached_to": ["vm"]},
                                **common)
        vm = Resource.objects.create(resource_id=f"vm-{i}", resource_name=f"vm-{i}", resource_type="server",
                                     kind="compute", status="running", specs={"cpu_cores": 2}, **common)
        ResourceTag.objects.create(resource=vm, key="env", value="dev")
        MetricPoint.objects.bulk_create(MetricPoint(resource=vm, metric="cpu_percent", ts=NOW - timedelta(hours=h),
                                                    value=Decimal(h % 5)) for h in range(1, 25))


def _counted() -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        run = evaluate_now(now=NOW)
    return len(queries), run


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_evaluation_queries_do_not_depend_on_the_resource_count(w, settings):
    settings.RECOMMENDATION_RULES = CORE_RULES
    counts, totals = {}, {}
    for org, groups in ((w.alpha, 1), (w.beta, 10)):
        with schema_context(org.schema_name):
            _estate(groups)
            first, run = _counted()
            assert (run.status, run.resources, run.findings_created) == ("success", 3 * groups, groups)
            again, rerun = _counted()
            assert (rerun.status, rerun.findings_created, rerun.findings_updated) == ("success", 0, groups)
            counts[groups] = (first, again)
            totals[groups] = (sorted(Finding.objects.values_list("estimated_monthly_savings", flat=True)),
                              run.potential_monthly_savings)
    # 1 and 10 unattached volumes of 600 ₽ a month each.
    assert totals[1] == ([Decimal("600.00")], Decimal("600.00"))
    assert totals[10] == ([Decimal("600.00")] * 10, Decimal("6000.00"))
    assert counts[1] == counts[10]


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_alerts_for_new_findings_take_the_same_queries_for_one_or_ten(w, settings):
    """With a channel subscribed and every finding above the alert threshold, the new findings' alerts are queued in
    a fixed number of statements: one alert per new finding, the same query count for 1 and 10 findings."""
    from apps.notifications.models import Alert, Channel

    settings.RECOMMENDATION_RULES = CORE_RULES
    settings.NOTIFY_RECOMMENDATION_MIN_RUB = 500  # the volumes save 600 ₽ a month each
    counts = {}
    for org, groups in ((w.alpha, 1), (w.beta, 10)):
        with schema_context(org.schema_name):
            Channel.objects.create(kind="email", address="ops@example.test", name="Ops")
            _estate(groups)
            counts[groups], _run = _counted()
            assert Alert.objects.filter(kind="recommendation").count() == groups
            _counted()  # a re-evaluation alerts nothing new
            assert Alert.objects.filter(kind="recommendation").count() == groups
    assert counts[1] == counts[10]
