"""The permission matrix as members meet it: who may invite, change roles, remove, and what /me/ reports."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.accounts.models import Invitation, Membership, User
from apps.accounts.roles import Role, permissions_for
from apps.tenants.models import Organization
from tests.conftest import PASSWORD
from tests.utils import api_error


def membership(user, organization) -> Membership:
    return Membership.objects.get(user=user, organization=organization)


# --- Inviting --------------------------------------------------------------------------------------


def test_viewer_cannot_invite_members_through_the_page(w, client_for):
    response = client_for(w.vera, "alpha").post("/settings/invitations/", {"email": "x@new.test", "role": "viewer"})
    assert response.status_code == 403
    assert not Invitation.objects.filter(email="x@new.test").exists()
    assert mail.outbox == []


def test_viewer_cannot_invite_members_through_the_api(w, client_for):
    response = client_for(w.vera, "alpha").post(
        "/api/v1/invitations/", {"email": "x@new.test", "role": "viewer"}, content_type="application/json"
    )
    api_error(response, 403, "permission_denied")
    assert not Invitation.objects.filter(email="x@new.test").exists()
    assert mail.outbox == []


@pytest.mark.parametrize("persona", ["fiona", "erin"])
def test_non_managers_cannot_invite_through_the_api(w, client_for, persona):
    response = client_for(getattr(w, persona), "alpha").post(
        "/api/v1/invitations/", {"email": "x@new.test", "role": "viewer"}, content_type="application/json"
    )
    api_error(response, 403, "permission_denied")
    assert not Invitation.objects.filter(email="x@new.test").exists()


def test_viewer_cannot_see_the_member_list(w, client_for):
    assert client_for(w.vera, "alpha").get("/settings/members/").status_code == 403
    api_error(client_for(w.vera, "alpha").get("/api/v1/members/"), 403, "permission_denied")


def test_admin_can_invite_members(w, client_for):
    response = client_for(w.adam, "alpha").post(
        "/api/v1/invitations/", {"email": "New@New.test", "role": "engineer"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "new@new.test"
    invitation = Invitation.objects.get(organization=w.alpha, email="new@new.test")
    assert invitation.role == Role.ENGINEER
    assert invitation.invited_by == w.adam
    assert [m.to for m in mail.outbox] == [["new@new.test"]]


def test_admin_cannot_invite_an_owner_through_the_api(w, client_for):
    response = client_for(w.adam, "alpha").post(
        "/api/v1/invitations/", {"email": "boss@new.test", "role": "owner"}, content_type="application/json"
    )
    api_error(response, 403, "role_not_allowed")
    assert not Invitation.objects.filter(email="boss@new.test").exists()
    assert mail.outbox == []


def test_admin_cannot_invite_an_owner_through_the_page(w, client_for):
    response = client_for(w.adam, "alpha").post("/settings/invitations/", {"email": "boss@new.test", "role": "owner"})
    assert response.status_code == 200
    assert response.context["form"].errors["role"]
    assert not Invitation.objects.filter(email="boss@new.test").exists()
    assert mail.outbox == []


def test_owner_can_invite_an_owner(w, client_for):
    response = client_for(w.alice, "alpha").post(
        "/api/v1/invitations/", {"email": "boss@new.test", "role": "owner"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert Invitation.objects.get(email="boss@new.test").role == Role.OWNER


def test_inviting_an_existing_member_is_refused(w, client_for):
    response = client_for(w.alice, "alpha").post(
        "/api/v1/invitations/", {"email": "vera@alpha.test", "role": "admin"}, content_type="application/json"
    )
    api_error(response, 400, "already_member")
    assert not Invitation.objects.filter(email="vera@alpha.test").exists()


# --- Changing roles and removing ----------------------------------------------------------------------


def test_finance_cannot_change_roles_or_remove_members_through_the_api(w, client_for):
    erin = membership(w.erin, w.alpha)
    client = client_for(w.fiona, "alpha")
    api_error(
        client.patch(f"/api/v1/members/{erin.pk}/", {"role": "admin"}, content_type="application/json"),
        403,
        "permission_denied",
    )
    api_error(client.delete(f"/api/v1/members/{erin.pk}/"), 403, "permission_denied")
    erin.refresh_from_db()
    assert erin.role == Role.ENGINEER


def test_finance_cannot_change_roles_or_remove_members_through_the_pages(w, client_for):
    erin = membership(w.erin, w.alpha)
    client = client_for(w.fiona, "alpha")
    assert client.post(f"/settings/members/{erin.pk}/role/", {"role": "admin"}).status_code == 403
    assert client.post(f"/settings/members/{erin.pk}/remove/").status_code == 403
    erin.refresh_from_db()
    assert erin.role == Role.ENGINEER


def test_admin_changes_a_role_and_it_is_audited(w, client_for):
    from django_tenants.utils import schema_context

    from apps.audit.models import AuditEvent

    erin = membership(w.erin, w.alpha)
    response = client_for(w.adam, "alpha").patch(
        f"/api/v1/members/{erin.pk}/", {"role": "finops"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["role"] == "finops"
    erin.refresh_from_db()
    assert erin.role == Role.FINOPS
    with schema_context(w.alpha.schema_name):
        event = AuditEvent.objects.get(action="membership.role_changed", target="erin@alpha.test")
    assert event.data == {"from": "engineer", "to": "finops"}
    assert event.actor_email == "adam@alpha.test"
    with schema_context(w.beta.schema_name):
        assert not AuditEvent.objects.filter(action="membership.role_changed").exists()


def test_admin_changes_a_role_through_the_page(w, client_for):
    erin = membership(w.erin, w.alpha)
    response = client_for(w.adam, "alpha").post(f"/settings/members/{erin.pk}/role/", {"role": "viewer"})
    assert response.status_code == 302
    erin.refresh_from_db()
    assert erin.role == Role.VIEWER


def test_admin_removes_a_member(w, client_for):
    erin = membership(w.erin, w.alpha)
    response = client_for(w.adam, "alpha").delete(f"/api/v1/members/{erin.pk}/")
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=erin.pk).exists()
    assert client_for(w.erin, "alpha").get("/").status_code == 403


def test_admin_cannot_grant_owner(w, client_for):
    erin = membership(w.erin, w.alpha)
    api_error(
        client_for(w.adam, "alpha").patch(
            f"/api/v1/members/{erin.pk}/", {"role": "owner"}, content_type="application/json"
        ),
        403,
        "role_not_allowed",
    )
    client_for(w.adam, "alpha").post(f"/settings/members/{erin.pk}/role/", {"role": "owner"})
    erin.refresh_from_db()
    assert erin.role == Role.ENGINEER


def test_admin_cannot_demote_or_remove_an_owner(w, client_for):
    alice = membership(w.alice, w.alpha)
    client = client_for(w.adam, "alpha")
    api_error(
        client.patch(f"/api/v1/members/{alice.pk}/", {"role": "viewer"}, content_type="application/json"),
        403,
        "role_not_allowed",
    )
    api_error(client.delete(f"/api/v1/members/{alice.pk}/"), 403, "role_not_allowed")
    client.post(f"/settings/members/{alice.pk}/role/", {"role": "viewer"})
    client.post(f"/settings/members/{alice.pk}/remove/")
    alice.refresh_from_db()
    assert alice.role == Role.OWNER


def test_owner_can_demote_another_owner(w, client_for):
    adam = membership(w.adam, w.alpha)
    adam.role = Role.OWNER
    adam.save()
    response = client_for(w.alice, "alpha").patch(
        f"/api/v1/members/{adam.pk}/", {"role": "admin"}, content_type="application/json"
    )
    assert response.status_code == 200
    adam.refresh_from_db()
    assert adam.role == Role.ADMIN


def test_owner_can_promote_a_member_to_owner(w, client_for):
    erin = membership(w.erin, w.alpha)
    assert client_for(w.alice, "alpha").post(f"/settings/members/{erin.pk}/role/", {"role": "owner"}).status_code == 302
    erin.refresh_from_db()
    assert erin.role == Role.OWNER


def test_last_owner_cannot_be_demoted(w, client_for):
    alice = membership(w.alice, w.alpha)
    client = client_for(w.alice, "alpha")
    api_error(
        client.patch(f"/api/v1/members/{alice.pk}/", {"role": "admin"}, content_type="application/json"),
        400,
        "last_owner",
    )
    client.post(f"/settings/members/{alice.pk}/role/", {"role": "admin"})
    alice.refresh_from_db()
    assert alice.role == Role.OWNER


def test_last_owner_cannot_be_removed(w, client_for):
    alice = membership(w.alice, w.alpha)
    client = client_for(w.alice, "alpha")
    api_error(client.delete(f"/api/v1/members/{alice.pk}/"), 400, "last_owner")
    assert client.post(f"/settings/members/{alice.pk}/remove/").status_code == 302
    assert Membership.objects.filter(pk=alice.pk, role=Role.OWNER).exists()


def test_an_owner_can_leave_when_another_owner_remains(w, client_for):
    adam = membership(w.adam, w.alpha)
    adam.role = Role.OWNER
    adam.save()
    alice = membership(w.alice, w.alpha)
    assert client_for(w.alice, "alpha").delete(f"/api/v1/members/{alice.pk}/").status_code == 204
    assert not Membership.objects.filter(pk=alice.pk).exists()


# --- What /me/ reports ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role.values))
def test_me_reports_the_role_and_its_permissions(w, client_for, role):
    user = User.objects.create_user(email=f"{role}@alpha.test", password=PASSWORD)
    Membership.objects.create(user=user, organization=w.alpha, role=role)
    response = client_for(user, "alpha").get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == role
    assert body["via"] == "member"
    assert body["organization"]["slug"] == "alpha"
    assert body["user"]["email"] == f"{role}@alpha.test"
    assert body["permissions"] == permissions_for(role)


@pytest.mark.parametrize(
    ("persona", "granted", "denied"),
    [
        ("alice", {"members.manage", "organization.manage", "costs.manage"}, set()),
        ("adam", {"members.manage", "organization.manage", "connections.manage"}, set()),
        ("fiona", {"costs.manage", "reports.manage", "members.view"}, {"members.manage", "connections.manage"}),
        ("erin", {"connections.manage", "resources.manage", "members.view"}, {"costs.manage", "members.manage"}),
        ("vera", {"dashboard.view", "costs.view"}, {"members.view", "members.manage", "costs.manage"}),
    ],
)
def test_me_permissions_of_the_personas(w, client_for, persona, granted, denied):
    permissions = set(client_for(getattr(w, persona), "alpha").get("/api/v1/me/").json()["permissions"])
    assert granted <= permissions
    assert not denied & permissions


# --- Organization profile -------------------------------------------------------------------------------

PROFILE = {"name": "Alpha Renamed", "currency": "USD", "timezone": "Asia/Omsk"}


@pytest.mark.parametrize("persona", ["vera", "fiona", "erin"])
def test_non_managers_see_but_cannot_change_the_organization_profile(w, client_for, persona):
    client = client_for(getattr(w, persona), "alpha")
    assert client.get("/settings/organization/").status_code == 200
    assert client.post("/settings/organization/", PROFILE).status_code == 403
    assert Organization.objects.get(slug="alpha").name == "Alpha LLC"


@pytest.mark.parametrize("persona", ["alice", "adam", "oscar"])
def test_managers_change_the_organization_profile(w, client_for, persona):
    response = client_for(getattr(w, persona), "alpha").post("/settings/organization/", PROFILE)
    assert response.status_code == 302
    alpha = Organization.objects.get(slug="alpha")
    assert (alpha.name, alpha.currency, alpha.timezone) == ("Alpha Renamed", "USD", "Asia/Omsk")
    assert Organization.objects.get(slug="beta").name == "Beta JSC"
