"""seed_demo runs the nightly checks through the real evaluation: the demo history's anomaly (the viral media file
twelve days ago) with its contributors, and the second client's Beget runway (days until the balance is spent)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.anomalies.models import Anomaly
from apps.tenants.models import Organization

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def demo_settings(settings, fake_beget, time_machine):
    time_machine.move_to(NOW, tick=True)
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    settings.DEMO_FAKECLOUD_URL = fake_beget.url
    return settings


def test_seed_demo_finds_the_demo_anomaly_with_its_contributors(w, demo_settings, client_for):
    call_command("seed_demo", stdout=StringIO())
    with schema_context(Organization.objects.get(slug="demo").schema_name):
        # The estate's viral media file: Selectel's outgoing object-storage traffic nine times its usual on the
        # day 12 days before today (8 May); the bucket behind it is media-assets.
        anomaly = Anomaly.objects.get(scope_type="service", scope_label="Объектное хранилище")
        assert (anomaly.first_date, anomaly.date, anomaly.kind, anomaly.status) == (
            date(2026, 5, 8), date(2026, 5, 8), "spike", "open")
        assert anomaly.actual > anomaly.expected * 3 and anomaly.impact >= Decimal("500")
        top = anomaly.contributors[0]
        assert (top["key"], top["service"]) == ("media-assets", "Объектное хранилище")
        assert Decimal(top["increase"]) > Decimal("500")
        assert anomaly.alerted_at is not None  # the checks ran (no channel: nothing was queued)
    owner = User.objects.get(email="demo@infrazen.ru")
    body = client_for(owner, "demo").get("/api/v1/anomalies/").json()
    items = body["results"] if isinstance(body, dict) else body
    shown = next(i for i in items if i["scope"]["label"] == "Объектное хранилище")
    assert shown["first_date"] == "2026-05-08" and shown["contributors"][0]["key"] == "media-assets"


def test_seed_demo_shows_the_beget_clients_runway(w, demo_settings, client_for):
    call_command("seed_demo", stdout=StringIO())
    operator = User.objects.get(email="msp@infrazen.ru")
    runway = client_for(operator, "demo-client").get("/api/v1/runway/").json()
    # The fake Beget account: balance 174,51 ₽, 121,46 ₽ a day (its resources' daily cost, which the ledger
    # holds): 174.51 / 121.46 = 1.43 days, rounded down to 1.4; the money runs out tomorrow, 21 May.
    assert [(r["connection"]["name"], r["balance"], r["daily_spend"], r["days_left"], r["date"])
            for r in runway] == [("Beget", "174.51", "121.46", "1.4", "2026-05-21")]


def test_seed_demo_makes_a_quarterly_budget_just_under_its_80_percent_threshold(w, demo_settings):
    from apps.budgets.models import Budget, BudgetEvent
    from apps.budgets.selectors import budget_actual

    call_command("seed_demo", stdout=StringIO())
    with schema_context(Organization.objects.get(slug="demo").schema_name):
        budget = Budget.objects.get()
        assert budget.period == "quarter" and budget.scope == {}
        # 20 May is in the second quarter: the ledger's spend from 1 April to today, and the amount rounded up to
        # the thousand roubles from spend / 0.78, so the spend is between 77 % and 78 % of it.
        spent = budget_actual(scope={}, start=date(2026, 4, 1), end=date(2026, 5, 20))
        assert budget.amount % 1000 == 0 and budget.amount - 1000 < spent / Decimal("0.78") <= budget.amount
        assert Decimal("0.77") < spent / budget.amount <= Decimal("0.78")
        # The checks ran: the 50 % threshold fired once, the 80 % one did not.
        fired = set(BudgetEvent.objects.filter(budget=budget, kind="actual").values_list("threshold", flat=True))
        assert 50 in fired and 80 not in fired
    call_command("seed_demo", stdout=StringIO())  # seeding again keeps the budget
    with schema_context(Organization.objects.get(slug="demo").schema_name):
        assert Budget.objects.count() == 1
