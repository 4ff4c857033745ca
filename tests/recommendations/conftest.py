"""Recommendations on a real PostgreSQL in tenant alpha: resources, ledger rows and their daily rollup made with the
real models and services (``cost_rollups_refresh``), as the inventory and costs tests make them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.costs.services.rollups import cost_rollups_refresh
from apps.inventory.models import Resource
from apps.providers.models import ProviderConnection
from tests.costs.explorer_data import ledger, row


@pytest.fixture
def in_alpha(w):
    with schema_context(w.alpha.schema_name):
        yield w


def connection_make(name: str = "Yandex prod", provider: str = "yandex") -> ProviderConnection:
    return ProviderConnection.objects.create(provider=provider, name=name, credentials={"oauth_token": "y0_test"})


def volume_make(connection: ProviderConnection, resource_id: str, *, monthly: str | None = "300.00",
                attached: bool = False, name: str = "") -> Resource:
    """A disk with the provider's monthly price (or none), attached to a VM or to nothing."""
    now = timezone.now()
    return Resource.objects.create(
        connection=connection, provider=connection.provider, resource_id=resource_id,
        resource_name=name or resource_id, resource_type="disk", kind="volume", service_name="Compute",
        status="running", first_seen_at=now, last_seen_at=now, currency="RUB",
        monthly_cost=Decimal(monthly) if monthly is not None else None,
        specs={"attached": attached, "disk_gb": 100})


def daily_ledger(resource: Resource, amounts: dict[date, str]) -> None:
    """One ledger row per day for ``resource`` (its connection), then the daily rollup the verification reads."""
    ledger([row(day, amount, resource=resource.resource_id, connection=resource.connection)
            for day, amount in amounts.items()])
    days = sorted(amounts)
    cost_rollups_refresh(start=days[0] - timedelta(days=1), end=days[-1] + timedelta(days=1),
                         fetch_missing_rates=False)


@pytest.fixture
def finops(w):
    """Fedor, a FinOps analyst of alpha (acts on findings, policies and rule settings)."""
    from apps.accounts.models import Membership, User
    from apps.accounts.roles import Role
    from tests.conftest import PASSWORD

    user = User.objects.create_user(email="fedor@alpha.test", password=PASSWORD, full_name="Fedor FinOps")
    Membership.objects.create(user=user, organization=w.alpha, role=Role.FINOPS)
    return user
