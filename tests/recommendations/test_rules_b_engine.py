"""The rules_b rules through the real engine: context built from the database, findings saved."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from apps.inventory.models import Resource
from apps.providers.models import ProviderConnection
from apps.recommendations.models import Finding
from apps.recommendations.services import evaluate_now


def test_beget_runway_plan_and_public_bucket_are_saved(w):
    info = {"account_id": "client", "currency": "RUB", "plan_name": "Great", "balance": "60.00",
            "daily_rate": "29.67", "monthly_rate": "890", "days_to_block": 2,
            "limits": {"sites": {"used": "2", "limit": "25", "unit": ""},
                       "quota": {"used": "3000", "limit": "35840", "unit": "MB"}}}
    with schema_context(w.beta.schema_name):
        conn = ProviderConnection.objects.create(provider="beget", name="Beget", credentials={"login": "x"},
                                                 account_info=info)
        now = timezone.now()
        Resource.objects.create(connection=conn, provider="beget", resource_id="account:client", kind="hosting_plan",
                                resource_name="Great", resource_type="hosting_plan", status="running",
                                monthly_cost=Decimal("890"), currency="RUB", first_seen_at=now, last_seen_at=now)
        Resource.objects.create(connection=conn, provider="beget", resource_id="s3-1", resource_type="s3",
                                kind="bucket", resource_name="site-media", status="running",
                                specs={"public": True}, first_seen_at=now, last_seen_at=now)
        run = evaluate_now()
        findings = {f.rule: f for f in Finding.objects.all()}
    assert not run.errors, run.errors
    runway = findings["balance_runway"]
    # Beget's own 2 days to block < 3: high risk, no savings, no resource, the connection recorded.
    assert (runway.subject, runway.resource_id, runway.estimated_monthly_savings, runway.risk) == (
        f"runway:{conn.pk}", None, None, "high")
    assert runway.connection_id == conn.pk and runway.provider == "beget"
    # 890 − 390 (Start covers 2 sites and 3 000 MB) = 500,00 ₽.
    assert findings["beget_plan_underuse"].estimated_monthly_savings == Decimal("500.00")
    assert findings["public_bucket"].risk == "high"
    assert findings["public_bucket"].estimated_monthly_savings is None
