"""The demo: organization ``demo`` with its cloud estate, partner «Demo MSP» with its operator, and a second
client whose Beget account the fake cloud serves. Each app's part is written through that app's services."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership, PartnerMembership, User
from apps.accounts.roles import Role
from apps.accounts.services import membership_add
from apps.budgets.checks import checks_run
from apps.budgets.models import Budget
from apps.budgets.selectors import budget_actual, period_bounds
from apps.budgets.services import budget_create
from apps.common.cache import organization_data_changed
from apps.common.errors import ApplicationError
from apps.common.http import build_session
from apps.providers.models import ProviderConnection
from apps.providers.services import connection_create, connection_test, connection_update
from apps.providers.sync import sync_run_execute, sync_run_start
from apps.tenants.models import Organization, Partner
from apps.tenants.services import organization_create, partner_get_or_create, platform_bootstrap

from .allocation import demo_allocation_seed, demo_client_allocation_seed
from .msp import demo_msp_seed, demo_reports_seed
from .seeding import demo_costs_seed

DEMO_OWNER = "demo@infrazen.ru"
MSP_OPERATOR = "msp@infrazen.ru"
PARTNER_SLUG = "demo-msp"
SECOND_CLIENT_SLUG = "demo-client"
THIRD_CLIENT_SLUG = "demo-client-3"
# The fake cloud's demo Beget account (tests/fakecloud/beget.py defines the same values; a test checks they
# agree): copied, not imported, since the application never imports the test tree.
DEMO_BEGET_CREDENTIALS = {"login": "beget-demo", "password": "beget-demo-password"}


@dataclass
class DemoResult:
    demo: Organization
    client: Organization
    partner: Partner
    third: Organization | None = None

    def summary_lines(self) -> list[str]:
        return [
            f"organization «{self.demo.name}»: {self.demo.primary_host} (owner {DEMO_OWNER})",
            f"partner «{self.partner.name}»: operator {MSP_OPERATOR} over "
            + ", ".join(o.slug for o in (self.demo, self.client, self.third) if o is not None),
            f"organization «{self.client.name}»: {self.client.primary_host}",
            *([f"organization «{self.third.name}»: {self.third.primary_host}"] if self.third else []),
        ]


def _user(email: str, full_name: str, password: str) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"primary": True, "verified": True})
    return user


def _organization(slug: str, name: str, partner: Partner, kind: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        organization = organization_create(slug=slug, name=name, partner=partner, kind=kind)
    elif organization.partner_id != partner.pk:
        organization.partner = partner
        organization.save(update_fields=["partner"])
    return organization


def demo_fake_connection(*, organization: Organization, provider: str, name: str, credentials: dict[str, Any],
                         endpoint: str = "") -> None:
    """A connection of ``organization`` served by the fake cloud (``endpoint``, the fake's URL by default); synced
    now if the fake answers, else left to the worker's schedule."""
    if not settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS:
        return
    endpoint = endpoint or settings.DEMO_FAKECLOUD_URL
    credentials = dict(credentials)
    with tenant_context(organization):
        connection = ProviderConnection.objects.filter(provider=provider, name=name).first()
        if connection is None:
            connection = connection_create(provider=provider, name=name, credentials=credentials, endpoint=endpoint)
        else:
            connection_update(connection=connection, credentials=credentials, endpoint=endpoint)
        session = build_session(retries=0, connect_timeout=2, read_timeout=10, retry_post=True)
        try:
            connection_test(connection=connection, session=session)
            run = sync_run_start(connection=connection, enqueue=False)
        except ApplicationError:
            return  # the fake is not running (or a sync is already under way): the worker's schedule will do
        sync_run_execute(sync_run_id=run.pk, plugin_options={"session": session})


def demo_beget_connection(*, organization: Organization) -> None:
    """The second client's Beget account, served by the fake cloud."""
    demo_fake_connection(organization=organization, provider="beget", name="Beget", credentials=DEMO_BEGET_CREDENTIALS)


def demo_third_client_connections(*, organization: Organization) -> None:
    """The third client's clouds (VK Cloud and Timeweb Cloud), served by the fake cloud. Each provider adds its
    ``demo_fake_connection(...)`` call here."""
    demo_fake_connection(  # the fake's demo VK Cloud user (tests/fakecloud/vkcloud.py), copied, not imported
        organization=organization, provider="vkcloud", name="VK Cloud",
        credentials={"username": "finops@severny-veter.example", "password": "vkcloud-demo-password",
                     "project_id": "b5b6a3a1c9e44f7c8a3a8b3f4f1c2d7e"},
        endpoint=f"{settings.DEMO_FAKECLOUD_URL.rstrip('/')}/vkcloud/identity/v3")
    demo_fake_connection(organization=organization, provider="timeweb", name="Timeweb Cloud",
                         credentials={"token": "timeweb-demo-token"})


def demo_costs(*, organization: Organization, owner: User | None = None) -> None:
    """The dashboard estate of seed section 7.1.4 (connections, resources, metrics, 13 months of costs) and
    its recommendations (seed 7.3), ``owner`` accepting and applying what the story says."""
    with tenant_context(organization):
        demo_costs_seed(owner=owner)
        demo_allocation_seed(owner=owner)
        organization_data_changed()


def demo_client_allocation(*, organizations) -> None:
    """The clients' allocation rules (by provider and resource names), applied to what their syncs wrote."""
    for organization in organizations:
        with tenant_context(organization):
            demo_client_allocation_seed()
            organization_data_changed()


DEMO_BUDGET_NAME = "Облако — квартал"
DEMO_BUDGET_SHARE = Decimal("0.78")  # the quarter's spend so far is just under the 80 % threshold


def demo_budget(*, organization: Organization, owner: User | None = None) -> None:
    """The demo's quarterly budget for the whole organization, sized from the ledger so that the quarter's spend so
    far is just under its 80 % threshold (the amount rounded up to the thousand roubles); the forecast then shows the
    overrun coming. Kept as it is when it exists."""
    with tenant_context(organization):
        if Budget.objects.filter(name=DEMO_BUDGET_NAME).exists():
            return
        today = timezone.localdate()
        start, _end = period_bounds(period="quarter", today=today)
        actual = budget_actual(scope={}, start=start, end=today)
        if not actual or actual <= 0:
            return
        amount = (actual / DEMO_BUDGET_SHARE / 1000).to_integral_value(rounding=ROUND_CEILING) * 1000
        budget_create(actor=owner, name=DEMO_BUDGET_NAME, amount=amount, period="quarter")


def demo_checks(*, organizations) -> None:
    """The nightly checks, now, through the real evaluation: the demo history's anomalies (with their
    contributors) and the budgets' and balances' alerts (queued only where a channel exists)."""
    for organization in organizations:
        with tenant_context(organization):
            checks_run()


@transaction.atomic
def demo_seed() -> DemoResult:
    platform_bootstrap(migrate_template=False)
    password = settings.DEMO_PASSWORD
    partner = partner_get_or_create(slug=PARTNER_SLUG, name="Demo MSP")
    demo = _organization("demo", "Демо-компания", partner, Organization.Kind.DEMO)
    client = _organization(SECOND_CLIENT_SLUG, "ООО «Второй клиент»", partner, Organization.Kind.MSP_CLIENT)
    owner = _user(DEMO_OWNER, "Демо Пользователь", password)
    operator = _user(MSP_OPERATOR, "Оператор MSP", password)
    if not Membership.objects.filter(user=owner, organization=demo).exists():
        membership_add(organization=demo, user=owner, role=Role.OWNER)
    PartnerMembership.objects.get_or_create(user=operator, partner=partner, defaults={"role": Role.ADMIN})
    demo_costs(organization=demo, owner=owner)
    demo_beget_connection(organization=client)
    third = _organization(THIRD_CLIENT_SLUG, "ООО «Северный ветер»", partner, Organization.Kind.MSP_CLIENT)
    demo_third_client_connections(organization=third)
    demo_client_allocation(organizations=(client, third))
    demo_budget(organization=demo, owner=owner)
    demo_checks(organizations=(demo, client, third))
    demo_reports_seed(organization=demo, owner=owner)
    # Last: the console's figures read everything above (costs, budgets, savings, alerts).
    demo_msp_seed(partner=partner, clients=[demo, client, third], operator=operator)
    return DemoResult(demo=demo, client=client, partner=partner, third=third)
