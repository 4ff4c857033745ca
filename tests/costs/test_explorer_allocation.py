"""FOCUS 1.3 split cost allocation: imported into its own columns and rollup dimensions, grouped and filtered
by the explorer API, offered by the explorer page only when the data has it."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.costs.models import CostRecord
from apps.costs.services.imports import focus_file_import

from .conftest import DATA

pytestmark = pytest.mark.django_db
GCP_13 = DATA / "gcp_1_3_cost_and_usage_rows100_seed42.csv"
AWS_12 = DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"
SUMMARY = "/api/v1/costs/summary/"
WINDOW = {"start": "2026-05-01", "end": "2026-05-31", "currency": "billing"}


def _file_sums(path, by: str, **where: str) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if all(row[column] == value for column, value in where.items()):
                sums[row[by]] += Decimal(row["BilledCost"])
    return dict(sums)


def _import(w, path, slug="alpha"):
    schema = w.alpha.schema_name if slug == "alpha" else w.beta.schema_name
    with schema_context(schema):
        bi = focus_file_import(path=str(path))
    assert bi.status == "success", (bi.error, bi.report[:3])
    return schema


def _groups(response) -> dict[str, Decimal]:
    assert response.status_code == 200, response.content
    return {g["key"]: Decimal(g["total"]) for g in response.json()["groups"]}


def test_allocation_columns_are_stored_and_grouped_to_the_cent(w, client_for):
    schema = _import(w, GCP_13)
    with schema_context(schema):
        split = CostRecord.objects.exclude(allocated_resource_id="").order_by("id").first()
        assert split.allocated_method_id.startswith("split-")
        assert split.allocated_resource_name.startswith("workload-")
        assert split.allocated_tags.startswith("{") and "AllocatedTags" not in split.extra_columns
    client = client_for(w.alice, "alpha")

    by_resource = _groups(client.get(SUMMARY, {**WINDOW, "group_by": "allocated_resource"}))
    expected = _file_sums(GCP_13, "AllocatedResourceId")
    assert {k: v.quantize(Decimal("0.01")) for k, v in by_resource.items()} == {
        k: v.quantize(Decimal("0.01")) for k, v in expected.items()}
    assert "" in by_resource  # rows without allocation group under the empty key

    weighted = _groups(client.get(SUMMARY, {**WINDOW, "group_by": "allocation_method",
                                            "allocation_method": "split-weighted"}))
    assert list(weighted) == ["split-weighted"]
    assert weighted["split-weighted"].quantize(Decimal("0.01")) == sum(
        _file_sums(GCP_13, "AllocatedMethodId", AllocatedMethodId="split-weighted").values()).quantize(Decimal("0.01"))


def test_the_explorer_page_offers_allocation_only_when_the_data_has_it(w, client_for):
    _import(w, AWS_12)  # FOCUS 1.2: no allocation
    _import(w, GCP_13, slug="beta")
    without = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get(
        "/costs/", {"start": "2026-01-01", "end": "2026-06-30"}).content.decode()
    with_allocation = client_for(w.bob, "beta", HTTP_ACCEPT_LANGUAGE="ru").get(
        "/costs/", {"start": "2026-05-01", "end": "2026-05-31", "group_by": "allocated_resource",
                    "currency": "billing"}).content.decode()
    assert "Распределённый ресурс" not in without and 'name="allocation_method"' not in without
    assert "Распределённый ресурс" in with_allocation and 'name="allocation_method"' in with_allocation
    assert "workload-checkout" in with_allocation  # the group is labelled with AllocatedResourceName


def test_the_migration_moves_columns_that_older_imports_kept_in_extras(w):
    """Rows imported before the columns existed carried them in ``extras``: 0007 moves them and rebuilds the
    rollups of those days, so the allocation dimensions cover old data too."""
    import importlib

    from django.db import connection

    from apps.costs.models import CostDaily

    migration = importlib.import_module("apps.costs.migrations.0007_ledger_extras_to_columns")
    schema = _import(w, GCP_13)
    with schema_context(schema):
        allocated = CostRecord.objects.exclude(allocated_resource_id="")
        expected = {r.pk: (r.allocated_method_id, r.allocated_resource_id, r.pricing_currency_effective_cost)
                    for r in CostRecord.objects.all()}
        with connection.cursor() as cursor:  # back to how an import before 0005/0006 stored the rows
            cursor.execute(
                "UPDATE costs_costrecord SET extras = extras || jsonb_build_object("
                "'AllocatedMethodId', allocated_method_id, 'AllocatedResourceId', allocated_resource_id, "
                "'PricingCurrencyEffectiveCost', pricing_currency_effective_cost::text), "
                "allocated_method_id = '', allocated_resource_id = '', pricing_currency_effective_cost = NULL")
            cursor.execute("UPDATE costs_costdaily SET allocated_resource_id = ''")
            assert not allocated.exists()
            cursor.execute(migration.MOVE)
        migration.refresh_allocated_days(None, None)
        assert {r.pk: (r.allocated_method_id, r.allocated_resource_id, r.pricing_currency_effective_cost)
                for r in CostRecord.objects.all()} == expected
        assert not CostRecord.objects.filter(extras__has_key="AllocatedMethodId").exists()
        assert CostDaily.objects.exclude(allocated_resource_id="").exists()
