"""The explorer's «Загрузка» column: shares where they are shares, amounts with units where no total is known."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from apps.costs.services.rollups import cost_rollups_refresh
from apps.inventory.utilization import resource_utilization
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def _resource(conn, resource_id: str, specs: dict, metrics: dict[str, str]):
    from apps.inventory.models import Resource, ResourceMetricSummary

    now = timezone.now()
    resource = Resource.objects.create(connection=conn, provider="selectel", resource_id=resource_id,
                                       resource_type="server", status="running", specs=specs,
                                       first_seen_at=now, last_seen_at=now)
    for metric, avg in metrics.items():
        ResourceMetricSummary.objects.create(resource=resource, metric=metric, period_start=now, period_end=now,
                                             points=10, avg=Decimal(avg), min=Decimal(avg), max=Decimal(avg),
                                             p95=Decimal(avg))
    return resource


def _page(w, client_for) -> str:
    from apps.providers.models import ProviderConnection

    with schema_context(w.alpha.schema_name):
        conn = ProviderConnection.objects.create(provider="selectel", name="Sel", credentials={"token": "x"})
        # 55925 MB of 64 GB = 54.614 GB / 64 GB = 85.3 %; 11.16 GB of a 100 GB disk = 11.2 %.
        _resource(conn, "vm-sized", {"cpu_cores": 4, "memory_gb": "64", "disk_gb": 100},
                  {"cpu_percent": "37.4", "memory_mb": "55925", "disk_used_gb": "11.16"})
        # No specs: memory 55925 MB = 54.6 GB and disk 1116 GB stay amounts.
        _resource(conn, "vm-bare", {}, {"memory_mb": "55925", "disk_used_gb": "1116"})
        ledger([row(date(2025, 5, 1), "100", resource="vm-sized"), row(date(2025, 5, 1), "50", resource="vm-bare")])
        cost_rollups_refresh(start=date(2025, 5, 1), end=date(2025, 5, 31), fetch_missing_rates=False)
    page = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get(
        "/costs/", {"start": "2025-05-01", "end": "2025-05-02", "group_by": "resource"})
    assert page.status_code == 200
    return page.content.decode()


def _badges(html: str, resource_id: str) -> list[str]:
    cells = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    cell = next(c for c in cells if resource_id in c)
    return re.findall(r'<span class="badge[^"]*">([^<]*)</span>', cell)


def test_memory_in_megabytes_with_a_known_total_shows_the_share_of_it(w, client_for):
    badges = _badges(_page(w, client_for), "vm-sized")
    assert badges == [f"ЦП 37{NBSP}%", f"Память 85{NBSP}%", f"Диск 11{NBSP}%"]


def test_without_a_known_total_the_amount_is_shown_with_its_unit(w, client_for):
    badges = _badges(_page(w, client_for), "vm-bare")
    assert badges == [f"Память 54,6{NBSP}ГБ", f"Диск 1{NBSP}116{NBSP}ГБ"]


def test_no_raw_metric_key_appears_on_the_russian_page(w, client_for):
    html = _page(w, client_for)
    for key in ("cpu_percent", "memory_mb", "disk_used_gb", "55925%", "1116%"):
        assert key not in html


def test_percentage_metrics_stay_percentages_and_fill_the_used_amount_when_the_total_is_known():
    summaries = {"cpu_percent": SimpleNamespace(avg=Decimal("50"), tier="medium"),
                 "memory_percent": SimpleNamespace(avg=Decimal("25"), tier=""),
                 "disk_used_percent": SimpleNamespace(avg=Decimal("40"), tier="")}
    found = {u.key: u for u in resource_utilization({"cpu_cores": 8, "memory_gb": 16}, summaries)}
    assert (found["cpu"].percent, found["cpu"].used, found["cpu"].total) == (Decimal(50), Decimal(4), Decimal(8))
    assert (found["memory"].percent, found["memory"].used) == (Decimal(25), Decimal(4))
    assert (found["storage"].percent, found["storage"].used) == (Decimal(40), None)  # no disk size
    with translation.override("ru"):
        assert found["storage"].display == f"Диск 40{NBSP}%"


def test_the_dashboard_panel_sums_the_same_values_and_skips_resources_without_a_total(w):
    from apps.inventory.selectors import utilization_overview
    from apps.providers.models import ProviderConnection

    with schema_context(w.alpha.schema_name):
        conn = ProviderConnection.objects.create(provider="selectel", name="Sel", credentials={"token": "x"})
        _resource(conn, "vm-sized", {"cpu_cores": 4, "memory_gb": "64"}, {"cpu_percent": "50", "memory_mb": "55925"})
        _resource(conn, "vm-bare", {}, {"cpu_percent": "90", "memory_mb": "1024"})
        panel = {u["key"]: u for u in utilization_overview()}
    # CPU: 4 cores at 50 % = 2 of 4 vCPU; memory: 55925 MB = 54.6 GB of 64 GB = 85 %; vm-bare has no totals.
    assert (panel["cpu"]["used"], panel["cpu"]["available"], panel["cpu"]["percent"]) == (
        Decimal("2.0"), Decimal("4.0"), 50)
    assert (panel["memory"]["used"], panel["memory"]["available"], panel["memory"]["percent"]) == (
        Decimal("54.6"), Decimal("64.0"), 85)
    assert panel["memory"]["resources"] == 1 and panel["storage"]["percent"] is None
