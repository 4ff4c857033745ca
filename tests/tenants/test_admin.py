"""Support admin on the public host: searchable lists, read-only look into one organization, no secrets."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import ApiToken, Membership
from apps.accounts.roles import Role
from apps.accounts.services import api_token_create
from apps.audit.models import AuditEvent
from apps.audit.services import audit_event_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(w):
    from apps.accounts.models import User

    return User.objects.create_superuser(email="support@infrazen.test", password="Support-Pass-1")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/tenants/organization/?q=alpha",
        "/admin/tenants/partner/",
        "/admin/tenants/domain/?q=beta",
        "/admin/accounts/user/?q=alice",
        "/admin/accounts/membership/?role__exact=viewer",
        "/admin/accounts/partnermembership/",
        "/admin/accounts/invitation/",
    ],
)
def test_support_staff_browse_the_admin_lists(staff, client_for, url):
    assert client_for(staff).get(url).status_code == 200


def test_admin_lists_organizations_found_by_search(staff, client_for, w):
    response = client_for(staff).get("/admin/tenants/organization/?q=alpha")
    assert b"Alpha LLC" in response.content
    assert b"Beta JSC" not in response.content


def test_admin_is_not_served_on_organization_hosts(staff, client_for, w):
    assert client_for(w.alice, "alpha").get("/admin/").status_code == 404
    assert client_for(staff, "alpha").get("/admin/").status_code in (403, 404)


def test_members_of_organizations_cannot_enter_the_admin(w, client_for):
    response = client_for(w.alice).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_support_reads_one_organizations_data_read_only(staff, client_for, w):
    audit_event_record(schema_name=w.alpha.schema_name, action="alpha.only", target="x")
    audit_event_record(schema_name=w.beta.schema_name, action="beta.only", target="y")

    response = client_for(staff).get(f"/admin/tenants/organization/{w.alpha.pk}/data/")

    assert response.status_code == 200
    tables = {t.label: t for t in response.context["tables"]}
    events = tables["audit.AuditEvent"]
    cells = [cell for row in events.rows for cell in row]
    assert "alpha.only" in cells
    assert "beta.only" not in cells
    with schema_context(w.alpha.schema_name):
        assert AuditEvent.objects.filter(action="alpha.only").count() == 1


def test_api_tokens_are_never_displayed_in_the_admin_and_can_be_revoked(staff, client_for, w):
    issued = api_token_create(user=w.alice, name="Grafana")
    admin = client_for(staff)
    assert admin.get("/admin/knox/authtoken/").status_code == 404
    tokens_page = admin.get("/admin/accounts/apitoken/")
    assert tokens_page.status_code == 200
    assert b"Grafana" in tokens_page.content
    assert f"{issued.token.token_key}…".encode() in tokens_page.content  # the prefix only
    detail = admin.get(f"/admin/accounts/apitoken/{issued.token.pk}/change/")
    assert detail.status_code == 200
    for url in (
        f"/admin/accounts/user/{w.alice.pk}/change/",
        "/admin/accounts/user/?q=alice",
        "/admin/accounts/apitoken/",
        f"/admin/accounts/apitoken/{issued.token.pk}/change/",
    ):
        page = admin.get(url)
        assert page.status_code == 200
        assert issued.secret.encode() not in page.content
    assert admin.get("/admin/accounts/apitoken/add/").status_code == 403

    admin.post("/admin/accounts/user/", {"action": "revoke_api_tokens", "_selected_action": [w.alice.pk]})

    assert not ApiToken.objects.filter(user=w.alice).exists()


def test_role_change_in_the_admin_keeps_the_last_owner(staff, client_for, w):
    owner = Membership.objects.get(organization=w.beta, role=Role.OWNER)
    response = client_for(staff).post(
        f"/admin/accounts/membership/{owner.pk}/change/", {"role": Role.VIEWER}, follow=True
    )
    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
