"""The CFO brief (issue 14, point 6): figures computed by hand from ledger rows, the one-page Russian PDF, the
XLSX with numbers as numbers, the API (permissions, isolation, bad input, the archive) and the page."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django_tenants.utils import schema_context
from openpyxl import load_workbook
from pypdf import PdfReader

from apps.allocation.models import Rule
from apps.allocation.services import definitions_changed
from apps.budgets.models import Budget
from apps.business.metrics import business_metric_create, business_metric_values_upsert
from apps.costs.services.rollups import cost_rollups_refresh
from apps.providers.models import ProviderConnection
from apps.recommendations.models import Finding
from apps.reports.models import ReportExport
from tests.costs.explorer_data import ledger, row
from tests.utils import api_error, russian

pytestmark = pytest.mark.django_db

# 6 December 2026, 15:00 in Moscow: the last full month is November 2026.
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
BRIEF = "/api/v1/reports/brief/"
SUMMARY = "/api/v1/costs/summary/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _named(day, billed, name, **kw):
    record = row(day, billed, resource=name, **kw)
    record.resource_name = name
    return record


def _finding(n, status, savings, realized=None):
    now = datetime(2026, 11, 20, tzinfo=UTC)
    return Finding.objects.create(rule="test_rule", subject=f"s-{n}", category="rightsizing", status=status,
                                  title="Уменьшить размер", action="rightsize", estimated_monthly_savings=savings,
                                  realized_monthly_savings=realized, currency="RUB", formula="4 → 2 vCPU",
                                  confidence="high", first_seen_at=now, last_seen_at=now, status_changed_at=now)


@pytest.fixture
def alpha_month(w):
    """November 2026 against October 2026 in alpha.

    November: Compute Cloud «shop-web» 1000.50 + 500.25 = 1500.75; Managed PostgreSQL «crm-db» 200.10;
    Object Storage «legacy-box» 99.16. Total 1500.75 + 200.10 + 99.16 = 1800.01.
    October: Compute Cloud 800.00, Managed PostgreSQL 300.00, Object Storage 100.00. Total 1200.00.
    Change: 1800.01 − 1200.00 = +600.01; 600.01 / 1200 = 50.0008 % -> +50,0 %.
    Budget (organization-wide, monthly): 2000.00 -> 1800.01 / 2000 = 90.0005 % -> 90,0 %.
    Business units (rules by name): shop 1500.75 vs 800 (+700.75), crm 200.10 vs 300 (−99.90), unallocated 99.16
    vs 100 (−0.84). Coverage (business unit and environment set for shop and crm): (1500.75 + 200.10) / 1800.01
    = 0.94491 -> 94,5 %.
    Orders: 1000 in November, 600 in October -> 1800.01 / 1000 = 1.80; 1200 / 600 = 2.00; −10,0 %.
    Savings: realized = applied 300.00 + verified (measured) 150.50 = 450.50; potential = open 1000.00 + accepted
    250.00 = 1250.00 (dismissed 999 not counted).
    Balance: Beget 1000.00 ₽ at 50 ₽/day -> 20 days."""
    with schema_context(w.alpha.schema_name):
        ledger([
            _named(date(2026, 11, 3), "1000.50", "shop-web"), _named(date(2026, 11, 20), "500.25", "shop-web"),
            _named(date(2026, 11, 5), "200.10", "crm-db", service="Managed PostgreSQL"),
            _named(date(2026, 11, 7), "99.16", "legacy-box", service="Object Storage"),
            _named(date(2026, 10, 3), "800.00", "shop-web"),
            _named(date(2026, 10, 5), "300.00", "crm-db", service="Managed PostgreSQL"),
            _named(date(2026, 10, 7), "100.00", "legacy-box", service="Object Storage"),
        ])
        Rule.objects.create(order=1, name="shop", conditions=[{"field": "name", "op": "regex", "value": "^shop-"}],
                            actions={"business_unit": "shop", "environment": "prod"})
        Rule.objects.create(order=2, name="crm", conditions=[{"field": "name", "op": "regex", "value": "^crm-"}],
                            actions={"business_unit": "crm", "environment": "prod"})
        definitions_changed()
        cost_rollups_refresh(start=date(2026, 10, 1), end=date(2026, 11, 30), fetch_missing_rates=False)
        Budget.objects.create(name="Вся организация", amount=Decimal("2000.00"), period="month", scope={})
        metric = business_metric_create(actor=None, key="orders", name="Заказы", unit="заказ")
        business_metric_values_upsert(metric=metric, actor=None, values=[
            {"date": "2026-11-01", "value": "1000"}, {"date": "2026-10-01", "value": "600"}])
        _finding(1, "applied", Decimal("300.00"))
        _finding(2, "verified", Decimal("200.00"), realized=Decimal("150.50"))
        _finding(3, "open", Decimal("1000.00"))
        _finding(4, "accepted", Decimal("250.00"))
        _finding(5, "dismissed", Decimal("999.00"))
        ProviderConnection.objects.create(provider="beget", name="Beget хостинг", credentials={},
                                          account_info={"balance": "1000.00", "currency": "RUB",
                                                        "daily_rate": "50"})
    return w


def _plain(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def _ru_money(amount: Decimal) -> str:
    """117150.00 -> «117 150,00 ₽», written out independently of the code under test."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",") + " ₽"


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), _plain(" ".join(page.extract_text() for page in reader.pages))


def test_pdf_is_one_russian_page_with_the_explorers_totals(alpha_month, client_for):
    client = client_for(alpha_month.alice, "alpha")
    response = client.get(BRIEF, {"month": "2026-11", "output": "pdf"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="cfo_brief_2026-11.pdf"' in response["Content-Disposition"]
    pages, text = _pdf_text(response.content)
    assert pages == 1
    for heading in ("Сводка для финансового директора", "Расходы за ноябрь 2026 г.", "Бюджет",
                    "Прогноз на конец месяца", "Главные изменения", "Экономия", "Покрытие распределением",
                    "Юнит-экономика", "Остаток баланса"):
        assert heading in text, heading
    # The explorer's own totals for the two months, through its API.
    november = Decimal(client.get(SUMMARY, {"start": "2026-11-01", "end": "2026-11-30"}).json()["total"])
    october = Decimal(client.get(SUMMARY, {"start": "2026-10-01", "end": "2026-10-31"}).json()["total"])
    assert (november, october) == (Decimal("1800.01"), Decimal("1200.00"))
    assert _ru_money(november) in text  # «1 800,01 ₽»
    assert _ru_money(october) in text
    assert "+600,01 ₽" in text and "+50,0 %" in text
    assert "2 000,00 ₽" in text and "90,0 %" in text
    assert "+700,75 ₽" in text and "+87,6 %" in text  # Compute Cloud: 700.75 / 800 = 87.59 %
    assert "−99,90 ₽" in text and "−33,3 %" in text  # Managed PostgreSQL; crm has the same change
    assert "450,50 ₽" in text and "1 250,00 ₽" in text
    assert "94,5 %" in text
    assert "1,80 ₽" in text and "2,00 ₽" in text and "−10,0 %" in text
    assert "Beget хостинг" in text and "20" in text


def test_xlsx_has_the_figures_as_numbers(alpha_month, client_for):
    response = client_for(alpha_month.fiona, "alpha").get(BRIEF, {"month": "2026-11", "output": "xlsx"})
    assert response.status_code == 200, response.content
    book = load_workbook(io.BytesIO(response.content))
    summary = book[book.sheetnames[0]]
    values = {r[0]: r[1] for r in summary.iter_rows(values_only=True) if len(r) > 1 and r[0]}
    assert values["Расходы"] == Decimal("1800.01") or values["Расходы"] == pytest.approx(1800.01)
    assert isinstance(values["Расходы"], int | float)
    assert values["Бюджет"] == pytest.approx(2000)
    assert values["Изменение"] == pytest.approx(600.01)
    cell = next(c for c in summary["B"] if c.value == pytest.approx(1800.01))
    assert "₽" in cell.number_format
    services = book["Главные изменения — сервисы"]
    rows = list(services.iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == "Compute Cloud" and rows[0][3] == pytest.approx(700.75)
    assert rows[0][4] == pytest.approx(0.876)


def test_each_call_is_kept_in_the_archive_with_who(alpha_month, client_for):
    client_for(alpha_month.vera, "alpha").get(BRIEF, {"month": "2026-11", "output": "xlsx"})
    with schema_context(alpha_month.alpha.schema_name):
        export = ReportExport.objects.get()
    assert (export.kind, export.output, export.params, export.created_by_id, export.status) == (
        "brief", "xlsx", {"month": "2026-11"}, alpha_month.vera.pk, "done")
    assert export.size > 0 and export.filename == "cfo_brief_2026-11.xlsx"


def test_default_month_is_the_last_full_month(alpha_month, client_for):
    response = client_for(alpha_month.alice, "alpha").get(BRIEF)
    assert response.status_code == 200
    assert 'filename="cfo_brief_2026-11.pdf"' in response["Content-Disposition"]


def test_current_month_is_month_to_date_with_a_forecast(alpha_month, client_for):
    with schema_context(alpha_month.alpha.schema_name):
        ledger([_named(date(2026, 12, 2), "10.00", "shop-web")])
        cost_rollups_refresh(start=date(2026, 12, 1), end=date(2026, 12, 6), fetch_missing_rates=False)
    response = client_for(alpha_month.alice, "alpha").get(BRIEF, {"month": "2026-12"})
    assert response.status_code == 200
    pages, text = _pdf_text(response.content)
    assert pages == 1
    assert "Расходы за декабрь 2026 г." in text and "10,00 ₽" in text
    assert "Прогноз на конец месяца" in text


def test_a_month_without_costs_says_so(alpha_month, client_for):
    response = client_for(alpha_month.alice, "alpha").get(BRIEF, {"month": "2026-01"})
    assert response.status_code == 200
    pages, text = _pdf_text(response.content)
    assert pages == 1
    assert _plain(russian("No costs were recorded for this month.")) in text


@pytest.mark.parametrize(("params", "field"), [
    ({"month": "2026-13"}, "month"), ({"month": "November"}, "month"), ({"month": "2027-01"}, "month"),
    ({"month": "2026-11", "output": "docx"}, "output"), ({"output": "csv"}, "output")])
def test_bad_input_is_a_translated_400(w, client_for, params, field):
    response = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get(BRIEF, params)
    body = api_error(response, 400, "invalid")
    assert field in body["details"]


def test_bad_month_message_is_russian(w, client_for):
    response = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get(BRIEF, {"month": "2026-13"})
    assert api_error(response, 400)["message"] == russian("Enter the month as YYYY-MM, e.g. 2026-11.")


def test_another_organization_sees_only_its_own(alpha_month, client_for):
    assert client_for(alpha_month.bob, "alpha").get(BRIEF).status_code in (403, 404)
    response = client_for(alpha_month.bob, "beta").get(BRIEF, {"month": "2026-11"})
    assert response.status_code == 200
    _pages, text = _pdf_text(response.content)
    assert "1 800,01" not in text and "Beget хостинг" not in text
    assert _plain(russian("No costs were recorded for this month.")) in text


def test_anonymous_is_refused(w, client_for):
    assert client_for(None, "alpha").get(BRIEF).status_code in (401, 403)


def test_page_shows_the_brief_to_a_viewer(alpha_month, client_for):
    response = client_for(alpha_month.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/reports/brief/",
                                                                                  {"month": "2026-11"})
    assert response.status_code == 200
    text = _plain(response.content.decode())
    assert "Расходы за ноябрь 2026 г." in text and "1 800,01 ₽" in text
    assert "/api/v1/reports/brief/?month=2026-11&amp;output=pdf" in text


def test_page_with_a_bad_month_shows_the_error_and_the_last_full_month(alpha_month, client_for):
    response = client_for(alpha_month.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/reports/brief/",
                                                                                   {"month": "nope"})
    assert response.status_code == 200
    text = _plain(response.content.decode())
    assert russian("Enter the month as YYYY-MM, e.g. 2026-11.") in text
    assert "Расходы за ноябрь 2026 г." in text


def test_xlsx_of_a_month_without_anything_still_opens(w, client_for):
    response = client_for(w.bob, "beta").get(BRIEF, {"month": "2026-11", "output": "xlsx"})
    assert response.status_code == 200, response.content
    book = load_workbook(io.BytesIO(response.content))
    summary = book[book.sheetnames[0]]
    notes = [r[0] for r in summary.iter_rows(values_only=True)]
    assert russian("No costs were recorded for this month.") in notes
    assert russian("No monthly budget is set.") in notes
