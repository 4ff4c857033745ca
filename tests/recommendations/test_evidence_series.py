"""A utilization finding's evidence carries the daily peaks of the metrics its rule read (Moscow days), so its page
draws them: values chosen by hand, the expected peaks read off them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from apps.inventory.models import MetricPoint
from apps.recommendations.context import ResourceView
from apps.recommendations.rules.base import FindingDraft
from apps.recommendations.services import _attach_series
from apps.recommendations.vocabulary import Action

from .conftest import connection_make, volume_make

START = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)  # 03:00 in Moscow


def test_daily_peaks_of_the_window_in_moscow_days(in_alpha):
    resource = volume_make(connection_make(), "vm-1")
    # Hourly CPU for 48 hours: 10 % except 55 % at 22:00 UTC on May 1 (01:00 on May 2 in Moscow) and 30 % at
    # 12:00 UTC on May 2; May 3 in Moscow starts at 21:00 UTC on May 2 (three samples at 10 %).
    values = {hour: Decimal("10") for hour in range(48)}
    values[22], values[36] = Decimal("55"), Decimal("30")
    MetricPoint.objects.bulk_create(MetricPoint(resource=resource, metric="cpu_percent", ts=START + timedelta(hours=h),
                                                value=v) for h, v in values.items())
    view = ResourceView(pk=resource.pk, connection_id=resource.connection_id, provider="yandex", resource_id="vm-1",
                        name="vm-1", resource_type="vm", kind="compute", status="running")
    draft = FindingDraft(resource=view, action=Action.RIGHTSIZE, title="vm-1", evidence={"metrics": [
        {"metric": "cpu_percent", "start": START.isoformat(), "end": (START + timedelta(hours=47)).isoformat()}]})
    other = FindingDraft(resource=view, action=Action.DELETE, title="no metrics", evidence={"size_gb": "10"})

    _attach_series([draft, other])

    # May 1 (Moscow): 03:00-23:59 = UTC hours 0..20 -> 10; May 2: UTC 21..44 -> max(55, 30, 10) = 55;
    # May 3: UTC 45..47 -> 10.
    assert draft.evidence["series"]["cpu_percent"] == [
        ["2026-05-01", "10.0000"], ["2026-05-02", "55.0000"], ["2026-05-03", "10.0000"]]
    assert "series" not in other.evidence
