"""Invitations: sent by email, accepted by new and existing people, refused when expired, revoked or reused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.accounts.models import Invitation, Membership, User
from apps.accounts.roles import Role
from apps.accounts.services import invitation_create
from tests.conftest import PASSWORD

LINK = re.compile(r"http://alpha\.infrazen\.test/invitations/(?P<token>[A-Za-z0-9_-]+)/")
NEW_PASSWORD = "Fresh-Start-2024"


def link_from_outbox() -> tuple[str, str]:
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    match = LINK.search(mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match[0], f"/invitations/{match['token']}/"


def invite(w, email: str, role: str = Role.ENGINEER) -> str:
    """Alice invites ``email`` to alpha; returns the link's path."""
    url = invitation_create(organization=w.alpha, email=email, role=role, actor=w.alice, actor_role=Role.OWNER).url
    match = LINK.fullmatch(url)
    assert match, url
    return f"/invitations/{match['token']}/"


def accept_as_new(client, path: str):
    return client.post(path, {"full_name": "Newton New", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})


def test_owner_invites_through_the_page_and_an_email_with_the_link_is_sent(w, client_for):
    response = client_for(w.alice, "alpha").post(
        "/settings/invitations/", {"email": "newton@new.test", "role": "finance"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=w.alpha, email="newton@new.test")
    assert (invitation.role, invitation.status) == (Role.FINANCE, Invitation.Status.PENDING)
    _url, _path = link_from_outbox()
    assert mail.outbox[0].to == ["newton@new.test"]
    assert "Alpha LLC" in mail.outbox[0].subject


def test_owner_invites_through_the_api_and_an_email_with_the_link_is_sent(w, client_for):
    response = client_for(w.alice, "alpha").post(
        "/api/v1/invitations/", {"email": "newton@new.test", "role": "admin"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert response.json()["role"] == "admin"
    link_from_outbox()
    # Only a hash of the token is stored.
    token = link_from_outbox()[1].split("/")[2]
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert token not in response.content.decode()


def test_new_person_accepts_an_invitation_and_becomes_a_member(w, client_for):
    client_for(w.alice, "alpha").post("/settings/invitations/", {"email": "newton@new.test", "role": "finance"})
    _url, path = link_from_outbox()

    client = client_for(None, "alpha")
    assert client.get(path).status_code == 200
    response = accept_as_new(client, path)
    assert response.status_code == 302
    assert response["Location"] == "/"

    user = User.objects.get(email="newton@new.test")
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=user, organization=w.alpha).role == Role.FINANCE
    invitation = Invitation.objects.get(email="newton@new.test")
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == user
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").json()["role"] == "finance"


def test_new_person_with_mismatched_passwords_gets_the_form_again(w, client_for):
    path = invite(w, "newton@new.test")
    client = client_for(None, "alpha")
    response = client.post(path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD + "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["password_confirm"]
    assert not User.objects.filter(email="newton@new.test").exists()
    assert Invitation.objects.get(email="newton@new.test").status == Invitation.Status.PENDING


def test_new_person_with_a_weak_password_gets_the_form_again(w, client_for):
    path = invite(w, "newton@new.test")
    response = client_for(None, "alpha").post(path, {"password": "12345678", "password_confirm": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert not User.objects.filter(email="newton@new.test").exists()
    assert Invitation.objects.get(email="newton@new.test").status == Invitation.Status.PENDING


def test_existing_user_must_log_in_before_accepting(w, client_for):
    path = invite(w, "charlie@beta.test", Role.VIEWER)
    client = client_for(None, "alpha")
    response = client.post(path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Membership.objects.filter(user=w.charlie, organization=w.alpha).exists()
    assert User.objects.get(pk=w.charlie.pk).check_password(
        PASSWORD
    )  # the anonymous form cannot reset an existing password

    login = client.post("/accounts/login/", {"login": "charlie@beta.test", "password": PASSWORD})
    assert login.status_code == 302
    response = client.post(path)
    assert response.status_code == 302
    assert Membership.objects.get(user=w.charlie, organization=w.alpha).role == Role.VIEWER
    assert client.get("/").status_code == 200
    # Still a member of beta too.
    assert Membership.objects.filter(user=w.charlie, organization=w.beta).exists()


def test_wrong_logged_in_user_gets_an_email_mismatch_error(w, client_for):
    path = invite(w, "charlie@beta.test")
    response = client_for(w.bob, "alpha").post(path)
    assert response.status_code == 403
    assert not Membership.objects.filter(user=w.bob, organization=w.alpha).exists()
    assert not Membership.objects.filter(user=w.charlie, organization=w.alpha).exists()
    assert Invitation.objects.get(email="charlie@beta.test").status == Invitation.Status.PENDING


def _expire(email: str) -> None:
    Invitation.objects.filter(email=email).update(expires_at=timezone.now() - timedelta(minutes=1))


def _revoke(email: str) -> None:
    Invitation.objects.filter(email=email).update(status=Invitation.Status.REVOKED)


@pytest.mark.parametrize("spoil", [_expire, _revoke], ids=["expired", "revoked"])
def test_spoiled_invitation_gives_an_error_page_and_creates_nothing(w, client_for, spoil):
    path = invite(w, "newton@new.test")
    spoil("newton@new.test")
    client = client_for(None, "alpha")
    assert client.get(path).status_code == 410
    assert accept_as_new(client, path).status_code == 410
    assert not User.objects.filter(email="newton@new.test").exists()
    assert client.get("/").status_code == 302  # not logged in


def test_invitation_revoked_through_the_api_cannot_be_used(w, client_for):
    path = invite(w, "newton@new.test")
    invitation = Invitation.objects.get(email="newton@new.test")
    assert client_for(w.adam, "alpha").delete(f"/api/v1/invitations/{invitation.pk}/").status_code == 204
    assert accept_as_new(client_for(None, "alpha"), path).status_code == 410
    assert not User.objects.filter(email="newton@new.test").exists()


def test_a_new_invitation_replaces_the_pending_one(w, client_for):
    old = invite(w, "newton@new.test")
    new = invite(w, "newton@new.test", Role.ADMIN)
    assert client_for(None, "alpha").get(old).status_code == 410
    assert accept_as_new(client_for(None, "alpha"), new).status_code == 302
    assert Membership.objects.get(user__email="newton@new.test").role == Role.ADMIN


def test_used_invitation_cannot_be_reused(w, client_for):
    path = invite(w, "newton@new.test")
    assert accept_as_new(client_for(None, "alpha"), path).status_code == 302
    users = User.objects.count()
    memberships = Membership.objects.count()

    assert client_for(None, "alpha").get(path).status_code == 410
    assert accept_as_new(client_for(None, "alpha"), path).status_code == 410
    assert client_for(w.erin, "alpha").post(path).status_code == 410
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)


def test_alpha_invitation_is_not_found_on_beta(w, client_for):
    path = invite(w, "newton@new.test")
    client = client_for(None, "beta")
    assert client.get(path).status_code == 404
    assert accept_as_new(client, path).status_code == 404
    assert client_for(w.charlie, "beta").post(path).status_code == 404
    assert not User.objects.filter(email="newton@new.test").exists()
    assert Invitation.objects.get(email="newton@new.test").status == Invitation.Status.PENDING


def test_made_up_invitation_token_is_not_found(w, client_for):
    client = client_for(None, "alpha")
    assert client.get("/invitations/not-a-real-token/").status_code == 404
    assert accept_as_new(client, "/invitations/not-a-real-token/").status_code == 404
