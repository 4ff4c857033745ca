"""The seed_demo command: organizations, people and partner of the demo, idempotent."""

from __future__ import annotations

from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django_tenants.utils import schema_exists

from apps.accounts.models import Membership, PartnerMembership, User
from apps.accounts.roles import Role
from apps.tenants.models import Domain, Organization, Partner


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_seed_demo_creates_the_demo_estate_and_is_idempotent(w, client_for):
    run("seed_demo")
    state = (
        User.objects.count(),
        Organization.objects.count(),
        Domain.objects.count(),
        Membership.objects.count(),
        PartnerMembership.objects.count(),
        Partner.objects.count(),
    )
    run("seed_demo")
    assert state == (
        User.objects.count(),
        Organization.objects.count(),
        Domain.objects.count(),
        Membership.objects.count(),
        PartnerMembership.objects.count(),
        Partner.objects.count(),
    )

    demo = Organization.objects.get(slug="demo")
    assert Organization.objects.filter(slug="demo").count() == 1
    assert demo.kind == Organization.Kind.DEMO
    assert schema_exists(demo.schema_name)
    assert Domain.objects.get(domain="demo.infrazen.test").tenant == demo

    owner = User.objects.get(email="demo@infrazen.ru")
    assert owner.check_password(settings.DEMO_PASSWORD)
    assert Membership.objects.get(user=owner, organization=demo).role == Role.OWNER
    assert Membership.objects.filter(organization=demo).count() == 1

    partner = Partner.objects.get(slug="demo-msp")
    operator = User.objects.get(email="msp@infrazen.ru")
    assert operator.check_password(settings.DEMO_PASSWORD)
    assert PartnerMembership.objects.get(user=operator).partner == partner
    assert set(partner.organizations.values_list("slug", flat=True)) == {"demo", "demo-client", "demo-client-3"}
    assert schema_exists(Organization.objects.get(slug="demo-client").schema_name)
    assert not Membership.objects.filter(user=operator).exists()

    # The demo people really get in.
    assert client_for(owner, "demo").get("/").status_code == 200
    assert client_for(operator, "demo-client").get("/api/v1/me/").json()["via"] == "partner"
    assert client_for(owner, "alpha").get("/").status_code == 403


def test_seed_demo_restores_a_changed_demo_password(w):
    run("seed_demo")
    owner = User.objects.get(email="demo@infrazen.ru")
    owner.set_password("Someone-Changed-It-1")
    owner.save()
    run("seed_demo")
    owner.refresh_from_db()
    assert owner.check_password(settings.DEMO_PASSWORD)


def test_the_demo_beget_account_is_the_fake_clouds_demo_account():
    from apps.demo.services import DEMO_BEGET_CREDENTIALS
    from tests.fakecloud import beget

    assert DEMO_BEGET_CREDENTIALS == {"login": beget.DEMO_LOGIN, "password": beget.DEMO_PASSWORD}
