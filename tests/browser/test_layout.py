"""Real Chromium at 1440 px and 390 px over every page: no raw code in the Russian text, nothing wider than
the window, cards side by side start at the same height, no button spills out of its card, and the connections
page's own defects stay fixed (the provider picker hides once a provider is chosen, names are shown whole).

One browser and one page per persona for the whole module: the pages are many, the sessions few."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.demo.seeding import demo_costs_seed
from apps.tenants.models import Organization
from apps.tenants.services import organization_create
from tests.common.test_russian_ui import raw_codes_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SLUG = "layout"
WIDTHS = (1440, 390)

# Run in the page: everything that makes the layout wrong, as readable strings (empty when all is well).
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth)
    problems.push(`page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window`);
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
    (el.textContent.trim() ? ` «${el.textContent.trim().replace(/\\s+/g, ' ').slice(0, 30)}»` : '');
  const scrollsBetween = (el, box) => {
    for (let p = el.parentElement; p && p !== box; p = p.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  // A button or button-like link stays inside the card (or dialog) that holds it.
  for (const el of document.querySelectorAll('button, .btn')) {
    const box = el.closest('.card, .auth-card, dialog');
    if (!box || !visible(el) || !visible(box) || scrollsBetween(el, box)) continue;
    const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (r.left < b.left - 1 || r.right > b.right + 1)
      problems.push(`${name(el)} spills out of ${name(box).slice(0, 40)}`);
  }
  // Cards side by side (same parent, overlapping heights, not overlapping widths) start at the same top.
  const parents = new Set([...document.querySelectorAll('.card')].map((c) => c.parentElement));
  for (const parent of parents) {
    const cards = [...parent.children].filter((c) => visible(c) && c.matches('.card, .conn-add-tile'));
    for (let i = 0; i < cards.length; i++) for (let j = i + 1; j < cards.length; j++) {
      const a = cards[i].getBoundingClientRect(), b = cards[j].getBoundingClientRect();
      const sideBySide = a.top < b.bottom && b.top < a.bottom && (a.right <= b.left || b.right <= a.left);
      if (sideBySide && Math.abs(a.top - b.top) > 1)
        problems.push(`${name(cards[j]).slice(0, 40)} starts ${Math.round(b.top - a.top)}px lower than its neighbour`);
    }
  }
  return problems;
}"""

OPEN_ALL_DETAILS = "() => document.querySelectorAll('main details:not([data-dropdown])').forEach((d) => d.open = true)"


@pytest.fixture(scope="module")
def estate(world, django_db_blocker):
    """An organization with the demo estate (two connections, resources, costs), one sync run with an
    endpoint error, and an account card as full as Beget's; the MSP partner manages it."""
    from apps.inventory.models import Resource
    from apps.providers.models import ProviderConnection, SyncRun

    with django_db_blocker.unblock():
        org = organization_create(slug=SLUG, name="Layout Check LLC", partner=world.partner)
        owner = User.objects.create_user(email="lena@layout.test", password=PASSWORD, full_name="Lena Layout")
        Membership.objects.create(user=owner, organization=org, role=Role.OWNER)
        with schema_context(org.schema_name):
            demo_costs_seed()
            first = ProviderConnection.objects.order_by("pk").first()
            ProviderConnection.objects.filter(pk=first.pk).update(
                account_info={
                    "account_id": "478587",
                    "status": "active",
                    "plan_name": "Blog 2024 (годовой)",
                    "currency": "RUB",
                    "balance": "1234567.89",
                    "daily_rate": "121.46",
                    "monthly_rate": "3643.80",
                    "days_to_block": 4,
                    "limits": {
                        "cores": {"used": 18, "limit": 20},
                        "ram": {"used": 40960, "limit": 65536, "unit": "MB"},
                    },
                    "software": {"PHP": "8.2", "MySQL": "8.0", "nginx": "1.24"},
                }
            )
            SyncRun.objects.create(
                connection=first,
                status="partial",
                phase="done",
                resources_found=11,
                endpoints_total=4,
                endpoints_ok=3,
                endpoints_failed=1,
                errors=[{"endpoint": "vpc/resell/v2/quotas", "message": "HTTP 500"}],
            )
            ids = {"connection": first.pk, "resource": Resource.objects.order_by("pk").first().pk}
            ids["finding"] = _finding(ids["resource"], first.provider)
            ids["policy"] = _policy(first.pk)
            ids["budget"] = _budget()
        connection.set_schema_to_public()
    yield {"owner": owner, **ids}
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        owner.delete()
        Organization.objects.get(pk=org.pk).delete(force_drop=True)


def _finding(resource_pk: int, provider: str) -> int:
    """A long-titled finding with a formula, a metric window and an hour-of-week profile (the detail page's
    chart), as the rules write them."""
    from django.utils import timezone

    from apps.recommendations.models import Finding

    now = timezone.now()
    return Finding.objects.create(
        rule="rightsizing_vm", subject=str(resource_pk), category="rightsizing", status="open",
        resource_id=resource_pk, provider=provider, action="rightsize", confidence="medium",
        title="Уменьшить размер сервера «analytics-spb-primary-database-replica-01»",
        estimated_monthly_savings="1234567.89", confidence_reason="Окно метрик короче 14 дней: оценка по 7 дням",
        formula="(8 vCPU → 4 vCPU) × 1,51 ₽ за vCPU в час × 720 ч = 4 348,80 ₽",
        action_text="Смените тип сервера в консоли провайдера в нерабочее время.",
        evidence={"cpu_percent": {"p95": "21.5", "avg": "12", "max": "48", "points": 168,
                                  "start": "2030-06-01T00:00:00+03:00", "end": "2030-06-08T00:00:00+03:00"},
                  "profile": [str(n % 24 * 2.5) for n in range(168)]},
        first_seen_at=now, last_seen_at=now, status_changed_at=now).pk


def _policy(connection_pk: int) -> int:
    """A policy with a long name and a scope of every sort (the list's scope column, the edit page's form)."""
    from apps.recommendations.models import Policy

    return Policy.objects.create(
        name="Обязательные теги и поля для всех рабочих серверов аналитической платформы", kind="required_tags",
        params={"tags": ["team", "cost-center"], "fields": ["owner", "cost_center"]},
        scope={"providers": ["yandex", "selectel"], "connections": [connection_pk], "kinds": ["compute", "volume"],
               "regions": ["ru-central1-a", "ru-central1-b"], "environments": ["production"]}).pk


def _budget() -> int:
    """A budget of the whole demo estate with a long name that has crossed thresholds (its history)."""
    from django.utils import timezone

    from apps.budgets.services import budget_create, budgets_evaluate

    budget = budget_create(actor=None, name="Облачная инфраструктура аналитической платформы и хранилища данных",
                           amount="1000")
    budgets_evaluate(now=timezone.now())
    return budget.pk


def _new_page(browser, live_url, *, email: str | None, slug: str | None):
    context = browser.new_context(locale="ru-RU", viewport={"width": WIDTHS[0], "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    if email:
        page.goto(live_url(slug, "/accounts/login/"))
        page.fill("input[name=login]", email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form:has(input[name=login]) button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
    return page


@pytest.fixture(scope="module")
def pages(estate, live_url, browser):
    """Three signed-in (or anonymous) pages, reused by every test of the module."""
    made = {
        "owner": _new_page(browser, live_url, email=estate["owner"].email, slug=SLUG),
        "operator": _new_page(browser, live_url, email="oscar@msp.test", slug=None),
        "anonymous": _new_page(browser, live_url, email=None, slug=None),
    }
    yield made
    for page in made.values():
        page.context.close()


def _problems(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.evaluate(OPEN_ALL_DETAILS)
    # The Russian UI as the browser has it (scripts included): no raw codes in the visible text either.
    return page.evaluate(LAYOUT_PROBLEMS) + raw_codes_in(page.content())


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_window(estate, live_url, pages, width):
    org_paths = [
        "/",
        "/?range=365",
        "/costs/",
        "/costs/?range=365&group_by=resource",
        "/costs/?group_by=provider&chart=pie",
        "/resources/",
        f"/resources/{estate['resource']}/",
        "/connections/",
        f"/connections/{estate['connection']}/history/",
        "/costs/imports/",
        "/settings/members/",
        "/settings/invitations/",
        "/settings/organization/",
        "/settings/audit/",
        "/settings/api-tokens/",
        "/costs/rates/",
        "/recommendations/",
        "/recommendations/?status=all&category=rightsizing",
        f"/recommendations/{estate['finding']}/",
        "/recommendations/settings/",
        "/recommendations/policies/",
        "/recommendations/policies/new/?kind=ttl",
        f"/recommendations/policies/{estate['policy']}/",
        "/budgets/",
        "/budgets/new/",
        f"/budgets/{estate['budget']}/",
        f"/budgets/{estate['budget']}/edit/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
    ]
    visits = [("owner", live_url(SLUG, path)) for path in org_paths]
    visits += [("operator", live_url(None, "/orgs/"))]
    visits += [
        ("anonymous", live_url(None, path))
        for path in ("/", "/accounts/login/", "/signup/", "/accounts/password/reset/")
    ]
    found = {}
    for persona, url in visits:
        page = pages[persona]
        page.set_viewport_size({"width": width, "height": 900})
        problems = _problems(page, url)
        assert "/accounts/login/" not in page.url or persona == "anonymous", f"{persona} was sent to log in at {url}"
        if problems:
            found[url] = problems
    assert found == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_connections_page_cards_dialogs_and_names(estate, live_url, pages, width):
    page = pages["owner"]
    page.set_viewport_size({"width": width, "height": 900})
    assert _problems(page, live_url(SLUG, "/connections/")) == []

    # Cards of one row start at the same top (the second one sat 24 px lower).
    tops = page.eval_on_selector_all(".conn-grid > *", "els => els.map(e => e.getBoundingClientRect().top)")
    assert len(tops) == 3  # two connections and the «add» tile
    if width == 1440:
        assert tops[0] == tops[1]

    # The delete button sits inside its card.
    for card in page.locator("[data-connection-card]").all():
        box, delete = card.bounding_box(), card.locator(".conn-delete").bounding_box()
        assert box["x"] <= delete["x"] and delete["x"] + delete["width"] <= box["x"] + box["width"]
        assert box["y"] <= delete["y"] and delete["y"] + delete["height"] <= box["y"] + box["height"]

    # Account figures fit their boxes (a balance of 1 234 567,89 ₽ ran over the edge).
    for kpi in page.locator(".conn-kpi").all():
        assert kpi.evaluate("el => el.scrollWidth <= el.clientWidth"), kpi.inner_text()

    # Names are shown whole («Selectel — ос…» before).
    names = page.locator("[data-connection-card] h3")
    assert sorted(names.all_inner_texts()) == ["Selectel — основной аккаунт", "Yandex Cloud — production"]
    for name in names.all():
        assert name.evaluate("el => el.scrollWidth <= el.clientWidth")
        if width == 1440:  # on one line
            assert (
                name.evaluate(
                    "el => { const r = document.createRange(); r.selectNodeContents(el);"
                    " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"
                )
                == 1
            )

    # Adding: the picker shows first, and hides once a provider is chosen (display:grid beat [hidden]).
    page.locator("[data-testid=add-provider]").first.click()
    dialog = page.locator("#add-dialog")
    dialog.wait_for(state="visible")
    picker = dialog.locator("[data-step=pick]")
    assert picker.is_visible()
    dialog.locator("[data-provider-pick=selectel]").click()
    assert dialog.locator("[data-provider-panel=selectel]").is_visible()
    assert picker.is_hidden()
    assert dialog.locator("[data-provider-panel=yandex]").is_hidden()
    assert page.evaluate(LAYOUT_PROBLEMS) == []
    dialog.locator("[data-provider-panel=selectel] [data-provider-back]").click()
    assert picker.is_visible()
    dialog.locator("[data-dialog-close]").first.click()

    # Editing a connection: its dialog fits the window too.
    page.locator(f"[data-dialog-open=edit-dialog-{estate['connection']}]").click()
    edit = page.locator(f"#edit-dialog-{estate['connection']}")
    edit.wait_for(state="visible")
    assert page.evaluate(LAYOUT_PROBLEMS) == []
    box = edit.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    edit.locator("[data-dialog-close]").first.click()
