"""An estate with rules and a shared network split, for the coverage API, the overview page and the dashboard card.

Ledger (roubles): shop-prod-web 100 on 1 May and 100 on 2 May, shop-dev-web 60, crm-prod-db 40 (Managed
PostgreSQL), legacy-box 30, shared-net 90 (VPC), all on 1 May 2025 unless said. Rules: ``^shop-`` -> business
unit shop + environment prod; ``^crm-`` -> business unit crm; the VPC is split evenly between shop and crm."""

from __future__ import annotations

from datetime import date

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import Dimension, Rule, SharedCost
from apps.allocation.services import definitions_changed
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row

D1, D2 = date(2025, 5, 1), date(2025, 5, 2)


def named(day, billed, name, **kw):
    record = row(day, billed, resource=name, **kw)
    record.resource_name = name
    return record


def allocated_estate(schema_name: str) -> None:
    with schema_context(schema_name):
        ledger([
            named(D1, "100", "shop-prod-web"), named(D2, "100", "shop-prod-web"),
            named(D1, "60", "shop-dev-web"),
            named(D1, "40", "crm-prod-db", service="Managed PostgreSQL"),
            named(D1, "30", "legacy-box"),
            named(D1, "90", "shared-net", service="VPC"),
        ])
        Rule.objects.create(order=1, name="shop", conditions=[{"field": "name", "op": "regex", "value": "^shop-"}],
                            actions={"business_unit": "shop", "environment": "prod"})
        Rule.objects.create(order=2, name="crm", conditions=[{"field": "name", "op": "regex", "value": "^crm-"}],
                            actions={"business_unit": "crm"})
        SharedCost.objects.create(name="network", dimension=Dimension.objects.get(key="business_unit"),
                                  method="even", conditions=[{"field": "service", "op": "equals", "value": "VPC"}],
                                  targets=[{"value": "shop"}, {"value": "crm"}])
        definitions_changed()
        cost_rollups_refresh(start=D1, end=D2)


@pytest.fixture
def estate(w):
    allocated_estate(w.alpha.schema_name)
    return w
