"""Self-service signup on the public host: all of it is created, or nothing is."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django_tenants.utils import schema_exists

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.tenants.models import Domain, Organization
from tests.utils import CYRILLIC, form_errors, russian

HANDOFF = re.compile(r"^http://(?P<host>[a-z0-9-]+\.infrazen\.test)(?P<path>/auth/handoff/[0-9a-f-]{36}/)$")


def signup_data(**overrides) -> dict:
    data = {
        "organization_name": "Новая Компания",
        "slug": "newco",
        "full_name": "Nina New",
        "email": "nina@newco.test",
        "password": "Str0ng-Pass-Word",
        "password_confirm": "Str0ng-Pass-Word",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int, int, int, int]:
    return (
        User.objects.count(),
        Organization.objects.count(),
        Domain.objects.count(),
        Membership.objects.count(),
        EmailAddress.objects.count(),
    )


def test_signup_creates_user_organization_schema_domain_and_owner(w, client_for):
    response = client_for(None, None).post("/signup/", signup_data())
    assert response.status_code == 302, getattr(response, "context", None) and response.context["form"].errors
    match = HANDOFF.match(response["Location"])
    assert match, response["Location"]
    assert match["host"] == "newco.infrazen.test"

    user = User.objects.get(email="nina@newco.test")
    assert user.check_password("Str0ng-Pass-Word")
    assert user.full_name == "Nina New"
    organization = Organization.objects.get(slug="newco")
    assert organization.name == "Новая Компания"
    assert schema_exists(organization.schema_name)
    assert Domain.objects.get(domain="newco.infrazen.test").tenant == organization
    assert Membership.objects.get(organization=organization).user == user
    assert Membership.objects.get(organization=organization).role == Role.OWNER


def test_signup_handoff_logs_the_new_owner_into_the_organization_host(w, client_for):
    location = client_for(None, None).post("/signup/", signup_data())["Location"]
    match = HANDOFF.match(location)
    assert match, location

    fresh = client_for(None, "newco")
    assert fresh.get("/").status_code == 302  # not logged in on that host yet
    response = fresh.get(match["path"])
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert fresh.get("/").status_code == 200
    me = fresh.get("/api/v1/me/").json()
    assert (me["user"]["email"], me["role"], me["organization"]["slug"]) == ("nina@newco.test", "owner", "newco")


def test_new_organization_is_isolated_from_existing_ones(w, client_for):
    location = client_for(None, None).post("/signup/", signup_data())["Location"]
    fresh = client_for(None, "newco")
    fresh.get(HANDOFF.match(location)["path"])
    assert fresh.get("/", HTTP_HOST="alpha.infrazen.test").status_code == 403
    assert client_for(w.alice, "newco").get("/").status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "alpha"}, "slug", ("The address «%(slug)s» is already taken.", {"slug": "alpha"})),
        ({"slug": "Alpha"}, "slug", ("The address «%(slug)s» is already taken.", {"slug": "alpha"})),
        ({"email": "alice@alpha.test"}, "email", ("A user with this email is already registered. Log in instead.", {})),
        ({"email": "ALICE@Alpha.test"}, "email", ("A user with this email is already registered. Log in instead.", {})),
        ({"slug": "www"}, "slug", ("The address «%(slug)s» is reserved. Please choose another one.", {"slug": "www"})),
        ({"slug": "api"}, "slug", ("The address «%(slug)s» is reserved. Please choose another one.", {"slug": "api"})),
        (
            {"slug": "admin"},
            "slug",
            ("The address «%(slug)s» is reserved. Please choose another one.", {"slug": "admin"}),
        ),
        (
            {"slug": "public"},
            "slug",
            ("The address «%(slug)s» is reserved. Please choose another one.", {"slug": "public"}),
        ),
        (
            {"slug": "A!"},
            "slug",
            (
                "The address may contain Latin letters, digits and hyphens, 3 to 40 characters, "
                "and must start with a letter.",
                {},
            ),
        ),
        (
            {"slug": "ab"},
            "slug",
            (
                "The address may contain Latin letters, digits and hyphens, 3 to 40 characters, "
                "and must start with a letter.",
                {},
            ),
        ),
        (
            {"slug": "new_co"},
            "slug",
            (
                "The address may contain Latin letters, digits and hyphens, 3 to 40 characters, "
                "and must start with a letter.",
                {},
            ),
        ),
        ({"password_confirm": "Other-Pass-Word-1"}, "password_confirm", ("The passwords do not match.", {})),
    ],
)
def test_bad_signup_shows_an_error_and_creates_nothing(w, client_for, overrides, field, message):
    before = counts()
    data = signup_data(**overrides)
    response = client_for(None, None).post("/signup/", data)
    errors = form_errors(response)
    text, params = message
    assert russian(text, **params) in errors.get(field, []), errors
    assert counts() == before
    if data["slug"].lower() != "alpha":
        assert not schema_exists("org_" + data["slug"].lower().replace("-", "_"))
    assert not schema_exists("org_newco")
    assert not User.objects.filter(email="nina@newco.test").exists()
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.parametrize("password", ["12345678", "password", "nina@newco", "short"])
def test_weak_password_is_refused_in_russian_and_creates_nothing(w, client_for, password):
    before = counts()
    response = client_for(None, None).post("/signup/", signup_data(password=password, password_confirm=password))
    errors = form_errors(response)
    assert errors.get("password"), errors
    assert all(CYRILLIC.search(message) for message in errors["password"]), errors
    assert counts() == before
    assert not schema_exists("org_newco")


def test_missing_fields_are_reported_in_russian(w, client_for):
    before = counts()
    errors = form_errors(client_for(None, None).post("/signup/", signup_data(organization_name="", email="")))
    assert CYRILLIC.search(errors["organization_name"][0])
    assert CYRILLIC.search(errors["email"][0])
    assert counts() == before


def test_failed_signup_after_the_user_step_leaves_no_user_behind(w, client_for):
    # The slug is checked after the user is created inside the same transaction: that user must vanish.
    before = counts()
    client_for(None, None).post("/signup/", signup_data(slug="beta"))
    assert counts() == before
    assert not User.objects.filter(email="nina@newco.test").exists()
    assert connection.schema_name == "public"


def test_signup_page_is_on_the_public_host_only(w, client_for):
    assert client_for(None, None).get("/signup/").status_code == 200
    response = client_for(None, "alpha").get("/signup/")
    assert response.status_code == 302
    assert response["Location"] == "http://infrazen.test/signup/"


def test_signup_link_on_an_organization_login_page_leads_to_public_signup(w, client_for):
    client = client_for(None, "alpha")
    response = client.get("/accounts/signup/", follow=True)
    assert response.redirect_chain[-1] == ("http://infrazen.test/signup/", 302)


def test_logged_in_user_creates_another_organization_without_a_new_account(w, client_for):
    users = User.objects.count()
    response = client_for(w.bob, None).post("/signup/", {"organization_name": "Bob Two", "slug": "bob-two"})
    assert response.status_code == 302
    match = HANDOFF.match(response["Location"])
    assert match and match["host"] == "bob-two.infrazen.test"
    assert User.objects.count() == users
    organization = Organization.objects.get(slug="bob-two")
    assert Membership.objects.get(organization=organization).user == w.bob
    assert schema_exists("org_bob_two")
    fresh = client_for(None, "bob-two")
    fresh.get(match["path"])
    assert fresh.get("/api/v1/me/").json()["role"] == "owner"
    # Still the owner of beta, and nothing more.
    assert client_for(w.bob, "beta").get("/").status_code == 200
    assert client_for(w.bob, "alpha").get("/").status_code == 403


def test_the_verification_email_greets_from_infrazen_not_from_the_host(w, client_for):
    from django.core import mail

    response = client_for(None, None, SERVER_PORT="8000").post("/signup/", signup_data())
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["nina@newco.test"]
    assert message.subject.startswith("[InfraZen] ")
    assert "Вас приветствует InfraZen!" in message.body
    assert "localhost" not in message.subject + message.body
