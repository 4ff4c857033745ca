"""The Russian UI shows words, never the raw codes providers, FOCUS files or models carry.

Every page is rendered with provider-style data (the demo estate: Yandex and Selectel resources with ``ACTIVE``
and ``RUNNING`` statuses, ``on_demand`` pricing, ``STANDARD`` storage, ``vm``/``server``/``postgresql_cluster``/
``instance_group`` types, FOCUS ``Compute``/``Storage``/``Usage`` values, sizes in GB; plus a Beget hosting plan
filed under «Hosting») and its visible text is searched for those codes. Attribute values (``<option value>``,
``data-*``, ``title``) are not visible text and may keep them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Invitation, Membership, User
from apps.budgets.services import budget_create, budgets_evaluate
from apps.demo.seeding import demo_costs_seed
from apps.inventory.models import Resource
from apps.providers.models import ProviderConnection
from apps.recommendations.models import Finding, Policy
from apps.recommendations.vocabulary import PolicyKind
from apps.tenants.models import Domain

pytestmark = pytest.mark.django_db

# Codes that must not reach a Russian reader (case-sensitive, as whole words).
RAW_CODES = (
    "ACTIVE",
    "RUNNING",
    "READY",
    "STANDARD",
    "on_demand",
    "server",
    "vm",
    "postgresql_cluster",
    "instance_group",
    "load_balancer",
    "hosting_plan",
    "Compute",
    "Storage",
    "Usage",
    "Networking",
    "Databases",
    "Database",
    "Hosting",
    "BilledCost",
    "EffectiveCost",
    "GB",
    "MB",
    "Mbit/s",
    "endpoint",
)
# English labels Django derives from field names (the admin shows them upper-cased): case-insensitive.
RAW_LABELS = ("schema name", "is primary", "token hash", "next path", "created at", "metric points")
# Product names are names: «Compute Cloud» is what Yandex calls its service in Russian too.
PRODUCT_NAMES = (
    "Compute Cloud",
    "Object Storage",
    "Cloud Storage",
    "Managed Service for PostgreSQL",
    "Virtual Private Cloud",
)
# Provider payloads shown as they came, on purpose (the resource page's raw JSON block).
RAW_BLOCKS = {"pre"}


class _VisibleText(HTMLParser):
    """The text a reader sees: no tags, no attributes, no scripts or styles, no raw JSON blocks."""

    HIDDEN = {"script", "style", "template", *RAW_BLOCKS}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return parser.parts


def raw_codes_in(html: str) -> list[str]:
    found = []
    for text in visible_text(html):
        cleaned = text
        for name in PRODUCT_NAMES:
            cleaned = cleaned.replace(name, "")
        # A code is a whole word: not part of a path, an identifier or a masked secret (the admin shows a
        # password hash's random salt as «GB******», which is no unit).
        codes = [c for c in RAW_CODES if re.search(rf"(?<![\w/-]){re.escape(c)}(?![\w/*-])", cleaned)]
        labels = [label for label in RAW_LABELS if label in cleaned.lower()]
        if codes or labels:
            found.append(f"{', '.join(codes + labels)} in «{text[:80]}»")
    return found


def test_the_checker_sees_visible_text_only():
    html = (
        '<p>Сервер · Compute</p><option value="on_demand">По требованию</option><span data-x="GB">12 ГБ</span>'
        '<script>var s = \'ACTIVE\';</script><pre>{"status": "ACTIVE"}</pre><th>Is primary</th>'
        "<td>Compute Cloud</td><td>2 048 GB</td>"
    )
    assert raw_codes_in(html) == ["Compute in «Сервер · Compute»", "is primary in «Is primary»", "GB in «2 048 GB»"]


@pytest.fixture
def estate(w):
    """The demo estate in alpha, a Beget-style hosting plan, and an account card with a status and a unit."""
    with schema_context(w.alpha.schema_name):
        demo_costs_seed()
        connection = ProviderConnection.objects.order_by("pk").first()
        ProviderConnection.objects.filter(pk=connection.pk).update(
            account_info={
                "account_id": "478587",
                "status": "ACTIVE",
                "currency": "RUB",
                "balance": "1000.00",
                "limits": {"ram": {"used": 40960, "limit": 65536, "unit": "MB"}},
            }
        )
        Resource.objects.create(
            connection=connection,
            provider=connection.provider,
            resource_id="beget-plan",
            resource_name="Blog",
            resource_type="hosting_plan",
            kind="hosting_plan",
            service_name="Hosting",
            status="running",
            provider_status="active",
            pricing_model="on_demand",
            first_seen_at=timezone.now(),
            last_seen_at=timezone.now(),
            specs={"storage_class": "STANDARD", "size_gb": 10, "used_bytes": 3 * 1024**3},
        )
        resources = list(Resource.objects.values_list("pk", flat=True))
        now = timezone.now()
        finding = Finding.objects.create(
            rule="unattached_volume", subject=str(resources[0]), category="cleanup", status="open",
            resource_id=resources[0], provider=connection.provider, title="Неподключённый диск", action="delete",
            estimated_monthly_savings="1500.00", confidence="high", confidence_reason="Цена провайдера",
            formula="1 500,00 ₽ в месяц", evidence={"size_gb": 100, "profile": ["1.5", "2"] * 84},
            first_seen_at=now, last_seen_at=now, status_changed_at=now)
        policy = Policy.objects.create(name="Обязательные поля", kind="required_tags",
                                       params={"tags": [], "fields": ["owner"]},
                                       scope={"kinds": ["compute", "hosting_plan"], "providers": [connection.provider],
                                              "connections": [connection.pk]})
        budget = budget_create(actor=None, name="Облако", amount="1000",
                               scope={"provider": connection.provider, "connection": connection.pk,
                                      "tag": {"key": "env", "value": "prod"}})
        budgets_evaluate(now=now)
    return {"connection": connection.pk, "resources": resources, "finding": finding.pk, "policy": policy.pk,
            "budget": budget.pk}


def _pages(estate) -> list[str]:
    return [
        "/",
        "/costs/",
        "/costs/?group_by=service_category",
        "/costs/?group_by=charge_category",
        "/costs/?group_by=resource_type",
        "/costs/?group_by=service&metric=effective",
        "/costs/?group_by=resource",
        "/costs/?group_by=provider&period=365d",
        "/costs/imports/",
        "/resources/",
        *[f"/resources/{pk}/" for pk in estate["resources"]],
        "/connections/",
        f"/connections/{estate['connection']}/history/",
        "/settings/audit/",
        "/settings/api-tokens/",
        "/costs/rates/",
        "/recommendations/",
        "/recommendations/?status=all",
        f"/recommendations/{estate['finding']}/",
        "/recommendations/settings/",
        "/recommendations/policies/",
        *[f"/recommendations/policies/new/?kind={kind}" for kind in PolicyKind.values],
        f"/recommendations/policies/{estate['policy']}/",
        f"/recommendations/policies/{estate['policy']}/delete/",
        "/budgets/",
        "/budgets/new/",
        f"/budgets/{estate['budget']}/",
        f"/budgets/{estate['budget']}/edit/",
    ]


def test_russian_pages_show_no_raw_codes(w, client_for, estate):
    client = client_for(w.alice, "alpha")
    found = {}
    for url in _pages(estate):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="ru"' in response.content.decode(), url
        if problems := raw_codes_in(response.content.decode()):
            found[url] = problems
    assert found == {}


def test_cost_explorer_labels_focus_values_but_keeps_their_codes_as_values(w, client_for, estate):
    html = client_for(w.alice, "alpha").get("/costs/?group_by=service_category").content.decode()
    assert '<option value="Compute">Вычисления</option>' in html
    assert "По счетам</option>" in html
    assert 'data-group="Compute"' in html


@pytest.fixture
def staff(w):
    return User.objects.create_superuser(email="support@infrazen.test", password="Support-Pass-1")


def test_admin_lists_and_forms_read_in_russian(w, client_for, staff):
    client = client_for(staff)
    invitation = Invitation.objects.create(
        organization=w.alpha,
        email="new@alpha.test",
        role="viewer",
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=7),
    )
    urls = [
        "/admin/",
        "/admin/tenants/organization/",
        f"/admin/tenants/organization/{w.alpha.pk}/change/",
        "/admin/tenants/partner/add/",
        "/admin/tenants/domain/",
        f"/admin/tenants/domain/{Domain.objects.filter(tenant=w.alpha).first().pk}/change/",
        "/admin/tenants/partner/",
        f"/admin/tenants/partner/{w.partner.pk}/change/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{w.alice.pk}/change/",
        "/admin/accounts/membership/",
        f"/admin/accounts/membership/{Membership.objects.first().pk}/change/",
        "/admin/accounts/invitation/",
        f"/admin/accounts/invitation/{invitation.pk}/change/",
        "/admin/currency/exchangerate/",
        "/admin/currency/exchangerate/add/",
    ]
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if problems := raw_codes_in(response.content.decode()):
            found[url] = problems
    assert found == {}


def test_admin_titles_use_the_accusative(w, client_for, staff):
    client = client_for(staff)
    change = client.get(f"/admin/tenants/organization/{w.alpha.pk}/change/").content.decode()
    assert "<h1>Изменить организацию</h1>" in change
    changelist = client.get("/admin/tenants/organization/").content.decode()
    assert "Выберите организацию для изменения" in changelist
    assert "Добавить партнёра (MSP)" in client.get("/admin/tenants/partner/").content.decode()
    assert "<h1>Добавить пользователя</h1>" in client.get("/admin/accounts/user/add/").content.decode()
    domains = client.get("/admin/tenants/domain/").content.decode()
    assert "Основной" in domains and "Имя хоста" in domains


def test_admin_of_third_party_models_uses_case_neutral_titles(w, client_for, staff):
    """Django's «Изменить %s» with a nominative name reads wrong; models without an accusative form get
    «Изменение: …» instead (django-q2's schedules here)."""
    html = client_for(staff).get("/admin/django_q/schedule/").content.decode()
    assert "Выбор для изменения: " in html
    assert "Выберите Запланированная" not in html
