"""Test personas and tenants, created once per session in a real PostgreSQL with real schemas.

alpha: owner alice, admin adam, finance fiona, engineer erin, viewer vera.
beta: owner bob; charlie is a member of beta only and must see nothing of alpha.
Partner «MSP» (operator oscar, role admin) manages alpha and gamma, not beta.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.models import Membership, PartnerMembership, User
from apps.accounts.roles import Role
from apps.tenants.models import Organization, Partner
from apps.tenants.services import organization_create, platform_bootstrap

PASSWORD = "Correct-Horse-42"
# Per-test limit for tests that start real processes (a browser, a runserver, a django-q worker); the rest
# keep the ``timeout`` of pyproject.toml.
SLOW_TEST_TIMEOUT = 300
BASE = "infrazen.test"


@dataclass
class World:
    alpha: Organization
    beta: Organization
    gamma: Organization
    partner: Partner
    alice: User
    adam: User
    fiona: User
    erin: User
    vera: User
    bob: User
    charlie: User
    oscar: User


def _user(email: str, name: str) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, full_name=name)


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("timeout") is None and (
                item.get_closest_marker("browser") or item.get_closest_marker("worker")):
            item.add_marker(pytest.mark.timeout(SLOW_TEST_TIMEOUT))


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_modify_db_settings, django_db_blocker):
    """Always create the test database, also when only process-based tests (browser, worker) run.

    ``django_db_modify_db_settings`` gives each pytest-xdist worker its own database (``test_<name>_gw<N>``)."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session")
def world(django_db_setup, django_db_blocker) -> World:
    with django_db_blocker.unblock():
        platform_bootstrap(migrate_template=True)
        partner = Partner.objects.create(slug="msp", name="MSP Partner")
        alpha = organization_create(slug="alpha", name="Alpha LLC", partner=partner)
        beta = organization_create(slug="beta", name="Beta JSC")
        gamma = organization_create(slug="gamma", name="Gamma Ltd", partner=partner)
        people = {
            "alice": _user("alice@alpha.test", "Alice Owner"),
            "adam": _user("adam@alpha.test", "Adam Admin"),
            "fiona": _user("fiona@alpha.test", "Fiona Finance"),
            "erin": _user("erin@alpha.test", "Erin Engineer"),
            "vera": _user("vera@alpha.test", "Vera Viewer"),
            "bob": _user("bob@beta.test", "Bob Owner"),
            "charlie": _user("charlie@beta.test", "Charlie Member"),
            "oscar": _user("oscar@msp.test", "Oscar Operator"),
        }
        roles = {"alice": Role.OWNER, "adam": Role.ADMIN, "fiona": Role.FINANCE, "erin": Role.ENGINEER,
                 "vera": Role.VIEWER}
        for name, role in roles.items():
            Membership.objects.create(user=people[name], organization=alpha, role=role)
        Membership.objects.create(user=people["bob"], organization=beta, role=Role.OWNER)
        Membership.objects.create(user=people["charlie"], organization=beta, role=Role.ENGINEER)
        PartnerMembership.objects.create(user=people["oscar"], partner=partner, role=Role.ADMIN)
        connection.set_schema_to_public()
    return World(alpha=alpha, beta=beta, gamma=gamma, partner=partner, **people)


@pytest.fixture(autouse=True)
def _public_schema_between_tests():
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def w(world, db) -> World:
    """The personas, inside a per-test transaction that is rolled back. The organizations are read again: a test
    that changed one in memory (its currency, its partner) leaves nothing behind for the next."""
    for organization in (world.alpha, world.beta, world.gamma):
        organization.refresh_from_db()
    world.partner.refresh_from_db()
    return world


def host(slug: str | None = None) -> str:
    return f"{slug}.{BASE}" if slug else BASE


@pytest.fixture
def client_for():
    """``client_for(user, "alpha")``: a logged-in client talking to the host of ``alpha`` (None = public)."""

    def make(user: User | None, slug: str | None = None, **extra) -> Client:
        client = Client(HTTP_HOST=host(slug), **extra)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login lockout counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token_client():
    """``token_client(user, "alpha", keyword="Bearer")``: a client sending ``Authorization: <keyword> <token>``."""
    from apps.accounts.services import api_token_create

    def make(user: User, slug: str | None = None, keyword: str = "Bearer") -> Client:
        secret = api_token_create(user=user, name="tests").secret
        return Client(HTTP_HOST=host(slug), HTTP_AUTHORIZATION=f"{keyword} {secret}")

    return make


@pytest.fixture
def committed_organization(world, django_db_blocker):
    """``make(slug, name)``: an organization committed to the database (for tests with other processes: a worker,
    a server), dropped with its schema at teardown."""
    made: list[Organization] = []

    def make(slug: str, name: str) -> Organization:
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            organization = organization_create(slug=slug, name=name)
        made.append(organization)
        return organization

    yield make
    with django_db_blocker.unblock():
        for organization in made:
            connection.set_schema_to_public()
            organization.delete(force_drop=True)
        connection.set_schema_to_public()
