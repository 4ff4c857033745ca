"""Management commands: creating an organization from the shell."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context, schema_exists

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.tenants.models import Domain, Organization


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_create_organization_creates_schema_domain_and_owner(w, client_for):
    output = run(
        "create_organization",
        "--slug",
        "acme",
        "--name",
        "ACME",
        "--owner-email",
        "Boss@Acme.test",
        "--owner-password",
        "Acme-Owner-Pass-9",
    )
    assert "acme.infrazen.test" in output
    organization = Organization.objects.get(slug="acme")
    assert organization.name == "ACME"
    assert organization.partner is None
    assert schema_exists(organization.schema_name)
    assert Domain.objects.get(domain="acme.infrazen.test", is_primary=True).tenant == organization
    owner = User.objects.get(email="boss@acme.test")
    assert owner.check_password("Acme-Owner-Pass-9")
    assert Membership.objects.get(organization=organization).user == owner
    assert Membership.objects.get(organization=organization).role == Role.OWNER
    with schema_context(organization.schema_name):
        assert AuditEvent.objects.filter(action="organization.created", target="acme").exists()
    assert client_for(owner, "acme").get("/").status_code == 200


def test_create_organization_under_a_partner(w, client_for):
    run(
        "create_organization",
        "--slug",
        "acme",
        "--name",
        "ACME",
        "--owner-email",
        "boss@acme.test",
        "--owner-password",
        "Acme-Owner-Pass-9",
        "--partner",
        "msp",
    )
    organization = Organization.objects.get(slug="acme")
    assert organization.partner == w.partner
    assert organization.kind == Organization.Kind.MSP_CLIENT
    assert client_for(w.oscar, "acme").get("/api/v1/me/").json()["via"] == "partner"


def test_create_organization_for_an_existing_user_keeps_the_password(w):
    run(
        "create_organization",
        "--slug",
        "acme",
        "--name",
        "ACME",
        "--owner-email",
        "bob@beta.test",
        "--owner-password",
        "Ignored-Pass-77",
    )
    assert User.objects.get(pk=w.bob.pk).check_password("Correct-Horse-42")
    assert Membership.objects.get(organization__slug="acme").user == w.bob


def _snapshot():
    return (User.objects.count(), Organization.objects.count(), Domain.objects.count(), Membership.objects.count())


@pytest.mark.parametrize(
    ("slug", "fragment"),
    [
        ("alpha", "«alpha»"),
        ("admin", "«admin»"),
        ("www", "«www»"),
        ("public", "«public»"),
        ("A!", None),
    ],
)
def test_create_organization_refuses_a_taken_or_bad_slug_and_leaves_nothing(w, slug, fragment):
    before = _snapshot()
    with pytest.raises(CommandError) as excinfo:
        run(
            "create_organization",
            "--slug",
            slug,
            "--name",
            "Whatever",
            "--owner-email",
            "ghost@new.test",
            "--owner-password",
            "Ghost-Pass-Word-5",
        )
    assert str(excinfo.value)
    if fragment:
        assert fragment in str(excinfo.value)
    assert _snapshot() == before
    assert not User.objects.filter(email="ghost@new.test").exists()
    if slug != "alpha":
        assert not schema_exists("org_" + slug.lower())


def test_create_organization_refuses_an_unknown_partner_and_leaves_nothing(w):
    before = _snapshot()
    with pytest.raises(CommandError, match="nosuch"):
        run(
            "create_organization",
            "--slug",
            "acme",
            "--name",
            "ACME",
            "--owner-email",
            "ghost@new.test",
            "--owner-password",
            "Ghost-Pass-Word-5",
            "--partner",
            "nosuch",
        )
    assert _snapshot() == before
    assert not schema_exists("org_acme")


def test_create_organization_refuses_a_weak_password_and_leaves_nothing(w):
    before = _snapshot()
    with pytest.raises(CommandError):
        run(
            "create_organization",
            "--slug",
            "acme",
            "--name",
            "ACME",
            "--owner-email",
            "ghost@new.test",
            "--owner-password",
            "123",
        )
    assert _snapshot() == before
    assert not schema_exists("org_acme")


def test_migrate_platform_says_up_to_date_only_when_nothing_was_pending(w):
    organizations = Organization.objects.exclude(schema_name="public").count()
    assert run("migrate_platform").strip() == f"Platform schemas are up to date ({organizations} organizations)."


def test_migrate_platform_reports_what_it_migrated(w):
    from django.db import connection

    with connection.cursor() as cursor:  # as on a brand-new database: the template schema does not exist
        cursor.execute('DROP SCHEMA "tenant_template" CASCADE')
    output = run("migrate_platform")
    assert "up to date" not in output
    organizations = Organization.objects.exclude(schema_name="public").count()
    assert "the public schema (0 migrations applied)" in output
    assert f"and 0 of {organizations} organizations (0)." in output
    with connection.cursor() as cursor:
        cursor.execute('SELECT count(*) FROM "tenant_template".django_migrations')
        applied = cursor.fetchone()[0]
    assert applied > 10 and f"the template schema ({applied})" in output
