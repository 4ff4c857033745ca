"""Requisites: the ИНН checksum (computed by hand below), the КПП shape, required-together rules in Russian;
the «Реквизиты» section of the organization profile (admins change, viewers do not); the partner's requisites
page and ``/api/v1/partner/profile/`` on the public host (members read, manage changes, others 403)."""

from __future__ import annotations

import pytest
from django.utils import translation

from apps.common.errors import ApplicationError
from apps.tenants.models import Organization, Partner
from apps.tenants.services import inn_is_valid, requisites_validate
from tests.utils import api_error, russian

pytestmark = pytest.mark.django_db

# Сбербанк, ИНН 7707083893 (10 digits). Weights 2 4 10 3 5 9 4 6 8 over 7 7 0 7 0 8 3 8 9:
# 14 + 28 + 0 + 21 + 0 + 72 + 12 + 48 + 72 = 267; 267 mod 11 = 3 (11 * 24 = 264); 3 mod 10 = 3 = last digit.
SBER_INN = "7707083893"
SBER_KPP = "773601001"
# A 12-digit ИНН built by hand from 5001234567: weights for n11 7 2 4 10 3 5 9 4 6 8 over 5 0 0 1 2 3 4 5 6 7:
# 35 + 0 + 0 + 10 + 6 + 15 + 36 + 20 + 36 + 56 = 214; 214 mod 11 = 5 (11 * 19 = 209) -> n11 = 5.
# n12 weights 3 7 2 4 10 3 5 9 4 6 8 over 5 0 0 1 2 3 4 5 6 7 5:
# 15 + 0 + 0 + 4 + 20 + 9 + 20 + 45 + 24 + 42 + 40 = 219; 219 mod 11 = 10 (11 * 19 = 209); 10 mod 10 = 0 -> n12 = 0.
IP_INN = "500123456750"


def _fields(**values) -> dict[str, str]:
    with translation.override("ru"), pytest.raises(ApplicationError) as caught:
        requisites_validate(**values)
    return caught.value.extra["fields"]


def test_inn_checksums_computed_by_hand():
    assert inn_is_valid(SBER_INN)
    assert inn_is_valid(IP_INN)
    assert not inn_is_valid("7707083894")  # last digit off by one
    assert not inn_is_valid("500123456751")  # n12 should be 0
    assert not inn_is_valid("500123456740")  # n11 should be 5
    assert not inn_is_valid("77070838")  # 8 digits
    assert not inn_is_valid("77070838９3")  # a full-width digit is not an ASCII digit


def test_valid_requisites_are_cleaned():
    assert requisites_validate(
        legal_name="  ПАО   Сбербанк ", inn=" 7707 083893 ", kpp="773601001", legal_address="Москва, ул. Вавилова, 19"
    ) == {"legal_name": "ПАО Сбербанк", "inn": SBER_INN, "kpp": SBER_KPP, "legal_address": "Москва, ул. Вавилова, 19"}
    assert requisites_validate(legal_name="ИП Иванов", inn=IP_INN)["kpp"] == ""
    assert requisites_validate() == {"legal_name": "", "inn": "", "kpp": "", "legal_address": ""}
    # The КПП's middle pair may be Latin capitals (lower case is accepted and upper-cased).
    assert requisites_validate(legal_name="ООО", inn=SBER_INN, kpp="7736ab001")["kpp"] == "7736AB001"


def test_bad_requisites_are_refused_in_russian():
    assert _fields(legal_name="ПАО Сбербанк", inn="7707083894") == {
        "inn": russian("The INN check digit does not match: check the number.")
    }
    assert _fields(legal_name="ПАО Сбербанк", inn="12345") == {
        "inn": russian("The INN has 10 digits for a legal entity or 12 for an individual entrepreneur.")
    }
    assert _fields(legal_name="ПАО Сбербанк", inn=SBER_INN, kpp="77360100") == {
        "kpp": russian("The KPP has 9 characters: 4 digits, 2 digits or Latin capital letters, 3 digits.")
    }
    assert _fields(legal_name="ИП Иванов", inn=IP_INN, kpp=SBER_KPP) == {
        "kpp": russian("An individual entrepreneur has no KPP: leave it empty.")
    }
    # Required together: an address alone asks for both the legal name and the ИНН.
    assert _fields(legal_address="Москва") == {
        "legal_name": russian("Enter the legal name: statements need it together with the INN."),
        "inn": russian("Enter the INN: statements need it together with the legal name."),
    }
    assert "ИНН" in russian("Enter the INN: statements need it together with the legal name.")


PROFILE = "/settings/organization/"


def _requisites_post(**values) -> dict[str, str]:
    return {"section": "requisites", **{f"requisites-{k}": v for k, v in values.items()}}


def test_admin_saves_the_organization_requisites(w, client_for):
    client = client_for(w.adam, "alpha")
    page = client.get(PROFILE)
    assert page.status_code == 200 and "Реквизиты" in page.content.decode()
    response = client.post(
        PROFILE, _requisites_post(legal_name="ООО «Альфа»", inn=SBER_INN, kpp=SBER_KPP, legal_address="Москва")
    )
    assert response.status_code == 302
    alpha = Organization.objects.get(pk=w.alpha.pk)
    assert (alpha.legal_name, alpha.inn, alpha.kpp, alpha.legal_address) == (
        "ООО «Альфа»",
        SBER_INN,
        SBER_KPP,
        "Москва",
    )
    assert alpha.requisites()["inn"] == SBER_INN
    assert alpha.name == "Alpha LLC"  # the profile form was not touched


def test_bad_organization_requisites_show_the_reason_and_save_nothing(w, client_for):
    client = client_for(w.alice, "alpha")
    response = client.post(PROFILE, _requisites_post(legal_name="ООО «Альфа»", inn="7707083894"))
    assert response.status_code == 400
    assert response.context["requisites_form"].errors["inn"] == [
        russian("The INN check digit does not match: check the number.")
    ]
    assert Organization.objects.get(pk=w.alpha.pk).inn == ""


def test_viewer_cannot_change_requisites(w, client_for):
    client = client_for(w.vera, "alpha")
    assert client.get(PROFILE).status_code == 200
    assert client.post(PROFILE, _requisites_post(legal_name="X", inn=SBER_INN)).status_code == 403
    assert Organization.objects.get(pk=w.alpha.pk).inn == ""


# --- the partner (public host) -----------------------------------------------------------------------------------

PARTNER_PAGE = "/console/requisites/"
PARTNER_API = "/api/v1/partner/profile/"


def _member(w, role: str, email: str):
    from apps.accounts.models import PartnerMembership, User
    from tests.conftest import PASSWORD

    user = User.objects.create_user(email=email, password=PASSWORD, full_name=email)
    PartnerMembership.objects.create(user=user, partner=w.partner, role=role)
    return user


def test_partner_admin_saves_requisites_on_the_page(w, client_for):
    client = client_for(w.oscar, None)
    assert client.get(PARTNER_PAGE).status_code == 200
    response = client.post(
        PARTNER_PAGE,
        {"name": "MSP Partner", "legal_name": "ООО «МСП»", "inn": SBER_INN, "kpp": SBER_KPP, "legal_address": "Москва"},
    )
    assert response.status_code == 302
    partner = Partner.objects.get(pk=w.partner.pk)
    assert partner.requisites() == {
        "legal_name": "ООО «МСП»",
        "inn": SBER_INN,
        "kpp": SBER_KPP,
        "legal_address": "Москва",
    }
    bad = client.post(PARTNER_PAGE, {"name": "MSP Partner", "legal_name": "ООО «МСП»", "inn": "1234567890"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["inn"] == [russian("The INN check digit does not match: check the number.")]


def test_partner_viewer_reads_but_cannot_change(w, client_for):
    viewer = _member(w, "viewer", "pv@msp.test")
    client = client_for(viewer, None)
    assert client.get(PARTNER_PAGE).status_code == 200
    assert client.post(PARTNER_PAGE, {"name": "Hacked", "legal_name": "X", "inn": SBER_INN}).status_code == 403
    assert client.get(PARTNER_API).status_code == 200
    api_error(client.put(PARTNER_API, {"name": "Hacked"}, content_type="application/json"), 403, "permission_denied")
    assert Partner.objects.get(pk=w.partner.pk).name == "MSP Partner"


def test_a_plain_user_gets_403(w, client_for):
    client = client_for(w.alice, None)
    assert client.get(PARTNER_PAGE).status_code == 403
    api_error(client.get(PARTNER_API), 403, "permission_denied")
    api_error(client_for(None, None).get(PARTNER_API), 401, "not_authenticated")


def test_partner_profile_api(w, client_for):
    client = client_for(w.oscar, None)
    assert client.get(PARTNER_API).json() == {
        "name": "MSP Partner",
        "legal_name": "",
        "inn": "",
        "kpp": "",
        "legal_address": "",
    }
    body = {
        "name": "MSP Partner",
        "legal_name": "ООО «МСП»",
        "inn": SBER_INN,
        "kpp": SBER_KPP,
        "legal_address": "Москва",
    }
    response = client.put(PARTNER_API, body, content_type="application/json")
    assert response.status_code == 200 and response.json() == body
    with translation.override("ru"):
        error = api_error(
            client.put(PARTNER_API, {**body, "kpp": "12"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru"),
            400,
            "requisites_invalid",
        )
    assert error["details"]["fields"] == {
        "kpp": russian("The KPP has 9 characters: 4 digits, 2 digits or Latin capital letters, 3 digits.")
    }
    assert Partner.objects.get(pk=w.partner.pk).kpp == SBER_KPP
