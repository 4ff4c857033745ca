"""The explorer page by allocation dimension: the «Распределение» optgroup of the grouping, a filter per dimension
(with «Не распределено»), the choice kept in the form and in the export links, the table's labels and the page's
CSV download."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import Dimension, DimensionValue, Rule
from apps.allocation.services import definitions_changed
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db
D1 = date(2025, 5, 1)
PERIOD = {"start": "2025-05-01", "end": "2025-05-01"}


def _named(billed, name, **kw):
    record = row(D1, billed, resource=name, **kw)
    record.resource_name = name
    return record


@pytest.fixture
def allocated(w):
    """shop-web 1 200 ₽ (business unit shop, environment prod), crm-db 300 ₽ (crm), legacy 45,5 ₽ (none)."""
    with schema_context(w.alpha.schema_name):
        ledger([_named("1200", "shop-web"), _named("300", "crm-db", service="Managed PostgreSQL"),
                _named("45.5", "legacy")])
        bu = Dimension.objects.get(key="business_unit")
        DimensionValue.objects.create(dimension=bu, value="shop")
        DimensionValue.objects.create(dimension=bu, value="crm")
        Dimension.objects.create(key="team", name="Команда", position=50)
        Rule.objects.create(order=1, name="shop", conditions=[{"field": "name", "op": "regex", "value": "^shop-"}],
                            actions={"business_unit": "shop", "environment": "prod"})
        Rule.objects.create(order=2, name="crm", conditions=[{"field": "name", "op": "regex", "value": "^crm-"}],
                            actions={"business_unit": "crm"})
        definitions_changed()
        cost_rollups_refresh(start=D1, end=D1, fetch_missing_rates=False)
    return w


def _export_query(page, fmt="csv") -> dict[str, list[str]]:
    url = page.context[f"export_{fmt}"]
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def test_the_grouping_offers_the_dimensions_and_keeps_the_choice(allocated, client_for):
    client = client_for(allocated.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    page = client.get("/costs/", {**PERIOD, "group_by": "alloc:business_unit"})
    assert page.status_code == 200
    html = page.content.decode()
    assert '<optgroup label="Распределение" data-cx-alloc-group>' in html
    assert '<option value="alloc:business_unit" selected>Бизнес-направление</option>' in html
    assert '<option value="alloc:environment">Окружение</option>' in html
    assert '<option value="alloc:team">Команда</option>' in html  # a dimension of the organization's own
    assert page.context["group_label"] == "Бизнес-направление"  # the table's first column
    groups = {g["key"]: (g["label"], g["total"]) for g in page.context["view"]["groups"]}
    assert {k: (label, str(total)) for k, (label, total) in groups.items()} == {
        "shop": ("shop", "1200.0000000000"), "crm": ("crm", "300.0000000000"),
        "": ("Не распределено", "45.5000000000")}
    assert "<td>Не распределено" in html and "1\u00a0545,50\u00a0₽" in html  # the total
    assert _export_query(page)["group_by"] == ["alloc:business_unit"]


def test_a_dimension_filter_with_its_values_and_the_unallocated_choice(allocated, client_for):
    client = client_for(allocated.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    # The form's «All» (*) is dropped; «Не распределено» is the empty value, as in the API.
    page = client.get("/costs/", {**PERIOD, "group_by": "service", "alloc:business_unit": "",
                                  "alloc:environment": "*"})
    html = page.content.decode()
    assert 'name="alloc:business_unit"' in html and 'data-cx-alloc-filter="alloc:team"' in html
    assert '<option value="" selected>Не распределено</option>' in html
    assert '<option value="shop">shop</option>' in html and '<option value="crm">crm</option>' in html
    assert '<option value="prod">prod</option>' in html  # set by a rule, not listed as a value of environment
    assert {g["key"]: str(g["total"]) for g in page.context["view"]["groups"]} == {"Compute Cloud": "45.5000000000"}
    assert page.context["active_filters"] == 1
    query = _export_query(page, "xlsx")
    assert query["alloc:business_unit"] == [""] and "alloc:environment" not in query

    shop = client.get("/costs/", {**PERIOD, "group_by": "alloc:environment", "alloc:business_unit": "shop"})
    assert '<option value="shop" selected>shop</option>' in shop.content.decode()
    assert {g["key"]: str(g["total"]) for g in shop.context["view"]["groups"]} == {"prod": "1200.0000000000"}


def test_the_page_csv_carries_the_dimension_column_and_the_filters(allocated, client_for):
    client = client_for(allocated.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    page = client.get("/costs/", {**PERIOD, "group_by": "alloc:business_unit", "service": "Compute Cloud",
                                  "compare": "false"})
    response = client.get(page.context["export_csv"])
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].split(";")[0] == "Бизнес-направление"
    # Compute Cloud only: shop-web 1 200, legacy 45,5 (crm-db is Managed PostgreSQL)
    cells = {line.split(";")[1]: line.split(";") for line in lines[1:-1]}
    assert set(cells) == {"shop", ""}
    assert cells[""][0] == "Не распределено" and cells[""][-1] == "45,50"
    assert cells["shop"][-1].replace("\u00a0", "").replace(" ", "") == "1200,00"


def test_an_unknown_dimension_shows_the_error_and_keeps_the_form(allocated, client_for):
    page = client_for(allocated.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get(
        "/costs/", {**PERIOD, "group_by": "alloc:colour"})
    assert page.status_code == 200
    assert page.context["error"]["message"] == "Неизвестное измерение распределения."
    assert page.context["form_values"]["group_by"] == "alloc:colour"
