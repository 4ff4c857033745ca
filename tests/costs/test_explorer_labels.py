"""Names shown for resource ids in the explorer: the inventory's, else the one the ledger rows carry (read back from
the rollups' signatures), else none."""

from __future__ import annotations

from datetime import date

import pytest
from django_tenants.utils import schema_context

from apps.costs.selectors.explorer import group_labels
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

D1, D2 = date(2025, 5, 1), date(2025, 5, 2)


def _named(day, billed, resource, name, **kw):
    record = row(day, billed, resource=resource, **kw)
    record.resource_name = name
    return record


def test_resource_labels_come_from_the_names_the_ledger_rows_carry(w):
    with schema_context(w.alpha.schema_name):
        ledger([
            _named(D1, "10", "arn:aws:ec2:eu-west-1:1:instance/i-0a", "web-1"),
            _named(D2, "11", "arn:aws:ec2:eu-west-1:1:instance/i-0a", "web-1"),
            # Two rows of one id, one without a name (another service): the named one gives the label.
            _named(D1, "1", "vol-7", "", service="Block Storage"),
            _named(D2, "2", "vol-7", "data disk", service="Compute Cloud"),
            _named(D1, "3", "bucket-x", ""),  # never named: no label, the page shows the id
        ])
        cost_rollups_refresh(start=D1, end=D2, fetch_missing_rates=False)
        labels = group_labels(group_by="resource", keys=[
            "arn:aws:ec2:eu-west-1:1:instance/i-0a", "vol-7", "bucket-x", "unknown-id", ""])
    assert labels["arn:aws:ec2:eu-west-1:1:instance/i-0a"] == "web-1"
    assert labels["vol-7"] == "data disk"
    assert "bucket-x" not in labels
    assert "unknown-id" not in labels
    assert labels[""]  # «(не задано)»


def test_resource_labels_stay_within_the_organization(w):
    with schema_context(w.beta.schema_name):
        ledger([_named(D1, "5", "i-shared-id", "beta's name")])
        cost_rollups_refresh(start=D1, end=D1, fetch_missing_rates=False)
    with schema_context(w.alpha.schema_name):
        ledger([_named(D1, "5", "i-shared-id", "alpha's name")])
        cost_rollups_refresh(start=D1, end=D1, fetch_missing_rates=False)
        assert group_labels(group_by="resource", keys=["i-shared-id"])["i-shared-id"] == "alpha's name"
