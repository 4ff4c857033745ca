"""Real Chromium against a real server: an MSP operator opens the console, sees a client's spend and margin, walks
into the client through the hand-off link and back, drafts the client's statement for last month and downloads
its PDF."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import PartnerMembership, User
from apps.accounts.roles import Role
from apps.costs.services.rollups import cost_rollups_refresh
from apps.partners.models import BillingRule, Statement
from apps.partners.tasks import partner_clients_refresh_now
from apps.tenants.models import Organization, Partner
from apps.tenants.services import organization_create
from tests.conftest import PASSWORD
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.browser

SLUG = "consolebrowser"


@pytest.fixture(scope="module")
def msp(world, django_db_blocker):
    """Partner «Облачный интегратор» with operator olga over client «Консоль Клиент»: last month 10 000,00 ₽ of
    Yandex Cloud, billed with a 10 % markup -> 11 000,00 ₽ without VAT, 2 200,00 ₽ VAT, 13 200,00 ₽ in all."""
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        partner = Partner.objects.create(slug="console-msp", name="Облачный интегратор", legal_name="ООО «Интегратор»",
                                         inn="7709123453", kpp="770901001", legal_address="Москва, Ильинка, 4")
        client = organization_create(slug=SLUG, name="Консоль Клиент", partner=partner)
        Organization.objects.filter(pk=client.pk).update(legal_name="ООО «Консоль Клиент»", inn="5003012349",
                                                         kpp="500301001", legal_address="Видное, Школьная, 10")
        operator = User.objects.create_user(email="olga@console-msp.test", password=PASSWORD, full_name="Ольга")
        PartnerMembership.objects.create(user=operator, partner=partner, role=Role.ADMIN)
        BillingRule.objects.create(partner=partner, provider="Yandex Cloud", markup_percent=10)
        with schema_context(client.schema_name):
            ledger([row(last_month, "4000.00"), row(last_month + timedelta(days=1), "6000.00")])
            cost_rollups_refresh(start=last_month, end=today, fetch_missing_rates=False)
        partner_clients_refresh_now(partner)
        connection.set_schema_to_public()
    yield operator, client, last_month
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        Statement.objects.filter(partner=partner).delete()
        operator.delete()
        Organization.objects.get(pk=client.pk).delete(force_drop=True)
        partner.delete()


def test_the_operator_walks_from_the_console_into_a_client_and_back_and_downloads_a_statement(msp, live_url, page):
    from pypdf import PdfReader

    operator, client, last_month = msp
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_url(None, "/accounts/login/"))
    page.fill("input[name=login]", operator.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    page.goto(live_url(None, "/console/"))
    console = page.locator("[data-partner-console]").inner_text().replace("\xa0", " ")
    assert "Консоль MSP" in console and "Консоль Клиент" in console
    assert "Beta JSC" not in console and "Alpha LLC" not in console  # other partners' clients stay hidden

    page.locator(f"a[href='/go/{SLUG}/']").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url == live_url(SLUG, "/")
    back = page.locator("[data-msp-back]")
    assert back.is_visible()
    back.click()
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(live_url(None, "/console/"))

    page.get_by_role("link", name="Выписки").click()
    page.wait_for_load_state("networkidle")
    page.select_option("select[name=organization]", SLUG)
    page.fill("input[name=month]", f"{last_month:%Y-%m}")
    page.get_by_role("button", name="Создать черновик").click()
    page.wait_for_load_state("networkidle")
    detail = page.locator("body").inner_text().replace("\xa0", " ")
    # 10 000,00 × 1,10 = 11 000,00 without VAT; VAT 20 % = 2 200,00; total 13 200,00
    assert "11 000,00 ₽" in detail and "2 200,00 ₽" in detail and "13 200,00 ₽" in detail

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Скачать PDF").click()
    content = open(download_info.value.path(), "rb").read()  # noqa: SIM115 -- a temporary file of the browser
    assert content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).replace("\xa0", " ")
    assert "Черновик выписки" in text and "13 200,00 ₽" in text and "ИНН 5003012349" in text.replace(":", "")
    assert errors == []
