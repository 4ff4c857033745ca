"""Billing rules and margins: hand-computed numbers, validation in Russian, partner isolation and roles."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from apps.accounts.models import PartnerMembership
from apps.accounts.roles import Role
from apps.partners import services_billing
from apps.partners.models import BillingRule, ClientMonthCost
from apps.tenants.models import Partner
from tests.utils import api_error, russian

pytestmark = pytest.mark.django_db

NOV = date(2026, 11, 1)
URL = "/api/v1/partner/billing-rules/"


def cost(org, month, provider, service, amount):
    return ClientMonthCost.objects.create(organization=org, partner_id=org.partner_id, month=month,
                                          provider=provider, service=service, cost=Decimal(amount))


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_margin_table_matches_hand_computed_numbers(w):
    cost(w.alpha, NOV, "Yandex Cloud", "Compute Cloud", "1000.00")
    cost(w.alpha, NOV, "Beget", "VPS", "300.00")
    services_billing.billing_rule_create(partner=w.partner, actor=w.oscar, organization=w.alpha,
                                         provider="Yandex Cloud", markup_percent="10")
    services_billing.billing_rule_create(partner=w.partner, actor=w.oscar, organization=w.alpha,
                                         provider="Beget", fixed_monthly_fee="500")
    (row,) = services_billing.margin_table(partner=w.partner)
    # Yandex Cloud 1 000,00 × 1,10 = 1 100,00; Beget 300,00 at cost; fee 500,00 -> billed 1 900,00.
    # cost 1 300,00 -> margin 600,00 = 31,6 % of 1 900,00 (600 / 1900 = 0,31578…).
    assert (row.cost, row.billed, row.margin, row.margin_percent) == (
        Decimal("1300.00"), Decimal("1900.00"), Decimal("600.00"), Decimal("31.6"))


def test_api_crud_and_decimal_strings(w, client_for):
    client = client_for(w.oscar)
    response = post(client, URL, {"organization": "alpha", "provider": "Yandex Cloud", "markup_percent": "10"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organization"] == "alpha" and body["markup_percent"] == "10.00"
    assert body["fixed_monthly_fee"] == "0.00"
    rule_id = body["id"]
    response = client.patch(f"{URL}{rule_id}/", json.dumps({"fixed_monthly_fee": "500"}),
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["fixed_monthly_fee"] == "500.00"
    assert [r["id"] for r in client.get(URL).json()] == [rule_id]
    assert client.delete(f"{URL}{rule_id}/").status_code == 204
    assert not BillingRule.objects.filter(pk=rule_id).exists()


def test_partner_wide_rule_has_null_organization(w, client_for):
    response = post(client_for(w.oscar), URL, {"organization": None, "markup_percent": "5"})
    assert response.status_code == 201 and response.json()["organization"] is None


def test_negative_bill_rule_is_refused_in_russian(w, client_for):
    client = client_for(w.oscar, HTTP_ACCEPT_LANGUAGE="ru")
    error = api_error(post(client, URL, {"organization": "alpha", "markup_percent": "-150"}), 400, "invalid")
    assert error["message"] == russian("A markup below −100 % would make the bill negative: enter −100 % or more.")
    assert "отрицательн" in error["message"]
    error = api_error(post(client, URL, {"organization": "alpha", "fixed_monthly_fee": "-1"}), 400)
    assert error["details"]["field"] == "fixed_monthly_fee"
    api_error(post(client, URL, {"organization": "alpha", "provider_discount_percent": "100"}), 400)
    api_error(post(client, URL, {"organization": "alpha", "pass_through_percent": "101"}), 400)
    assert not BillingRule.objects.exists()


def test_negative_costs_priced_up_are_refused(w):
    # A month of credits: −100,00 ₽ of cost; a 10 % markup bills −110,00 ₽ -> refused, nothing saved.
    cost(w.alpha, NOV, "Beget", "Credit", "-100.00")
    with pytest.raises(services_billing.ApplicationError):
        services_billing.billing_rule_create(partner=w.partner, actor=w.oscar, organization=w.alpha,
                                             markup_percent="10")
    assert not BillingRule.objects.exists()


def test_duplicate_scope_and_foreign_client_refused(w, client_for):
    client = client_for(w.oscar)
    assert post(client, URL, {"organization": "alpha", "provider": "Beget"}).status_code == 201
    api_error(post(client, URL, {"organization": "alpha", "provider": "Beget"}), 400)
    # beta is not a client of the MSP.
    error = api_error(post(client, URL, {"organization": "beta", "provider": "Beget"}), 400)
    assert error["details"]["field"] == "organization"


def test_viewer_403_other_partner_404_client_member_403(w, client_for, django_user_model):
    rule = services_billing.billing_rule_create(partner=w.partner, actor=w.oscar, organization=w.alpha,
                                                markup_percent="10")
    viewer = django_user_model.objects.create_user(email="vic@msp.test", password="x" * 12)
    PartnerMembership.objects.create(user=viewer, partner=w.partner, role=Role.VIEWER)
    client = client_for(viewer)
    assert client.get(URL).status_code == 200
    api_error(post(client, URL, {"organization": "alpha"}), 403)
    api_error(client.delete(f"{URL}{rule.pk}/"), 403)
    other = Partner.objects.create(slug="other", name="Other MSP")
    stranger = django_user_model.objects.create_user(email="sam@other.test", password="x" * 12)
    PartnerMembership.objects.create(user=stranger, partner=other, role=Role.ADMIN)
    api_error(client_for(stranger).get(f"{URL}{rule.pk}/"), 404)
    assert client_for(stranger).get(URL).json() == []
    # alice owns alpha but is no member of the MSP.
    api_error(client_for(w.alice).get(URL), 403)
    api_error(client_for(None).get(URL), 401)
