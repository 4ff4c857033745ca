"""One organization never sees another: pages, API (session and token), admin, hosts and guessed ids."""

from __future__ import annotations

import pytest

from apps.accounts.models import Invitation, Membership, User
from apps.accounts.roles import Role
from apps.accounts.services import invitation_create
from apps.tenants.models import Organization
from tests.conftest import PASSWORD
from tests.utils import api_error

BETA_SECRET = "bob@beta.test"  # an email only beta's member list contains

PAGES = ["/", "/settings/members/"]
API = ["/api/v1/me/", "/api/v1/members/"]


@pytest.mark.parametrize("path", PAGES)
def test_member_of_alpha_opens_alpha_pages(w, client_for, path):
    assert client_for(w.alice, "alpha").get(path).status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_member_of_alpha_is_refused_beta_pages(w, client_for, path):
    response = client_for(w.alice, "beta").get(path)
    assert response.status_code == 403
    assert BETA_SECRET.encode() not in response.content


@pytest.mark.parametrize("path", PAGES)
def test_member_of_beta_is_refused_alpha_pages(w, client_for, path):
    response = client_for(w.charlie, "alpha").get(path)
    assert response.status_code == 403
    assert b"alice@alpha.test" not in response.content


def test_anonymous_visitor_of_an_organization_is_sent_to_login(w, client_for):
    response = client_for(None, "alpha").get("/settings/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_member_list_api_with_session_shows_own_organization_only(w, client_for):
    response = client_for(w.alice, "alpha").get("/api/v1/members/")
    assert response.status_code == 200
    emails = {row["user"]["email"] for row in response.json()["results"]}
    assert emails == {"alice@alpha.test", "adam@alpha.test", "fiona@alpha.test", "erin@alpha.test", "vera@alpha.test"}


@pytest.mark.parametrize("path", API)
def test_member_of_alpha_is_refused_beta_api_with_session(w, client_for, path):
    response = client_for(w.alice, "beta").get(path)
    api_error(response, 403, "permission_denied")
    assert BETA_SECRET.encode() not in response.content


@pytest.mark.parametrize("keyword", ["Bearer", "Token"])
def test_token_of_alpha_member_works_on_alpha(w, token_client, keyword):
    response = token_client(w.alice, "alpha", keyword).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["organization"]["slug"] == "alpha"
    assert response.json()["user"]["email"] == "alice@alpha.test"


@pytest.mark.parametrize("keyword", ["Bearer", "Token"])
@pytest.mark.parametrize("path", API)
def test_token_of_alpha_member_is_refused_on_beta(w, token_client, keyword, path):
    response = token_client(w.alice, "beta", keyword).get(path)
    api_error(response, 403, "permission_denied")
    assert BETA_SECRET.encode() not in response.content


def test_unknown_token_is_rejected_with_401(w, client_for):
    response = client_for(None, "alpha", HTTP_AUTHORIZATION="Bearer " + "0" * 40).get("/api/v1/me/")
    api_error(response, 401, "authentication_failed")


def test_api_without_credentials_answers_401(w, client_for):
    api_error(client_for(None, "alpha").get("/api/v1/members/"), 401, "not_authenticated")


def test_admin_does_not_exist_on_an_organization_host(w, client_for):
    staff = User.objects.create_superuser(email="root@infrazen.test", password="Very-Secret-991")
    Membership.objects.create(user=staff, organization=w.alpha, role=Role.OWNER)
    assert client_for(staff, "alpha").get("/admin/").status_code == 404
    assert client_for(w.alice, "alpha").get("/admin/").status_code == 404


def test_non_staff_user_cannot_enter_admin_on_public_host(w, client_for):
    client = client_for(w.alice, None)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    anonymous = client_for(None, None)
    response = anonymous.post("/admin/login/?next=/admin/", {"username": "alice@alpha.test", "password": PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert anonymous.get("/admin/").status_code == 302


def test_staff_user_enters_admin_on_public_host(w, client_for):
    staff = User.objects.create_superuser(email="root@infrazen.test", password="Very-Secret-991")
    assert client_for(staff, None).get("/admin/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/settings/members/", "/api/v1/members/", "/api/v1/me/"])
def test_forged_host_header_does_not_carry_alpha_session_into_beta(w, client_for, path):
    client = client_for(w.alice, "alpha")
    assert client.get(path).status_code == 200
    response = client.get(path, HTTP_HOST="beta.infrazen.test")
    assert response.status_code == 403
    assert BETA_SECRET.encode() not in response.content


@pytest.mark.parametrize(
    ("hostname", "statuses"),
    [
        ("nosuch.infrazen.test", {404}),
        ("a..b.infrazen.test", {404}),
        # Hosts outside ALLOWED_HOSTS: Django says 400, django-tenants answers them 404 before Django looks.
        ("evil.com", {400, 404}),
        ("a..b", {400, 404}),
        ("alpha.infrazen.test.evil.com", {400, 404}),
    ],
)
@pytest.mark.parametrize("path", ["/", "/api/v1/members/", "/settings/members/"])
def test_unknown_or_malformed_host_is_refused_and_leaks_nothing(w, client_for, hostname, statuses, path):
    client = client_for(w.alice, "alpha")
    response = client.get(path, HTTP_HOST=hostname)
    assert response.status_code in statuses
    assert b"alice@alpha.test" not in response.content
    assert BETA_SECRET.encode() not in response.content


# --- Guessing ids of another organization ---------------------------------------------------------


@pytest.fixture
def bob_membership(w) -> Membership:
    return Membership.objects.get(user=w.bob, organization=w.beta)


@pytest.fixture
def beta_invitation(w) -> Invitation:
    return invitation_create(
        organization=w.beta, email="newbie@beta.test", role=Role.ADMIN, actor=w.bob, actor_role=Role.OWNER
    ).invitation


def test_membership_of_beta_is_not_found_through_alpha_api(w, client_for, bob_membership):
    client = client_for(w.adam, "alpha")
    url = f"/api/v1/members/{bob_membership.pk}/"
    api_error(client.get(url), 404, "not_found")
    api_error(client.patch(url, {"role": Role.VIEWER}, content_type="application/json"), 404, "not_found")
    api_error(client.delete(url), 404, "not_found")
    bob_membership.refresh_from_db()
    assert bob_membership.role == Role.OWNER


def test_membership_of_alpha_is_found_through_alpha_api(w, client_for):
    vera = Membership.objects.get(user=w.vera, organization=w.alpha)
    response = client_for(w.adam, "alpha").get(f"/api/v1/members/{vera.pk}/")
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "vera@alpha.test"


def test_invitation_of_beta_is_not_found_through_alpha_api(w, client_for, beta_invitation):
    client = client_for(w.adam, "alpha")
    url = f"/api/v1/invitations/{beta_invitation.pk}/"
    api_error(client.get(url), 404, "not_found")
    api_error(client.delete(url), 404, "not_found")
    listed = client.get("/api/v1/invitations/")
    assert listed.status_code == 200
    assert "newbie@beta.test" not in {row["email"] for row in listed.json()["results"]}
    beta_invitation.refresh_from_db()
    assert beta_invitation.status == Invitation.Status.PENDING


def test_membership_of_beta_cannot_be_changed_through_alpha_pages(w, client_for, bob_membership):
    client = client_for(w.alice, "alpha")
    assert client.post(f"/settings/members/{bob_membership.pk}/role/", {"role": Role.VIEWER}).status_code == 404
    assert client.post(f"/settings/members/{bob_membership.pk}/remove/").status_code == 404
    bob_membership.refresh_from_db()
    assert bob_membership.role == Role.OWNER


def test_invitation_of_beta_cannot_be_revoked_through_alpha_pages(w, client_for, beta_invitation):
    response = client_for(w.alice, "alpha").post(f"/settings/invitations/{beta_invitation.pk}/revoke/")
    assert response.status_code == 404
    beta_invitation.refresh_from_db()
    assert beta_invitation.status == Invitation.Status.PENDING


def test_deactivated_organization_is_closed_to_everyone(w, client_for, token_client):
    Organization.objects.filter(pk=w.alpha.pk).update(is_active=False)
    assert client_for(w.alice, "alpha").get("/").status_code == 404
    assert token_client(w.alice, "alpha").get("/api/v1/me/").status_code == 404
    response = client_for(w.oscar, None).get("/orgs/")
    assert "alpha" not in {o.slug for o in response.context["clients"]}
    assert client_for(w.oscar, None).get("/go/alpha/").status_code == 404
