"""Found by `make demo`: a sync's refresh step and another refresh of the same client met, both deleted the
month costs and both inserted them: a duplicate key and a console row with an error. Two refreshes of one client
now run one after the other (an advisory lock per organization)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.costs.services.rollups import cost_rollups_refresh
from apps.partners.models import ClientMonthCost, ClientSnapshot
from apps.partners.refresh import client_figures_refresh
from apps.tenants.models import Organization, Partner
from tests.costs.explorer_data import ledger, row


@pytest.fixture
def committed_client(world, committed_organization, django_db_blocker):
    organization = committed_organization("racer", "Racer")
    with django_db_blocker.unblock():
        partner = Partner.objects.create(slug="race-msp", name="Race MSP")
        Organization.objects.filter(pk=organization.pk).update(partner=partner)
        today = timezone.localdate()
        with schema_context(organization.schema_name):
            ledger([row(today - timedelta(days=40), "100.00"), row(today, "50.00", service="Object Storage")])
            cost_rollups_refresh(start=today - timedelta(days=40), end=today, fetch_missing_rates=False)
        connection.set_schema_to_public()
    yield organization
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        ClientSnapshot.objects.filter(organization=organization).delete()
        ClientMonthCost.objects.filter(organization=organization).delete()
        Organization.objects.filter(pk=organization.pk).update(partner=None)
        partner.delete()


def test_two_refreshes_of_one_client_at_once_both_succeed(committed_client, django_db_blocker):
    results, barrier = [], threading.Barrier(2)

    def refresh():
        try:
            with schema_context(committed_client.schema_name):
                barrier.wait(timeout=30)
                results.append(client_figures_refresh())
        finally:
            connections.close_all()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=refresh) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        connection.set_schema_to_public()
        assert len(results) == 2 and all(r is not None and r.error == "" for r in results)
        # 100,00 ₽ forty days ago and 50,00 ₽ today: two months, one line each, written once.
        assert ClientMonthCost.objects.filter(organization=committed_client).count() == 2
