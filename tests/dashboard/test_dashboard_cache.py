"""The dashboard's and the summary API's per-organization cache (apps.common.cache): a constant number of
queries whatever the amount of data, and a finished sync or import shows at once."""

from __future__ import annotations

import pickle
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.costs.services.imports import focus_file_import
from apps.costs.services.rollups import cost_rollups_refresh
from apps.providers import registry
from apps.providers.models import ProviderConnection
from apps.providers.plugins.base import Capability, Endpoint, ProviderSpec, ResourceRecord
from apps.providers.services import connection_update
from apps.providers.sync import sync_run_execute, sync_run_start
from tests.costs.conftest import independent_sums
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db
HERE = __name__
SPEC = ProviderSpec(
    key="countcloud",
    label="Count cloud",
    icon="",
    plugin=f"{HERE}.CountPlugin",
    credential_fields=(),
    capabilities=frozenset({Capability.RESOURCES}),
)
SECRET = "countcloud-secret-token-6f1c"
STATE = {"resources": 1}
AWS = Path(__file__).resolve().parents[1] / "costs" / "data" / "aws_1_2_cost_and_usage_rows100_seed42.csv"
# Tables whose size grows with the organization's data: a warm dashboard reads none of them.
DATA_TABLES = ("costs_", "inventory_", "providers_syncrun", "providers_resourcestate")


class CountPlugin:
    """A cloud listing ``STATE["resources"]`` running VMs of 300 ₽ a month each."""

    spec = SPEC

    def __init__(self, *, credentials, endpoint, **options):
        pass

    def endpoints(self):
        records = [
            ResourceRecord(
                provider="countcloud",
                resource_id=f"vm-{i}",
                resource_name=f"web-{i:04d}",
                resource_type="vm",
                service_name="Compute",
                status="running",
                monthly_cost=Decimal("300"),
            )
            for i in range(STATE["resources"])
        ]
        return [Endpoint("vms", frozenset({"vm"}), lambda: records)]

    def metrics(self, resource):
        return []


@pytest.fixture
def cached(w, monkeypatch, settings):
    """Alpha with the cache switched on (in this process only) and a connection to the count cloud."""
    settings.ORGANIZATION_CACHE_SECONDS = 900
    settings.SYNC_POST_STEPS = []
    monkeypatch.setitem(registry.PROVIDERS, "countcloud", f"{HERE}.SPEC")
    registry.get_spec.cache_clear()
    with schema_context(w.alpha.schema_name):
        yield ProviderConnection.objects.create(provider="countcloud", name="Count", credentials={"token": SECRET})
    registry.get_spec.cache_clear()


def _sync(conn: ProviderConnection, resources: int) -> None:
    STATE["resources"] = resources
    run = sync_run_start(connection=conn, enqueue=False)
    sync_run_execute(sync_run_id=run.pk)


def _ledger_rows(count: int) -> None:
    """``count`` ledger rows over the last 30 days and 10 services (100 ₽ each), rollups refreshed."""
    today = timezone.now().date()
    ledger(
        [
            row(today - timedelta(days=i % 30), "100", service=f"Service {i % 10}", resource=f"vm-{i}")
            for i in range(count)
        ]
    )
    cost_rollups_refresh(start=today - timedelta(days=60), end=today)


def _get(client, path: str = "/") -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def _kpi_value(html: str, name: str) -> str:
    match = re.search(rf'data-kpi="{name}".*?data-kpi-value>([^<]*)<', html, re.S)
    assert match, f"no KPI {name}"
    return match.group(1).strip()


def test_dashboard_queries_do_not_grow_with_resources_and_ledger_rows(cached, w, client_for):
    client = client_for(w.alice, "alpha")
    _sync(cached, 1)
    _ledger_rows(1)
    cache.clear()
    _html, cold_small = _get(client)
    _html, warm_small = _get(client)

    _sync(cached, 300)
    _ledger_rows(600)
    cache.clear()
    html, cold_large = _get(client)
    html, warm_large = _get(client)

    assert _kpi_value(html, "resources") == "300"
    assert len(cold_large) == len(cold_small)
    assert len(warm_large) == len(warm_small)
    # Warm, the page reads only who is asking and the organization's connections: no ledger, rollup or
    # resource table.
    assert [sql for sql in warm_large if any(f'"{table}' in sql for table in DATA_TABLES)] == []
    assert len(warm_large) < len(cold_large)


def test_a_finished_sync_changes_what_the_cached_dashboard_shows(cached, w, client_for):
    client = client_for(w.alice, "alpha")
    _sync(cached, 2)
    html, _ = _get(client)
    assert _kpi_value(html, "resources") == "2"
    html, warm = _get(client)  # from the cache now
    assert not [sql for sql in warm if '"inventory_resource"' in sql]

    _sync(cached, 5)

    html, _ = _get(client)
    assert _kpi_value(html, "resources") == "5"
    assert html.count('data-resource="vm-') == 5


def test_a_finished_import_changes_what_the_cached_dashboard_and_summary_api_show(cached, w, client_for):
    client = client_for(w.alice, "alpha")
    cached.delete()  # an organization with nothing yet: the dashboard's empty state
    summary = "/api/v1/costs/summary/?start=2026-05-01&end=2026-05-31&currency=billing"
    html, _ = _get(client)
    assert "data-dash-empty" in html
    assert client.get(summary).json()["groups"] == []

    focus_file_import(path=str(AWS))

    html, _ = _get(client)
    assert "data-dash-empty" not in html
    body = client.get(summary).json()
    sums = independent_sums(AWS)  # Σ BilledCost per ServiceName, read from the file with csv + Decimal
    cent = Decimal("0.01")
    assert {g["key"]: Decimal(g["total"]).quantize(cent) for g in body["groups"]} == {
        name: total.quantize(cent) for name, total in sums.items()
    }
    assert Decimal(body["total"]).quantize(cent) == sum(sums.values()).quantize(cent)


def test_summary_api_answers_a_repeated_question_from_the_cache(cached, w, client_for):
    client = client_for(w.alice, "alpha")
    _ledger_rows(10)
    today = timezone.now().date()
    path = f"/api/v1/costs/summary/?start={today - timedelta(days=40)}&end={today}"
    first, cold = _get(client, path)
    second, warm = _get(client, path)
    assert first == second
    assert [sql for sql in cold if '"costs_cost' in sql]
    assert not [sql for sql in warm if '"costs_cost' in sql]


def test_cached_figures_never_hold_a_connection_credential(cached, w, client_for):
    client = client_for(w.alice, "alpha")
    _sync(cached, 3)
    _get(client)
    _get(client, "/api/v1/costs/summary/?period=30d")
    stored = [value for key, value in cache._cache.items() if ":orgdata:" in key]
    assert len(stored) >= 3
    for value in stored:
        assert SECRET.encode() not in value
        assert SECRET not in repr(pickle.loads(value))


def test_a_renamed_connection_shows_in_the_cached_resource_table(cached, w, client_for):
    client = client_for(w.alice, "alpha")
    _sync(cached, 1)
    _get(client)

    connection_update(connection=cached, name="Renamed cloud")

    html, _ = _get(client)
    resource_row = re.search(r'data-resource="vm-0".*?</tr>', html, re.S).group(0)
    assert "Renamed cloud" in resource_row
