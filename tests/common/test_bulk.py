"""COPY-based bulk writes (apps.common.bulk) against real PostgreSQL in a tenant schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection as db
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.common.bulk import bulk_copy, bulk_copy_upsert
from apps.inventory.models import MetricPoint, Resource
from apps.providers.models import ProviderConnection

MOSCOW = ZoneInfo("Europe/Moscow")
AWKWARD = 'tab\there, newline\nthere, back\\slash, "quotes", кириллица, \\N'


@pytest.fixture
def in_alpha(w):
    with schema_context(w.alpha.schema_name):
        yield ProviderConnection.objects.create(provider="beget", name="Bulk", credentials={"login": "x"})


def _resource(connection, n: int, **fields) -> Resource:
    now = datetime(2026, 3, 1, 12, 30, tzinfo=MOSCOW)
    values = dict(connection=connection, provider="beget", resource_id=f"vps-{n}", resource_type="vps",
                  resource_name=f"VPS {n}", daily_cost=Decimal("21.9667"), monthly_cost=Decimal("659.00"),
                  specs={"note": AWKWARD, "cpu": n}, first_seen_at=now, last_seen_at=now)
    values.update(fields)
    return Resource(**values)


def test_bulk_copy_streams_a_generator_and_round_trips_text_json_decimals_and_times(in_alpha):
    made = []

    def objects():
        for n in range(3):
            made.append(n)
            yield _resource(in_alpha, n, resource_name=AWKWARD if n == 1 else f"VPS {n}")

    with CaptureQueriesContext(db) as queries:
        assert bulk_copy(Resource, objects()) == 3
    assert made == [0, 1, 2]
    copies = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("COPY")]
    assert copies == ['COPY "inventory_resource" (' + copies[0].split("(", 1)[1]]
    assert copies[0].endswith("-- 3 rows")

    stored = Resource.objects.get(resource_id="vps-1")
    assert stored.resource_name == AWKWARD
    assert stored.specs == {"note": AWKWARD, "cpu": 1}
    assert stored.daily_cost == Decimal("21.9667") and stored.monthly_cost == Decimal("659.00")
    assert stored.first_seen_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert stored.currency == "RUB" and stored.is_deleted is False  # model defaults, not NULLs
    assert Resource.objects.filter(connection=in_alpha).count() == 3


def test_bulk_copy_upsert_updates_only_the_named_fields_and_returns_every_row(in_alpha):
    kept = Resource.objects.create(**{f.name: getattr(_resource(in_alpha, 0, owner="Ольга"), f.name)
                                      for f in Resource._meta.concrete_fields if not f.primary_key})
    with transaction.atomic():
        written = bulk_copy_upsert(
            Resource, [_resource(in_alpha, 0, resource_name="renamed", owner=""), _resource(in_alpha, 1)],
            unique_fields=["connection", "resource_type", "resource_id"], update_fields=["resource_name"],
            returning=("pk", "resource_id"))
    by_id = {resource_id: pk for pk, resource_id in written}
    assert by_id["vps-0"] == kept.pk and set(by_id) == {"vps-0", "vps-1"}
    kept.refresh_from_db()
    assert (kept.resource_name, kept.owner) == ("renamed", "Ольга")  # owner is not a field to update
    assert Resource.objects.get(pk=by_id["vps-1"]).resource_name == "VPS 1"


def test_bulk_copy_upsert_without_update_fields_leaves_existing_rows(in_alpha):
    resource = Resource.objects.create(**{f.name: getattr(_resource(in_alpha, 0), f.name)
                                          for f in Resource._meta.concrete_fields if not f.primary_key})
    ts = datetime(2026, 3, 1, tzinfo=UTC)
    MetricPoint.objects.create(resource=resource, metric="cpu", ts=ts, value=Decimal("10"))
    points = [MetricPoint(resource=resource, metric="cpu", ts=ts + timedelta(minutes=n), value=Decimal(n + 50))
              for n in range(3)]
    with transaction.atomic():
        written = bulk_copy_upsert(MetricPoint, points, unique_fields=["resource", "metric", "ts"])
    assert len(written) == 2
    assert list(MetricPoint.objects.filter(resource=resource).values_list("value", flat=True)) == [
        Decimal("10"), Decimal("51"), Decimal("52")]
