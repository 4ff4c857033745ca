"""Two CSVs of the same explorer view: the page's download for Russian Excel and the API's for programs."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row
from tests.utils import russian

pytestmark = pytest.mark.django_db

PARAMS = {"start": "2025-05-01", "end": "2025-05-02", "group_by": "service", "granularity": "day", "compare": "false"}
BOM = "\ufeff".encode()


@pytest.fixture
def costs(w):
    with schema_context(w.alpha.schema_name):
        ledger(
            [
                row(date(2025, 5, 1), "20170"),
                row(date(2025, 5, 2), "29356.69"),
                row(date(2025, 5, 1), "1234.565", service="Object Storage"),
                row(date(2025, 5, 2), "-0.5", service="Object Storage", category="Credit"),
            ]
        )
        cost_rollups_refresh(start=date(2025, 5, 1), end=date(2025, 5, 31), fetch_missing_rates=False)


def test_the_page_csv_opens_in_russian_excel(w, client_for, costs):
    response = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/costs/export/csv/", PARAMS)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="costs_service_20250501-20250502.csv')
    assert response.content.startswith(BOM)
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Группа;Ключ;Валюта;2025-05-01;2025-05-02;Итого"
    # Two decimals with a comma, no grouping, an ASCII minus Excel reads as a number.
    assert lines[1] == "Compute Cloud;Compute Cloud;RUB;20170,00;29356,69;49526,69"
    assert lines[2] == "Object Storage;Object Storage;RUB;1234,57;-0,50;1234,07"
    assert lines[3] == "Итого;;RUB;;;50760,76"


def test_the_api_csv_stays_machine_readable(w, client_for, costs):
    response = client_for(w.alice, "alpha").get("/api/v1/costs/export/csv/", PARAMS)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert not response.content.startswith(BOM)
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert table[0][:3] == [russian("Group"), russian("Key"), russian("Currency")]
    totals = {r[1]: Decimal(r[-1]) for r in table[1:-1]}
    assert totals == {"Compute Cloud": Decimal("49526.69"), "Object Storage": Decimal("1234.065")}
    assert Decimal(table[-1][-1]) == Decimal("50760.755")
    assert all(";" not in line for line in response.content.decode().splitlines())


def test_the_page_exports_xlsx_with_numbers_too(w, client_for, costs):
    response = client_for(w.alice, "alpha").get("/costs/export/xlsx/", PARAMS)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert Decimal(str(rows[-1][-1])).quantize(Decimal("0.01")) == Decimal("50760.76")


def test_the_page_links_its_downloads_to_the_page_exports(w, client_for, costs):
    html = client_for(w.alice, "alpha").get("/costs/", PARAMS).content.decode()
    assert 'href="/costs/export/csv/?' in html and 'href="/costs/export/xlsx/?' in html
    assert "/api/v1/costs/export/" not in html


def test_bad_parameters_on_a_page_export_lead_back_to_the_page_that_explains_them(w, client_for, costs):
    response = client_for(w.alice, "alpha").get("/costs/export/csv/", {"group_by": "nonsense"})
    assert response.status_code == 302 and response["Location"].startswith("/costs/?")
    assert client_for(w.alice, "alpha").get("/costs/export/pdf/", PARAMS).status_code == 404


def test_the_page_export_needs_access_to_costs(w, client_for, costs):
    response = client_for(w.charlie, "alpha").get("/costs/export/csv/", PARAMS)
    assert response.status_code in (302, 403)
    assert b"Compute Cloud" not in response.content


def test_the_openapi_schema_documents_the_api_csv_format(w, client_for):
    response = client_for(None, "alpha").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operation = json.loads(response.content)["paths"]["/api/v1/costs/export/{fmt}/"]["get"]
    assert "without a byte order mark" in operation["description"]
    assert "dot decimal separator" in operation["description"]
    assert "text/csv" in operation["responses"]["200"]["content"]
