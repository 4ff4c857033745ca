"""The «Бизнес-контекст» page: overall coverage, a bar per dimension and the largest unallocated costs, in Russian
with Russian number formats (estate of ``conftest.py``: 420 ₽ over 1-2 May 2025)."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger

from .conftest import D1, D2, named

pytestmark = pytest.mark.django_db

NBSP = "\xa0"
PAGE = "/business/?start=2025-05-01&end=2025-05-02"


def _html(client, path=PAGE) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str, attribute: str) -> list[str]:
    return [re.sub(r"[ \t\n]+", " ", value).strip() for value in re.findall(rf"{attribute}[^>]*>(.*?)</", html, re.S)]


def test_the_page_shows_overall_coverage_and_unallocated_roubles_in_russian(estate, client_for):
    html = _html(client_for(estate.alice, "alpha"))
    assert "Бизнес-контекст" in html
    assert "Не распределено" in html
    # overall: 350 of 420 ₽ allocated = 83,3 %; resources 3 of 5 = 60,0 %; unallocated 70 ₽ of 420 ₽
    assert f"83,3{NBSP}%" in html
    assert f"60,0{NBSP}%" in html
    assert f"70,00{NBSP}₽" in html
    assert f"420,00{NBSP}₽" in html
    assert "Бизнес-направление, Окружение" in html  # the required dimensions named


def test_each_dimension_has_its_bar_with_shares_and_unallocated_roubles(estate, client_for):
    html = _html(client_for(estate.alice, "alpha"))
    unit = html.split('data-biz-dimension="business_unit"')[1].split("</li>")[0]
    # business unit: 390 of 420 = 92,9 %, 4 of 5 resources = 80,0 %, 30 ₽ left
    assert f"92,9{NBSP}%" in unit and f"80,0{NBSP}%" in unit and f"30,00{NBSP}₽" in unit
    assert "pct-93" in unit and "pct-80" in unit
    project = html.split('data-biz-dimension="project"')[1].split("</li>")[0]
    # project: no rule and no split sets it: 0 of 420, all 420 ₽ left
    assert f"0,0{NBSP}%" in project and f"420,00{NBSP}₽" in project


def test_the_largest_unallocated_resources_are_listed_most_expensive_first(estate, client_for):
    html = _html(client_for(estate.alice, "alpha"))
    table = html.split("data-biz-largest")[1]
    assert table.index("crm-prod-db") < table.index("legacy-box")
    assert _text(table, "data-biz-cost") == [f"40,00{NBSP}₽", f"30,00{NBSP}₽"]
    assert "shop-prod-web" not in table


def test_a_manager_gets_the_manual_assignment_link(estate, client_for):
    html = _html(client_for(estate.alice, "alpha"))
    assert 'href="/business/overrides/edit/?resource=crm-prod-db"' in html
    assert "Назначить вручную" in html
    assert 'href="/business/suggestions/"' in html and 'href="/business/rules/"' in html
    viewer = _html(client_for(estate.vera, "alpha"))  # may look, may not assign
    assert "Назначить вручную" not in viewer


def test_the_period_links_select_a_preset(estate, client_for):
    html = _html(client_for(estate.vera, "alpha"), "/business/?period=90d")
    assert re.search(r'btn-primary"[^>]*href="\?period=90d"[^>]*aria-current', html)


def test_a_bad_date_shows_an_error_and_the_last_30_days(estate, client_for):
    html = _html(client_for(estate.alice, "alpha"), "/business/?start=2025-05-02&end=2025-05-01")
    assert "data-biz-period-error" in html
    assert "Дата окончания раньше даты начала." in html


def test_an_organization_without_costs_sees_what_to_do(w, client_for):
    html = _html(client_for(w.alice, "alpha"))
    assert "data-biz-empty" in html
    assert "За этот период затрат пока нет" in html


def test_every_role_sees_the_page_and_the_navigation_entry(estate, client_for):
    for persona in (estate.alice, estate.adam, estate.fiona, estate.erin, estate.vera):
        html = _html(client_for(persona, "alpha"))
        assert re.search(r'href="/business/"[^>]*aria-current="page"', html)


def test_beta_sees_only_its_own_costs(estate, client_for):
    with schema_context(estate.beta.schema_name):
        ledger([named(D1, "50", "beta-vm"), named(D2, "25", "beta-vm")])
        cost_rollups_refresh(start=D1, end=D2)
    html = _html(client_for(estate.bob, "beta"))
    assert "beta-vm" in html and f"75,00{NBSP}₽" in html
    assert "crm-prod-db" not in html and "legacy-box" not in html


def test_a_stranger_is_refused(estate, client_for):
    assert client_for(estate.charlie, "alpha").get(PAGE).status_code in (302, 403, 404)
