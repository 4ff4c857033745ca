"""Client statements: hand-computed totals, issue freezes the files byte for byte, a month without data, an issued
statement refusing changes, corrections, the PDF's Russian text and the XLSX's numbers, roles and isolation."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from apps.accounts.models import PartnerMembership
from apps.accounts.roles import Role
from apps.partners import services_billing, services_statements
from apps.partners.models import ClientMonthCost, Statement
from apps.tenants.models import Partner
from tests.utils import api_error, russian

pytestmark = pytest.mark.django_db

NOV = date(2026, 11, 1)
URL = "/api/v1/partner/statements/"
NBSP = "\u00a0"


def cost(org, month, provider, service, amount):
    return ClientMonthCost.objects.create(organization=org, partner_id=org.partner_id, month=month,
                                          provider=provider, service=service, cost=Decimal(amount))


def rule(w, **values):
    return services_billing.billing_rule_create(partner=w.partner, actor=w.oscar, **values)


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace(NBSP, " ").replace("\u202f", " ")


@pytest.fixture
def november(w):
    """alpha in November 2026: Yandex Cloud 1 000,00 with 10 % markup, Beget 300,00 at cost + a 500,00 fee."""
    w.partner.legal_name, w.partner.inn, w.partner.kpp = "ООО «МСП»", "7701234567", "770101001"
    w.partner.legal_address = "Москва, ул. Тверская, 1"
    w.partner.save()
    w.alpha.legal_name, w.alpha.inn, w.alpha.kpp = "ООО «Альфа»", "7709876543", "770901001"
    w.alpha.save()
    cost(w.alpha, NOV, "Yandex Cloud", "Compute Cloud", "1000.00")
    cost(w.alpha, NOV, "Beget", "VPS", "300.00")
    rule(w, organization=w.alpha, provider="Yandex Cloud", markup_percent="10")
    rule(w, organization=w.alpha, provider="Beget", fixed_monthly_fee="500")
    return w


def test_statement_totals_match_hand_computation(november, client_for):
    response = post(client_for(november.oscar), URL, {"organization": "alpha", "month": "2026-11"})
    assert response.status_code == 201, response.content
    body = response.json()
    # Yandex Cloud 1 000,00 × 1,10 = 1 100,00; Beget 300,00 at cost; fee 500,00 -> subtotal 1 900,00;
    # VAT 20 % = 380,00; total 2 280,00.
    assert (body["subtotal"], body["vat"], body["total"]) == ("1900.00", "380.00", "2280.00")
    assert body["status"] == "draft" and body["number"] == "" and body["month"] == "2026-11"
    amounts = {(line["kind"], line["provider"]): line["amount"] for line in body["lines"]}
    assert amounts == {("usage", "Beget"): "300.00", ("usage", "Yandex Cloud"): "1100.00", ("fee", "Beget"): "500.00"}
    # The same month again regenerates THE draft (200, same id).
    again = post(client_for(november.oscar), URL, {"organization": "alpha", "month": "2026-11"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]


def test_discount_pass_through_and_minimum_top_up(w):
    # gamma: Yandex Cloud 900,00 after the partner's 10 % discount (list price 900 / 0,9 = 1 000,00); half the
    # discount passed on: 1 000,00 × (1 − 0,10 × 0,5) = 950,00; no markup. Minimum charge 2 000,00:
    # top-up 2 000,00 − 950,00 = 1 050,00 -> subtotal 2 000,00, VAT 400,00, total 2 400,00; margin 2 000 − 900 = 1 100.
    cost(w.gamma, NOV, "Yandex Cloud", "Object Storage", "900.00")
    rule(w, organization=w.gamma, provider_discount_percent="10", pass_through_percent="50",
         minimum_charge="2000")
    statement, created = services_statements.statement_draft(partner=w.partner, organization=w.gamma, month=NOV,
                                                             actor=w.oscar)
    assert created
    assert [line["amount"] for line in statement.lines] == ["950.00", "1050.00"]
    assert [line["kind"] for line in statement.lines] == ["usage", "minimum"]
    assert (statement.subtotal, statement.vat, statement.total) == (
        Decimal("2000.00"), Decimal("400.00"), Decimal("2400.00"))
    (margin,) = services_billing.margin_table(partner=w.partner, organization=w.gamma)
    assert margin.margin == Decimal("1100.00") and margin.margin_percent == Decimal("55.0")  # 1100 / 2000


def test_month_without_data_is_400_in_russian_and_nothing_created(w, client_for):
    client = client_for(w.oscar, HTTP_ACCEPT_LANGUAGE="ru")
    error = api_error(post(client, URL, {"organization": "alpha", "month": "2026-10"}), 400, "statement_no_data")
    assert error["message"] == "За октябрь 2026 г. нет данных о расходах клиента: выписка не создана"
    assert not Statement.objects.exists()
    api_error(post(client, URL, {"organization": "alpha", "month": "2026-13"}), 400)
    api_error(post(client, URL, {"organization": "beta", "month": "2026-11"}), 400)


@time_machine.travel("2026-12-06 10:00:00+03:00", tick=False)
def test_issue_numbers_freezes_and_refuses_changes(november, client_for):
    client = client_for(november.oscar, HTTP_ACCEPT_LANGUAGE="ru")
    draft = post(client, URL, {"organization": "alpha", "month": "2026-11"}).json()
    response = post(client, f"{URL}{draft['id']}/issue/")
    assert response.status_code == 200, response.content
    issued = response.json()
    assert issued["id"] == draft["id"] and issued["status"] == "issued" and issued["number"] == "MSP-2026-0001"
    pdf = client.get(f"{URL}{draft['id']}/pdf/").content
    xlsx = client.get(f"{URL}{draft['id']}/xlsx/").content
    # The ledger changes afterwards: Yandex Cloud doubles; the issued statement stays byte for byte.
    ClientMonthCost.objects.filter(organization=november.alpha, provider="Yandex Cloud").update(cost=Decimal("2000"))
    error = api_error(post(client, URL, {"organization": "alpha", "month": "2026-11"}), 409, "statement_issued")
    assert "выпущена" in error["message"]
    api_error(post(client, f"{URL}{draft['id']}/issue/"), 409, "statement_issued")
    api_error(client.delete(f"{URL}{draft['id']}/"), 409, "statement_issued")
    assert client.get(f"{URL}{draft['id']}/pdf/").content == pdf
    assert client.get(f"{URL}{draft['id']}/xlsx/").content == xlsx
    assert client.get(f"{URL}{draft['id']}/").json()["total"] == "2280.00"
    # A correction: a new draft with the new figures; issuing it supersedes the old one.
    response = post(client, f"{URL}{draft['id']}/correct/")
    assert response.status_code == 201, response.content
    correction = response.json()
    # Yandex Cloud 2 000,00 × 1,10 = 2 200,00 + Beget 300,00 + fee 500,00 = 3 000,00; VAT 600,00; 3 600,00.
    assert (correction["subtotal"], correction["vat"], correction["total"]) == ("3000.00", "600.00", "3600.00")
    assert correction["corrects"] == draft["id"]
    issued2 = post(client, f"{URL}{correction['id']}/issue/").json()
    assert issued2["number"] == "MSP-2026-0002" and issued2["status"] == "issued"
    assert client.get(f"{URL}{draft['id']}/").json()["status"] == "superseded"
    assert client.get(f"{URL}{draft['id']}/pdf/").content == pdf
    statuses = {s["id"]: s["status"] for s in client.get(URL, {"organization": "alpha"}).json()}
    assert statuses == {draft["id"]: "superseded", correction["id"]: "issued"}


@time_machine.travel("2026-12-06 10:00:00+03:00", tick=False)
def test_pdf_text_and_xlsx_numbers(november, client_for):
    statement, _created = services_statements.statement_draft(partner=november.partner, organization=november.alpha,
                                                               month=NOV, actor=november.oscar)
    statement = services_statements.statement_issue(statement=statement, actor=november.oscar)
    client = client_for(november.oscar)
    response = client.get(f"{URL}{statement.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in ("Выписка № MSP-2026-0001 за ноябрь 2026 г.", "Итого без НДС", "НДС 20 %", "Всего к оплате",
                     "1 900,00 ₽", "380,00 ₽", "2 280,00 ₽", "1 100,00 ₽", "ООО «МСП»", "7701234567",
                     "ООО «Альфа»", "7709876543", "Исполнитель", "Заказчик", "6 декабря 2026 г."):
        assert expected in text, (expected, text)
    book = load_workbook(io.BytesIO(client.get(f"{URL}{statement.pk}/xlsx/").content))
    sheet = book.active
    values = [row for row in sheet.iter_rows(values_only=True)]
    amounts = [row[4] for row in values if isinstance(row[4], int | float)]
    # Beget 300, Yandex Cloud 1 100, fee 500, subtotal 1 900, VAT 380, total 2 280.
    assert amounts == [300, 1100, 500, 1900, 380, 2280]
    assert any(row[0] == "Итого без НДС" for row in values)


def test_draft_pdf_renders_on_request(november, client_for):
    statement, _created = services_statements.statement_draft(partner=november.partner, organization=november.alpha,
                                                               month=NOV, actor=november.oscar)
    text = pdf_text(client_for(november.oscar).get(f"/console/statements/{statement.pk}/file/pdf/").content)
    assert "Черновик выписки за ноябрь 2026 г." in text and "2 280,00 ₽" in text
    assert Statement.objects.get(pk=statement.pk).pdf is None


def test_roles_and_isolation(november, client_for, django_user_model):
    statement, _created = services_statements.statement_draft(partner=november.partner, organization=november.alpha,
                                                               month=NOV, actor=november.oscar)
    viewer = django_user_model.objects.create_user(email="vic@msp.test", password="x" * 12)
    PartnerMembership.objects.create(user=viewer, partner=november.partner, role=Role.VIEWER)
    client = client_for(viewer)
    assert client.get(f"{URL}{statement.pk}/").status_code == 200
    api_error(post(client, URL, {"organization": "alpha", "month": "2026-11"}), 403)
    api_error(post(client, f"{URL}{statement.pk}/issue/"), 403)
    assert client.post(f"/console/statements/{statement.pk}/issue/").status_code == 403
    other = Partner.objects.create(slug="other", name="Other MSP")
    stranger = django_user_model.objects.create_user(email="sam@other.test", password="x" * 12)
    PartnerMembership.objects.create(user=stranger, partner=other, role=Role.ADMIN)
    api_error(client_for(stranger).get(f"{URL}{statement.pk}/"), 404)
    api_error(client_for(stranger).get(f"{URL}{statement.pk}/pdf/"), 404)
    assert client_for(stranger).get(f"/console/statements/{statement.pk}/").status_code == 404
    assert client_for(stranger).get(URL).json() == []
    api_error(client_for(november.alice).get(f"{URL}{statement.pk}/"), 403)
    assert client_for(november.alice).get("/console/statements/").status_code == 403
    assert Statement.objects.get(pk=statement.pk).status == "draft"


def test_pages(november, client_for):
    client = client_for(november.oscar)
    page = client.get("/console/billing-rules/")
    assert page.status_code == 200
    (row,) = page.context["margins"]
    assert row.margin == Decimal("600.00")  # 1 900,00 billed − 1 300,00 cost
    response = client.post("/console/statements/", {"organization": "alpha", "month": "2026-11"})
    assert response.status_code == 302
    statement = Statement.objects.get(organization=november.alpha, month=NOV)
    assert client.get(f"/console/statements/{statement.pk}/").status_code == 200
    assert client.get("/console/statements/", {"status": "draft"}).context["statements"].count() == 1
    response = client.post("/console/statements/", {"organization": "alpha", "month": "2026-09"},
                           HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert russian("There is no cost data of the client for %(month)s: no statement was created.",
                   month="сентябрь 2026 г.") in response.content.decode()
    response = client.post("/console/billing-rules/new/", {"organization": "alpha", "markup_percent": "-200",
                                                           "provider_discount_percent": "0",
                                                           "pass_through_percent": "0", "fixed_monthly_fee": "0",
                                                           "minimum_charge": "0"})
    assert response.status_code == 200 and response.context["form"].errors


def test_admin_keeps_an_issued_statement_read_only(november, client_for, django_user_model):
    staff = django_user_model.objects.create_superuser(email="support@infrazen.test", password="Support-Pass-1")
    statement, _created = services_statements.statement_draft(partner=november.partner, organization=november.alpha,
                                                               month=NOV, actor=november.oscar)
    statement = services_statements.statement_issue(statement=statement, actor=november.oscar)
    client = client_for(staff)
    assert client.get("/admin/partners/billingrule/").status_code == 200
    assert client.get("/admin/partners/statement/").status_code == 200
    page = client.get(f"/admin/partners/statement/{statement.pk}/change/")
    assert page.status_code == 200 and not page.context["adminform"].form.fields
    assert client.post(f"/admin/partners/statement/{statement.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Statement.objects.filter(pk=statement.pk, status="issued").exists()
