"""The dashboard (seed 7.1.3) over the demo estate, an empty organization and the tenant boundary."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.common.numbers import format_money as money
from apps.costs.models import CostRecord
from apps.costs.selectors.spend import change_percent
from apps.dashboard.selectors import dashboard_period
from apps.demo.seeding import demo_costs_seed
from apps.inventory.models import Resource, ResourceMetricSummary
from apps.inventory.selectors import utilization_overview
from apps.tenants.models import Organization
from apps.tenants.services import organization_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"
# The demo ledger is laid out backwards from "today" and the dashboard counts back from today: both run on
# a clock held at noon UTC (the same date in Moscow), so no test straddles a midnight between the two.
NOON = datetime(2030, 6, 14, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _noon(time_machine):
    time_machine.move_to(NOON, tick=True)


@pytest.fixture(scope="module")
def demo(world, django_db_blocker):
    """One organization with the demo estate, seeded once for the module (committed, dropped at the end)."""
    with django_db_blocker.unblock():
        org = organization_create(slug="dashdemo", name="Dash Demo")
        viewer = User.objects.create_user(email="dana@dashdemo.test", password=PASSWORD, full_name="Dana Viewer")
        Membership.objects.create(user=viewer, organization=org, role=Role.VIEWER)
        with schema_context(org.schema_name), time_machine.travel(NOON, tick=True):
            demo_costs_seed()
        connection.set_schema_to_public()
    yield org, viewer
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        viewer.delete()
        Organization.objects.get(pk=org.pk).delete(force_drop=True)


def _ledger_total(org, start, end) -> Decimal:
    with schema_context(org.schema_name):
        return CostRecord.objects.filter(charge_date__range=(start, end)).aggregate(s=Sum("billed_cost"))["s"]


def _kpi(html: str, name: str) -> str:
    match = re.search(rf'data-kpi="{name}"(.*?)</article>', html, re.S)
    assert match, f"no KPI card {name}"
    return match.group(1)


def _page(client, path="/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_demo_dashboard_shows_117_150_roubles_and_minus_12_5_percent_for_30_days(demo, w, client_for):
    org, viewer = demo
    today = timezone.now().date()
    total = _ledger_total(org, today - timedelta(days=29), today)
    previous = _ledger_total(org, today - timedelta(days=59), today - timedelta(days=30))
    assert (total, previous) == (Decimal("117150.00"), Decimal("133886.00"))
    assert change_percent(total, previous) == Decimal("-12.5")

    html = _page(client_for(viewer, "dashdemo"), "/?range=30")
    card = _kpi(html, "total")
    assert f"117{NBSP}150,00{NBSP}₽" in card
    assert f"▼ \u221212,5{NBSP}%" in card and "is-down" in card  # the minus sign, not a hyphen


def test_demo_dashboard_counts_14_active_resources_of_15_and_2_connected_providers(demo, w, client_for):
    """The demo inventory is what a sync lists: Yandex's cloud, folder, 2 VMs, 4 disks and a reserved address
    used by nothing (not active); Selectel's 3 servers and a volume; and one bucket on each side."""
    org, viewer = demo
    html = _page(client_for(viewer, "dashdemo"))
    assert re.search(r"data-kpi-value>\s*14\s*<", _kpi(html, "resources"))
    assert "из 15 ресурсов" in _kpi(html, "resources")
    assert re.search(r"data-kpi-value>\s*2\s*<", _kpi(html, "providers"))
    assert html.count("data-provider=") == 2
    assert 'data-provider="yandex"' in html and 'data-provider="selectel"' in html
    assert html.count("data-resource=") == 15


def test_potential_savings_show_the_open_and_accepted_backlog(demo, w, client_for):
    from django.db.models import Sum
    from django_tenants.utils import schema_context

    from apps.common.numbers import format_money
    from apps.recommendations.models import Finding

    org, viewer = demo
    with schema_context(org.schema_name):
        backlog = Finding.objects.filter(status__in=("open", "accepted")).exclude(category="policy").aggregate(
            total=Sum("estimated_monthly_savings"))["total"]
    assert backlog and backlog > 0  # the demo's rules found something
    html = _page(client_for(viewer, "dashdemo"))
    card = _kpi(html, "savings")
    with translation.override("ru"):
        assert format_money(backlog) in card and "data-savings-note" in card
    assert 'href="/recommendations/"' in card
    assert "data-recommendations" in html


def test_range_switch_changes_the_totals(demo, w, client_for):
    org, viewer = demo
    today = timezone.now().date()
    client = client_for(viewer, "dashdemo")
    for days in (7, 90, 365):
        expected = _ledger_total(org, today - timedelta(days=days - 1), today)
        html = _page(client, f"/?range={days}")
        assert money(expected, "RUB") in _kpi(html, "total")
    assert _ledger_total(org, today - timedelta(days=6), today) != Decimal("117150.00")
    assert f"117{NBSP}150,00{NBSP}₽" not in _kpi(_page(client, "/?range=7"), "total")
    # 13 months of history cannot be compared with the 365 days before them: no made-up trend.
    year = _kpi(_page(client, "/?range=365"), "total")
    assert "data-kpi-change" not in year and "data-kpi-nocompare" in year
    # Unknown ranges fall back to 30 days.
    assert f"117{NBSP}150,00{NBSP}₽" in _kpi(_page(client, "/?range=13"), "total")


def test_utilization_panel_reports_used_vs_available_from_metrics(demo, w, client_for):
    org, viewer = demo
    with schema_context(org.schema_name):
        cores = used = Decimal(0)
        for summary in ResourceMetricSummary.objects.filter(metric="cpu_percent").select_related("resource"):
            cores += Decimal(summary.resource.specs["cpu_cores"])
            used += Decimal(summary.resource.specs["cpu_cores"]) * summary.avg / 100
        expected_cpu = int((used * 100 / cores).quantize(Decimal(1)))
        panel = {u["key"]: u for u in utilization_overview()}
    assert panel["cpu"]["percent"] == expected_cpu
    # web 4 × 58 % + api 8 × 72 % + db 8 × 69 % + analytics 8 × 17 % + stage 4 × 34 % over 32 vCPU: about 51 %.
    assert 48 <= expected_cpu <= 54
    assert all(panel[key]["percent"] is not None for key in ("memory", "storage"))
    # No provider API reports a VM's bandwidth: the demo inventory (what a sync lists) has none to measure against.
    assert panel["network"]["percent"] is None
    html = _page(client_for(viewer, "dashdemo"))
    assert re.search(rf'data-util="cpu".*?data-util-percent>{expected_cpu}{NBSP}%<', html, re.S)


def test_utilization_shows_no_data_when_no_resource_reports_metrics(w):
    from apps.providers.models import ProviderConnection

    with schema_context(w.beta.schema_name):
        conn = ProviderConnection.objects.create(provider="selectel", name="Bare", credentials={"token": "x"})
        now = timezone.now()
        Resource.objects.create(connection=conn, provider="selectel", resource_id="srv-1", resource_type="server",
                                status="running", specs={"cpu_cores": 4, "memory_gb": "8"}, first_seen_at=now,
                                last_seen_at=now)
        panel = utilization_overview()
    assert [u["percent"] for u in panel] == [None, None, None, None]


def test_resource_table_search_narrows_the_rows(demo, w, client_for):
    org, viewer = demo
    html = _page(client_for(viewer, "dashdemo"), "/?q=db-master")
    rows = re.findall(r'data-resource="([^"]+)"', html)
    with schema_context(org.schema_name):
        expected = set(Resource.objects.filter(resource_name__icontains="db-master").values_list("resource_id",
                                                                                                  flat=True))
    assert set(rows) == expected and len(expected) == 2
    assert "web-prod-01" not in html.split('id="resources"')[1]
    assert "data-resources-empty" in _page(client_for(viewer, "dashdemo"), "/?q=no-such-thing")


def test_export_is_a_csv_of_the_kpis_and_the_series(demo, w, client_for):
    org, viewer = demo
    response = client_for(viewer, "dashdemo").get("/?range=30&export=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    # A file for Russian Excel: BOM, semicolons, decimal commas with two places.
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    kpis = {row[0]: row[1] for row in rows[:10] if len(row) == 2}
    assert "117150,00" in kpis.values() and "133886,00" in kpis.values() and "-12,50" in kpis.values()
    header_at = next(i for i, row in enumerate(rows) if len(row) > 3)
    series = rows[header_at + 1:]
    assert len(series) == 30
    assert sum(Decimal(row[-2].replace(",", ".")) for row in series) == Decimal("117150.00")


def test_empty_organization_gets_the_guided_empty_state(w, client_for):
    html = _page(client_for(w.bob, "beta"))
    assert "data-dash-empty" in html
    assert "data-kpi=" not in html
    assert "dash-chart" not in html


def test_viewer_of_alpha_sees_the_dashboard(w, client_for):
    assert client_for(w.vera, "alpha").get("/").status_code == 200


def test_another_organization_sees_nothing_of_the_demo_estate(demo, w, client_for):
    org, viewer = demo
    html = _page(client_for(w.bob, "beta"))
    assert "web-prod-01" not in html and "117" not in _strip_tags(html)
    assert client_for(w.bob, "dashdemo").get("/").status_code in (302, 403)
    assert client_for(w.bob, "dashdemo").get("/?export=csv").status_code in (302, 403)


def _strip_tags(html: str) -> str:
    body = html.split('<main', 1)[1]
    return re.sub(r"<[^>]+>", " ", body)


def test_period_defaults_to_30_days_ending_today():
    period = dashboard_period(raw_range="nonsense")
    assert period.days == 30 and period.end == NOON.date()
    assert (period.end - period.start).days == 29
    assert period.previous.end == period.start - timedelta(days=1)
    assert dashboard_period(raw_range="365").granularity == "month"
    assert dashboard_period(raw_range="90").granularity == "week"
    assert change_percent(Decimal("10"), Decimal("0")) is None


def test_dashboard_queries_do_not_grow_with_the_number_of_resources(demo, w, client_for):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from apps.inventory.models import ResourceTag

    org, viewer = demo
    client = client_for(viewer, "dashdemo")
    client.get("/")  # warm the session and caches

    def count() -> int:
        with CaptureQueriesContext(db) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    before = count()
    with schema_context(org.schema_name):
        template = Resource.objects.filter(resource_type="vm").first()
        now = timezone.now()
        for n in range(5):
            extra = Resource.objects.create(
                connection=template.connection, provider=template.provider, resource_id=f"extra-{n}",
                resource_name=f"extra-{n}", resource_type="vm", status="running", specs=template.specs,
                monthly_cost=Decimal("100"), first_seen_at=now, last_seen_at=now)
            ResourceTag.objects.create(resource=extra, key="env", value="test")
            ResourceMetricSummary.objects.create(resource=extra, metric="cpu_percent", period_start=now,
                                                 period_end=now, points=1, avg=50, min=50, max=50, p95=50)
    connection.set_schema_to_public()
    assert count() == before


def test_the_dashboard_says_the_central_bank_rates_are_stale_only_after_three_days(demo, w, client_for):
    from apps.currency.models import ExchangeRate, RateSource

    org, viewer = demo
    client = client_for(viewer, "dashdemo", HTTP_ACCEPT_LANGUAGE="ru")
    ExchangeRate.objects.filter(source=RateSource.CBR).delete()
    ExchangeRate.objects.create(date=datetime(2030, 6, 11).date(), currency="USD", rate_rub=Decimal("90"))
    assert "data-rates-stale" not in _page(client)  # 14.06 - 11.06 = 3 days: still fresh
    ExchangeRate.objects.filter(source=RateSource.CBR).update(date=datetime(2030, 6, 10).date())
    assert "Курсы ЦБ не обновлялись с 10.06.2030." in _page(client)
