from __future__ import annotations

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
