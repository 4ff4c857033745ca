"""The resources page's run-rate and the dashboard's spend are different figures: each page says which it shows."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django_tenants.utils import schema_context

from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row
from tests.inventory.test_resource_pages import _seed

pytestmark = pytest.mark.django_db
NB = "\u00a0"


@pytest.fixture(autouse=True)
def _noon(time_machine):
    time_machine.move_to(datetime(2025, 6, 30, 12, 0, tzinfo=UTC), tick=False)


def test_the_resources_page_labels_its_money_as_the_current_run_rate(w, client_for):
    _seed(w)
    html = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/resources/").content.decode()
    summary = html.split("data-summary", 1)[1].split("</section>", 1)[0]
    assert "Текущая стоимость в день" in summary and "Текущая стоимость в месяц" in summary
    assert f"data-summary-monthly>3{NB}668,90{NB}₽<" in summary
    assert summary.count("ресурсы, которые есть сейчас, по текущим ценам") == 2
    assert summary.count('title="Сколько стоят ресурсы, которые есть сейчас, по их текущим ценам') == 2
    assert "Это не расходы за период" in summary


def test_the_dashboard_labels_its_total_as_spend_over_the_period(w, client_for):
    _seed(w)
    with schema_context(w.alpha.schema_name):
        ledger([row(date(2025, 6, 20), "117150")])
        cost_rollups_refresh(start=date(2025, 6, 1), end=date(2025, 6, 30), fetch_missing_rates=False)
    html = client_for(w.vera, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/").content.decode()
    card = re.search(r'data-kpi="total"(.*?)</article>', html, re.S).group(1)
    assert re.search(r"data-spend-label>Расходы за период<", card)
    assert 'title="Начислено за выбранный период по данным биллинга' in card
    assert f"117{NB}150,00{NB}₽" in card
    # The resource table's money is the run-rate too, and says so.
    assert 'title="Сколько ресурс стоит в месяц по текущей цене (месяц — 30 дней)" data-run-rate>В месяц<' in html
