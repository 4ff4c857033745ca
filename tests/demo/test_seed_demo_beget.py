from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from apps.inventory.models import Resource
from apps.providers.models import ProviderConnection, SyncRun
from apps.tenants.models import Organization


@pytest.fixture
def demo_settings(settings, fake_beget):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    settings.DEMO_FAKECLOUD_URL = fake_beget.url
    return settings


def test_seed_demo_gives_the_second_client_a_synced_beget_account_with_the_product_totals(
        w, demo_settings, client_for):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    client = Organization.objects.get(slug="demo-client")
    with schema_context(client.schema_name):
        connection = ProviderConnection.objects.get()
        assert (connection.provider, connection.name, connection.endpoint) == ("beget", "Beget", demo_settings
                                                                               .DEMO_FAKECLOUD_URL)
        assert Resource.objects.count() == 11
        assert set(SyncRun.objects.values_list("status", flat=True)) == {"success"}
    from apps.accounts.models import User

    operator = User.objects.get(email="msp@infrazen.ru")
    summary = client_for(operator, "demo-client").get("/api/v1/resources/summary/").json()
    assert (summary["monthly_cost"], summary["daily_cost"]) == ("3668.90", "121.46")
    with schema_context(Organization.objects.get(slug="demo").schema_name):
        assert not ProviderConnection.objects.filter(provider="beget").exists()


def test_seed_demo_adds_the_connection_without_syncing_when_the_fake_is_down(w, settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    settings.DEMO_FAKECLOUD_URL = "http://127.0.0.1:9"
    call_command("seed_demo", stdout=StringIO())
    with schema_context(Organization.objects.get(slug="demo-client").schema_name):
        assert ProviderConnection.objects.filter(name="Beget").count() == 1
        assert not SyncRun.objects.exists() and not Resource.objects.exists()


def test_syncing_the_demo_beget_account_again_changes_nothing_visible(w, demo_settings, time_machine):
    """The second client's card and dashboard agree (121,46 ₽ a day in all, 60,73 ₽ of it the hosting plan), and
    a further sync against the same fake keeps every figure."""
    from datetime import UTC, datetime

    from django.db.models import Sum

    from apps.common.http import build_session
    from apps.costs.models import CostRecord
    from apps.dashboard.selectors import dashboard_kpis, dashboard_period, spend_series
    from apps.inventory.selectors import resource_summary
    from apps.providers.sync import sync_run_execute, sync_run_start

    time_machine.move_to(datetime(2026, 5, 20, 9, 0, tzinfo=UTC), tick=True)
    call_command("seed_demo", stdout=StringIO())
    client = Organization.objects.get(slug="demo-client")
    with schema_context(client.schema_name):
        def visible():
            period = dashboard_period()
            return (sorted(Resource.objects.values_list("resource_type", "resource_name", "daily_cost",
                                                        "monthly_cost", "status")),
                    resource_summary(queryset=Resource.objects.filter(is_deleted=False)),
                    dashboard_kpis(period=period)["total"], spend_series(period=period)["average"],
                    CostRecord.objects.aggregate(s=Sum("billed_cost"))["s"],
                    ProviderConnection.objects.get().account_info)

        before = visible()
        connection = ProviderConnection.objects.get()
        run = sync_run_execute(sync_run_id=sync_run_start(connection=connection, enqueue=False).pk,
                               plugin_options={"session": build_session(retries=0, retry_post=True)})
        assert run.status == "success"
        assert visible() == before
    summary, card = before[1], before[5]
    assert (summary["daily_cost"], summary["monthly_cost"]) == (Decimal("121.46"), Decimal("3668.90"))
    assert (card["daily_rate"], card["monthly_rate"], card["yearly_rate"]) == ("60.73", "1847", "22166")
    # One day of estimates: the chart's average per day is that day's 121,46 ₽, not a thirtieth of it.
    assert before[3] == Decimal("121.46")
