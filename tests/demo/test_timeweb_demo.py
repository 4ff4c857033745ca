"""The third demo client's Timeweb Cloud connection is served by the fake cloud's deterministic Timeweb account."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.demo.services import demo_third_client_connections
from apps.inventory.models import Resource
from apps.providers.models import ProviderConnection
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.timeweb import FakeTimeweb

pytestmark = pytest.mark.django_db


def test_the_third_client_gets_a_synced_timeweb_connection_from_the_fake(w, settings):
    with FakeCloudServer(FakeTimeweb()) as server:
        settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
        settings.DEMO_FAKECLOUD_URL = server.url
        demo_third_client_connections(organization=w.alpha)
        demo_third_client_connections(organization=w.alpha)  # idempotent: the same connection, synced again
    with schema_context(w.alpha.schema_name):
        connection = ProviderConnection.objects.get(provider="timeweb")
        assert connection.name == "Timeweb Cloud"
        assert Decimal(connection.account_info["balance"]) == Decimal(5000)
        assert connection.account_info["days_to_block"] == 16
        assert Resource.objects.filter(connection=connection, is_deleted=False).count() == 10
