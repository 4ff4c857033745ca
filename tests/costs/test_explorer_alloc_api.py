"""The explorer API by allocation dimension: ``group_by=alloc:<key>`` and ``alloc:<key>=<value>`` filters ('' =
unallocated, «Не распределено») on the summary, timeseries and export, with roubles computed by hand."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import Rule
from apps.allocation.services import definitions_changed
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

D1, D2 = date(2025, 5, 1), date(2025, 5, 2)
SUMMARY = "/api/v1/costs/summary/"
TIMESERIES = "/api/v1/costs/timeseries/"
EXPORT = "/api/v1/costs/export/csv/"
PERIOD = {"start": "2025-05-01", "end": "2025-05-02"}


def _named(day, billed, name, **kw):
    record = row(day, billed, resource=name, **kw)
    record.resource_name = name
    return record


@pytest.fixture
def allocated(w):
    """420 ₽ over two days; rules: «-prod-» names -> environment prod, «shop-» -> business unit shop, «crm-» -> crm.

    business unit: shop = 100 + 100 + 60 = 260, crm = 40, unallocated = legacy-box 30 + shared-net 90 = 120;
    environment: prod = 100 + 100 + 40 = 240, unallocated = 60 + 30 + 90 = 180."""
    with schema_context(w.alpha.schema_name):
        ledger([
            _named(D1, "100", "shop-prod-web"), _named(D2, "100", "shop-prod-web"),
            _named(D1, "60", "shop-dev-web"),
            _named(D1, "40", "crm-prod-db", service="Managed PostgreSQL"),
            _named(D1, "30", "legacy-box"),
            _named(D1, "90", "shared-net", service="VPC"),
        ])
        Rule.objects.create(order=1, name="prod", conditions=[{"field": "name", "op": "regex", "value": "-prod-"}],
                            actions={"environment": "prod"})
        Rule.objects.create(order=2, name="shop", conditions=[{"field": "name", "op": "regex", "value": "^shop-"}],
                            actions={"business_unit": "shop"})
        Rule.objects.create(order=3, name="crm", conditions=[{"field": "name", "op": "regex", "value": "^crm-"}],
                            actions={"business_unit": "crm"})
        definitions_changed()
        cost_rollups_refresh(start=D1, end=D2, fetch_missing_rates=False)
    return w


def _ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def _totals(body) -> dict[str, Decimal]:
    return {g["key"]: Decimal(g["total"]) for g in body["groups"]}


def test_summary_groups_by_a_dimension_with_the_unallocated_group_labelled(allocated, client_for):
    client = client_for(allocated.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    body = _ok(client.get(SUMMARY, {**PERIOD, "group_by": "alloc:business_unit"}))
    assert _totals(body) == {"shop": Decimal("260"), "crm": Decimal("40"), "": Decimal("120")}
    assert {g["key"]: g["label"] for g in body["groups"]} == {"shop": "shop", "crm": "crm", "": "Не распределено"}
    assert Decimal(body["total"]) == Decimal("420")


def test_summary_filters_by_a_value_and_by_the_unallocated_cost(allocated, client_for):
    client = client_for(allocated.vera, "alpha")  # a viewer reads the explorer
    unallocated = _ok(client.get(SUMMARY, {**PERIOD, "group_by": "service", "alloc:business_unit": ""}))
    assert _totals(unallocated) == {"Compute Cloud": Decimal("30"), "VPC": Decimal("90")}
    assert "label" not in unallocated["groups"][0]  # only an allocation grouping adds labels

    # repeatable: shop or crm (300 ₽), by environment: prod 100 + 100 + 40, unallocated shop-dev-web 60
    both = _ok(client.get(f"{SUMMARY}?start=2025-05-01&end=2025-05-02&group_by=alloc:environment"
                          "&alloc:business_unit=shop&alloc:business_unit=crm"))
    assert _totals(both) == {"prod": Decimal("240"), "": Decimal("60")}

    # two dimensions at once: production cost with no business unit is none
    none = _ok(client.get(SUMMARY, {**PERIOD, "alloc:business_unit": "", "alloc:environment": "prod"}))
    assert none["groups"] == [] and Decimal(none["total"]) == 0


def test_timeseries_by_a_dimension_has_labels_per_day(allocated, client_for):
    client = client_for(allocated.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    body = _ok(client.get(TIMESERIES, {**PERIOD, "group_by": "alloc:environment", "compare": "false"}))
    assert body["group_by"] == "alloc:environment"
    groups = {g["key"]: (g["label"], Decimal(g["total"])) for g in body["groups"]}
    assert groups == {"prod": ("prod", Decimal("240")), "": ("Не распределено", Decimal("180"))}
    series = {s["key"]: [Decimal(v) for v in s["values"]] for s in body["series"]}
    assert series == {"prod": [Decimal("140"), Decimal("100")], "": [Decimal("180"), Decimal("0")]}


@pytest.mark.parametrize("params", [{"group_by": "alloc:colour"}, {"alloc:colour": "red"}])
def test_an_unknown_dimension_is_a_translated_400(allocated, client_for, params):
    client = client_for(allocated.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    for url in (SUMMARY, TIMESERIES, EXPORT):
        response = client.get(url, {**PERIOD, **params})
        assert response.status_code == 400, (url, response.content)
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert "Неизвестное измерение распределения." in str(error)


def test_the_csv_export_has_the_dimension_column_and_respects_the_filters(allocated, client_for):
    client = client_for(allocated.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    response = client.get(EXPORT, {**PERIOD, "group_by": "alloc:business_unit", "alloc:environment": "prod",
                                   "compare": "false"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0] == ["Бизнес-направление", "Ключ", "Валюта", "2025-05-01", "2025-05-02", "Итого"]
    # production: shop-prod-web 100 + 100, crm-prod-db 40
    body = {r[1]: (r[0], [Decimal(v) for v in r[3:]]) for r in rows[1:-1]}
    assert body == {"shop": ("shop", [Decimal("100"), Decimal("100"), Decimal("200")]),
                    "crm": ("crm", [Decimal("40"), Decimal("0"), Decimal("40")])}
    assert Decimal(rows[-1][-1]) == Decimal("240")

    unallocated = client.get(EXPORT, {**PERIOD, "group_by": "alloc:business_unit", "alloc:business_unit": "",
                                      "compare": "false"})
    rows = list(csv.reader(io.StringIO(unallocated.content.decode("utf-8"))))
    assert [(r[0], r[1], Decimal(r[-1])) for r in rows[1:-1]] == [("Не распределено", "", Decimal("120"))]


def test_another_organization_sees_none_of_the_allocated_cost(allocated, client_for):
    body = _ok(client_for(allocated.bob, "beta").get(SUMMARY, {**PERIOD, "group_by": "alloc:business_unit"}))
    assert body["groups"] == []
