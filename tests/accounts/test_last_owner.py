"""An organization is never left without an owner, whatever path removes one."""

from __future__ import annotations

import pytest

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.common.errors import ApplicationError

pytestmark = pytest.mark.django_db

LAST_OWNER_RU = "alice@alpha.test — единственный владелец «Alpha LLC». Сначала назначьте владельцем другого участника."


@pytest.fixture
def staff(w):
    return User.objects.create_superuser(email="support@infrazen.test", password="Support-Pass-1")


def _make_owner(user, organization) -> Membership:
    membership = Membership.objects.get(user=user, organization=organization)
    membership.role = Role.OWNER
    membership.save()
    return membership


def test_the_admin_refuses_to_delete_the_only_owner_of_an_organization_and_says_why(staff, client_for, w):
    admin = client_for(staff, HTTP_ACCEPT_LANGUAGE="ru")

    page = admin.get(f"/admin/accounts/user/{w.alice.pk}/delete/")
    response = admin.post(f"/admin/accounts/user/{w.alice.pk}/delete/", {"post": "yes"})

    assert LAST_OWNER_RU in page.content.decode()
    assert LAST_OWNER_RU in response.content.decode()
    assert User.objects.filter(pk=w.alice.pk).exists()
    assert Membership.objects.filter(user=w.alice, organization=w.alpha, role=Role.OWNER).exists()


def test_the_admin_bulk_delete_refuses_when_it_would_remove_every_owner(staff, client_for, w):
    _make_owner(w.adam, w.alpha)
    admin = client_for(staff)

    admin.post("/admin/accounts/user/", {"action": "delete_selected", "post": "yes",
                                         "_selected_action": [w.alice.pk, w.adam.pk]})

    assert User.objects.filter(pk__in=[w.alice.pk, w.adam.pk]).count() == 2


def test_the_admin_deletes_an_owner_when_another_owner_remains(staff, client_for, w):
    _make_owner(w.adam, w.alpha)

    response = client_for(staff).post(f"/admin/accounts/user/{w.alice.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=w.alice.pk).exists()
    owners = Membership.objects.filter(organization=w.alpha, role=Role.OWNER).values_list("user__email", flat=True)
    assert list(owners) == ["adam@alpha.test"]


def test_the_admin_deletes_a_user_who_owns_nothing(staff, client_for, w):
    response = client_for(staff).post(f"/admin/accounts/user/{w.vera.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=w.vera.pk).exists()


def test_the_membership_admin_refuses_to_delete_the_last_owner(staff, client_for, w):
    owner = Membership.objects.get(user=w.bob, organization=w.beta)

    response = client_for(staff, HTTP_ACCEPT_LANGUAGE="ru").post(
        f"/admin/accounts/membership/{owner.pk}/delete/", {"post": "yes"}, follow=True
    )

    content = response.content.decode()
    assert "В организации должен остаться хотя бы один владелец." in content
    assert "успешно удал" not in content
    assert Membership.objects.filter(pk=owner.pk, role=Role.OWNER).exists()


def test_the_membership_admin_bulk_delete_refuses_to_remove_every_owner(staff, client_for, w):
    alice = Membership.objects.get(user=w.alice, organization=w.alpha)
    adam = _make_owner(w.adam, w.alpha)

    client_for(staff).post("/admin/accounts/membership/", {"action": "delete_selected", "post": "yes",
                                                           "_selected_action": [alice.pk, adam.pk]})

    assert Membership.objects.filter(pk__in=[alice.pk, adam.pk], role=Role.OWNER).count() == 2


def test_the_last_owner_removed_on_the_members_page_stays_and_sees_why(w, client_for):
    owner = Membership.objects.get(user=w.alice, organization=w.alpha)
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")

    response = client.post(f"/settings/members/{owner.pk}/remove/", follow=True)

    assert "В организации должен остаться хотя бы один владелец." in response.content.decode()
    assert Membership.objects.filter(pk=owner.pk, role=Role.OWNER).exists()


def test_accepting_an_old_invitation_never_demotes_an_owner(w, client_for):
    from apps.accounts import services

    issued = services.invitation_create(organization=w.beta, email="alice@alpha.test", role=Role.VIEWER,
                                        actor=w.bob, actor_role=Role.OWNER)
    Membership.objects.create(user=w.alice, organization=w.beta, role=Role.OWNER)

    with pytest.raises(ApplicationError) as refused:
        services.invitation_accept(organization=w.beta, token=issued.token, user=w.alice)

    assert refused.value.code == "already_member"
    assert Membership.objects.get(user=w.alice, organization=w.beta).role == Role.OWNER
