"""Onboarding a client from the console: ``/console/clients/new/`` and ``POST /api/v1/partner/clients/`` on the
public host create the client organization (its schema, kind «MSP client», requisites), send the invitations
(mail.outbox) and lead to the client's «Добавить провайдера» page through the hand-off link; a viewer, a plain
user and another partner's member cannot onboard into this partner."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django_tenants.utils import schema_exists

from apps.accounts.models import Invitation, PartnerMembership, User
from apps.tenants.models import Organization, Partner
from tests.conftest import PASSWORD
from tests.utils import api_error, russian

pytestmark = pytest.mark.django_db

PAGE = "/console/clients/new/"
API = "/api/v1/partner/clients/"
SBER_INN = "7707083893"  # checksum worked out in tests/tenants/test_requisites.py


def _partner_user(partner: Partner, email: str, role: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=email)
    PartnerMembership.objects.create(user=user, partner=partner, role=role)
    return user


def test_operator_onboards_a_client_through_the_page(w, client_for):
    client = client_for(w.oscar, None)
    assert client.get(PAGE).status_code == 200
    response = client.post(PAGE, {
        "name": "Дельта", "slug": "", "currency": "RUB", "timezone": "Asia/Yekaterinburg",
        "legal_name": "ООО «Дельта»", "inn": SBER_INN, "kpp": "773601001", "legal_address": "Екатеринбург",
        "email_1": "ceo@delta.test", "role_1": "owner", "email_2": "cfo@delta.test", "role_2": "finance",
        "email_3": "", "role_3": "viewer",
    })
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?created=delta"
    delta = Organization.objects.get(slug="delta")  # «Дельта» transliterated
    assert (delta.kind, delta.partner_id, delta.timezone) == ("msp_client", w.partner.pk, "Asia/Yekaterinburg")
    assert (delta.legal_name, delta.inn, delta.kpp) == ("ООО «Дельта»", SBER_INN, "773601001")
    assert schema_exists(delta.schema_name)
    assert sorted((i.email, i.role) for i in Invitation.objects.filter(organization=delta)) == [
        ("ceo@delta.test", "owner"), ("cfo@delta.test", "finance")]
    assert sorted(m.to[0] for m in mail.outbox) == ["ceo@delta.test", "cfo@delta.test"]
    assert "Дельта" in mail.outbox[0].subject
    done = client.get(response["Location"])
    html = done.content.decode()
    assert "Добавить подключение" in html
    assert done.context["add_connection_url"] == "/go/delta/?next=%2Fconnections%2F"
    # The hand-off link really opens the client's connections page for the operator.
    go = client.get(done.context["add_connection_url"])
    assert go.status_code == 302 and go["Location"].startswith("http://delta.infrazen.test")
    connection.set_schema_to_public()


def test_bad_input_shows_the_reasons_and_creates_nothing(w, client_for):
    client = client_for(w.oscar, None)
    response = client.post(PAGE, {"name": "Эпсилон", "slug": "epsilon", "currency": "RUB",
                                  "timezone": "Europe/Moscow", "legal_name": "ООО", "inn": "7707083894",
                                  "role_1": "owner", "role_2": "viewer", "role_3": "viewer"})
    assert response.status_code == 400
    assert response.context["form"].errors["inn"] == [russian("The INN check digit does not match: check the number.")]
    taken = client.post(PAGE, {"name": "Alpha again", "slug": "alpha", "currency": "RUB",
                               "timezone": "Europe/Moscow", "role_1": "owner", "role_2": "viewer", "role_3": "viewer"})
    assert taken.status_code == 400
    assert taken.context["form"].errors["slug"] == [russian("The address «%(slug)s» is already taken.", slug="alpha")]
    assert not Organization.objects.filter(slug="epsilon").exists() and not mail.outbox


def test_viewer_and_plain_user_get_403(w, client_for):
    viewer = _partner_user(w.partner, "pv@msp.test", "viewer")
    assert client_for(viewer, None).get(PAGE).status_code == 403
    assert client_for(viewer, None).post(PAGE, {"name": "X", "slug": "xclient"}).status_code == 403
    assert client_for(w.alice, None).get(PAGE).status_code == 403
    api_error(client_for(w.alice, None).post(API, {"name": "X"}, content_type="application/json"), 403,
              "permission_denied")
    api_error(client_for(viewer, None).post(API, {"name": "X"}, content_type="application/json"), 403,
              "permission_denied")
    assert not Organization.objects.filter(slug="x").exists()


def test_another_partner_cannot_onboard_into_this_partner(w, client_for):
    other = Partner.objects.create(slug="other-msp", name="Other MSP")
    olga = _partner_user(other, "olga@other.test", "admin")
    # Asking for this partner by slug finds no membership: 403.
    assert client_for(olga, None).get(PAGE, {"partner": "msp"}).status_code == 403
    response = client_for(olga, None).post(API + "?partner=msp", {"name": "Зета", "slug": "zeta"},
                                           content_type="application/json")
    api_error(response, 403, "permission_denied")
    # Without the slug the client is created in her own partner, never in «MSP».
    response = client_for(olga, None).post(API, {"name": "Зета", "slug": "zeta"}, content_type="application/json")
    assert response.status_code == 201
    assert Organization.objects.get(slug="zeta").partner_id == other.pk
    connection.set_schema_to_public()


def test_api_creates_a_client_with_invitations(w, client_for):
    response = client_for(w.oscar, None).post(API, {
        "name": "Эта", "slug": "eta", "currency": "RUB", "legal_name": "ИП Иванов", "inn": "500123456750",
        "invitations": [{"email": "Boss@Eta.test", "role": "owner"}],
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    eta = Organization.objects.get(slug="eta")
    assert response.json() == {"id": eta.pk, "slug": "eta", "name": "Эта", "host": "eta.infrazen.test",
                               "add_connection_url": "/go/eta/?next=%2Fconnections%2F",
                               "invitations": [{"email": "boss@eta.test", "role": "owner"}]}
    assert schema_exists(eta.schema_name) and [m.to for m in mail.outbox] == [["boss@eta.test"]]
    connection.set_schema_to_public()


def test_api_refuses_bad_input_in_russian(w, client_for):
    client = client_for(w.oscar, None)
    error = api_error(client.post(API, {"name": "Тета", "slug": "theta", "inn": "12",
                                        "legal_name": "ООО"}, content_type="application/json"), 400,
                      "requisites_invalid")
    assert error["message"] == russian(
        "The INN has 10 digits for a legal entity or 12 for an individual entrepreneur.")
    api_error(client.post(API, {"name": "Тета", "invitations": [{"email": "nope"}]},
                          content_type="application/json"), 400, "invalid")
    api_error(client_for(None, None).post(API, {"name": "X"}, content_type="application/json"), 401)
    assert not Organization.objects.filter(slug="theta").exists()
