"""Content-Security-Policy (django-csp): every response carries it, and no page relies on what it forbids
(inline scripts without a nonce, on*= handlers, javascript: URLs, inline style attributes or <style> elements)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.anomalies.models import Anomaly
from apps.budgets.services import budget_create
from apps.demo.seeding import demo_costs_seed
from apps.inventory.models import Resource
from apps.providers.models import ProviderConnection

PUBLIC_PAGES = ["/", "/accounts/login/", "/signup/", "/accounts/password/reset/", "/api/docs/", "/no-such-page/"]
ORGANIZATION_PAGES = [
    "/", "/costs/", "/costs/?group_by=service&days=90", "/costs/imports/", "/connections/", "/resources/",
    "/settings/members/", "/settings/invitations/", "/settings/organization/", "/settings/audit/",
    "/settings/api-tokens/", "/api/docs/", "/no-such-page/", "/anomalies/",
    "/recommendations/settings/", "/recommendations/policies/", "/recommendations/policies/new/?kind=ttl",
]
# Data blocks (json_script) are not executed, so the policy does not apply to them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class InlineCode(HTMLParser):
    """What in a page the policy would block: the reason for each, with the tag."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.problems: list[str] = []
        self._open_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> inline event handler")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}> inline style attribute")
        if tag == "script":
            self._open_script = attributes
        if tag == "style" and not (self.nonce and attributes.get("nonce") == self.nonce):
            self.problems.append("<style> element without the response's nonce")

    def handle_endtag(self, tag):
        if tag == "script":
            self._open_script = None

    def handle_data(self, data):
        script = self._open_script
        if script is None or not data.strip() or "src" in script:
            return
        if (script.get("type") or "").lower() in DATA_SCRIPT_TYPES:
            return
        if not (self.nonce and script.get("nonce") == self.nonce):
            self.problems.append(f"inline <script> without the response's nonce: {data.strip()[:80]!r}")


def inline_code_problems(response) -> list[str]:
    nonces = [v[len("'nonce-"):-1] for v in policy_of(response).get("script-src", []) if v.startswith("'nonce-")]
    parser = InlineCode(nonces[0] if nonces else None)
    parser.feed(response.content.decode())
    return parser.problems


@pytest.fixture
def estate(w):
    """alpha with the demo estate: the dashboard, explorer and resources pages draw charts and bars."""
    with schema_context(w.alpha.schema_name):
        demo_costs_seed()
        connection = ProviderConnection.objects.order_by("pk").first()
        resource = Resource.objects.order_by("pk").first()
        # An anomaly with its chart and contributors on the «Аномалии» page.
        Anomaly.objects.create(
            scope_type="service", scope_key="Compute Cloud", scope_label="Compute Cloud", first_date=date(2026, 5, 25),
            date=date(2026, 5, 25), kind="spike", expected=Decimal("10000.00"), actual=Decimal("16000.00"),
            impact=Decimal("6000.00"), currency="RUB",
            contributors=[{"key": "vm-b", "label": "web-2", "service": "Compute Cloud", "actual": "10000.00",
                           "expected": "4000.00", "increase": "6000.00"}],
            series=[{"date": "2026-05-24", "actual": "10000.00", "expected": None},
                    {"date": "2026-05-25", "actual": "16000.00", "expected": "10000.00"}])
        # A budget: its page draws the budget-vs-actual chart.
        budget = budget_create(actor=None, name="Облако", amount="1000")
    return [f"/connections/{connection.pk}/history/", f"/resources/{resource.pk}/", "/budgets/",
            "/budgets/new/", f"/budgets/{budget.pk}/", f"/budgets/{budget.pk}/edit/"]


def test_the_policy_allows_only_this_site_and_no_inline_code(w, client_for):
    policy = policy_of(client_for(None, None).get("/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # a nonce only on a response that uses one
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    for values in policy.values():
        assert "'unsafe-inline'" not in values and "'unsafe-eval'" not in values
        assert not any(v.startswith(("http:", "https:", "*")) for v in values)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_carry_the_policy_and_no_inline_code(w, client_for, path):
    response = client_for(None, None).get(path)
    assert response.status_code in (200, 404)
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert inline_code_problems(response) == []


def test_organization_pages_carry_the_policy_and_no_inline_code(w, client_for, estate):
    client = client_for(w.alice, "alpha")
    for path in [*ORGANIZATION_PAGES, *estate]:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert "default-src 'self'" in response["Content-Security-Policy"], path
        assert inline_code_problems(response) == [], path
    dashboard = client.get("/").content.decode()
    assert 'class="dash-bar-' in dashboard and "pct-" in dashboard  # the bars keep their widths as classes


def test_logged_in_public_pages_and_refusals_carry_the_policy(w, client_for):
    staff = User.objects.create_superuser(email="support@infrazen.test", password="Support-Pass-1")
    responses = [
        client_for(w.oscar, None).get("/orgs/"),
        client_for(staff, None).get("/admin/"),
        client_for(staff, None).get("/admin/accounts/user/"),
        client_for(w.charlie, "alpha").get("/"),  # no access: 403 page
        client_for(None, "alpha").get("/api/v1/me/"),  # API error
        client_for(None, None).get("/healthz"),
    ]
    for response in responses:
        assert "default-src 'self'" in response["Content-Security-Policy"], response.request["PATH_INFO"]
    for response in [responses[0], responses[3]]:
        assert inline_code_problems(response) == [], response.request["PATH_INFO"]


def test_the_support_admin_may_use_inline_styles_but_no_inline_scripts(w, client_for):
    """Django's and django-tenants' admin templates carry inline styles: only there, only styles."""
    staff = User.objects.create_superuser(email="support@infrazen.test", password="Support-Pass-1")
    for path in ("/admin/", "/admin/accounts/user/", "/admin/accounts/apitoken/"):
        response = client_for(staff, None).get(path)
        policy = policy_of(response)
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"], path
        assert policy["script-src"] == ["'self'"], path
        assert [p for p in inline_code_problems(response) if "style" not in p] == [], path
    assert policy_of(client_for(staff, None).get("/orgs/"))["style-src"] == ["'self'"]


def test_the_swagger_page_loads_its_init_script_from_the_site(w, client_for):
    client = client_for(None, "alpha")
    page = client.get("/api/docs/").content.decode()
    assert re.search(r'<script src="/api/docs/\?script="', page)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_inline_code_check_catches_what_the_policy_blocks(w, client_for):
    """The scanner itself can fail: each forbidden shape is reported."""
    from django.http import HttpResponse

    response = HttpResponse(
        '<script>alert(1)</script><script type="application/json">{"a": 1}</script>'
        '<script src="/static/js/app.js"></script><a href="javascript:void(0)" onclick="x()">x</a>'
        '<span style="width: 5%"></span><style>p {}</style>'
    )
    response["Content-Security-Policy"] = "script-src 'self'"
    problems = inline_code_problems(response)
    assert len(problems) == 5, problems


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("apps/*/templates")]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def test_no_template_has_an_inline_script_or_handler():
    """Templates no test renders are covered too: a <script> needs a src (or a nonce), and no on*= handlers."""
    offenders = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            offenders += [f"{path}: {m.group(0)[:60]}" for m in INLINE_SCRIPT.finditer(text)]
            offenders += [f"{path}: {m.group(0)[:60]}" for m in INLINE_HANDLER.finditer(text)]
            # A document template (``*_pdf.html``) is laid out by WeasyPrint into a PDF and never served to a
            # browser, so the policy does not apply to it; its styles carry the brand colours from the context.
            if re.search(r"<style\b|\sstyle=\"", text) and not path.name.endswith("_pdf.html"):
                offenders.append(f"{path}: inline style")
    assert offenders == []


def test_djangos_debug_pages_are_left_without_the_policy_only_in_debug(w, client_for, settings):
    """The technical 404/500 pages of DEBUG are made of inline styles and scripts; production pages never are."""
    assert "Content-Security-Policy" in client_for(None, None).get("/no-such-page/")
    settings.DEBUG = True
    response = client_for(None, None).get("/no-such-page/")
    assert response.status_code == 404
    assert "Content-Security-Policy" not in response
    assert "Content-Security-Policy" in client_for(None, None).get("/")
