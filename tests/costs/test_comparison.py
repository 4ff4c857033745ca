"""One rule decides whether a period may be compared with the one before it, on the dashboard, in the explorer
and in the API (apps.costs.selectors.comparison). Ledgers are made by hand; the clock is held at noon UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django_tenants.utils import schema_context

from apps.costs.selectors.comparison import comparison_meaningful, period_history
from apps.costs.selectors.spend import Period, spend_top_services
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 30)
NB = "\u00a0"
MINUS = "\u2212"


@pytest.fixture(autouse=True)
def _noon(time_machine):
    time_machine.move_to(datetime(2025, 6, 30, 12, 0, tzinfo=UTC), tick=False)


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _load(w, rows):
    with schema_context(w.alpha.schema_name):
        ledger(rows)
        first = min(r.charge_date for r in rows)
        cost_rollups_refresh(start=first, end=TODAY, fetch_missing_rates=False)


def _kpi(html: str, name: str) -> str:
    match = re.search(rf'data-kpi="{name}"(.*?)</article>', html, re.S)
    assert match, f"no KPI card {name}"
    return match.group(1)


@pytest.fixture
def almost_empty_previous_year(w):
    """A full current year (01.07.2024–30.06.2025, 100 ₽ a day) and only the last 20 days of the year before it."""
    current = [row(day, "100") for day in _days(date(2024, 7, 1), TODAY)]
    previous = [row(day, "5") for day in _days(date(2024, 6, 11), date(2024, 6, 30))]
    _load(w, current + previous)


@pytest.fixture
def gap_in_the_previous_month(w):
    """Old history (one charge in 2023) but the previous 30 days have costs on two days only: the ledger's first
    date is early, the previous period is still not known."""
    rows = [row(date(2023, 1, 10), "1")]
    rows += [row(day, "100") for day in _days(date(2025, 6, 1), TODAY)]
    rows += [row(date(2025, 5, 2), "100"), row(date(2025, 5, 3), "100")]
    _load(w, rows)


@pytest.fixture
def two_full_months(w):
    """30 days at 100 ₽ and the 30 days before them at 120 ₽: a −600 ₽ (−16,7 %) change; a service that exists
    only in the last five days."""
    rows = [row(day, "100") for day in _days(date(2025, 6, 1), TODAY)]
    rows += [row(day, "120") for day in _days(date(2025, 5, 2), date(2025, 5, 31))]
    rows += [row(day, "10", service="Brand New") for day in _days(date(2025, 6, 26), TODAY)]
    _load(w, rows)


# --- the rule, by hand -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current_days", "previous_days", "expected"),
    [
        (30, 30, True),
        (30, 27, True),  # 27 ≥ 0.9 × 30
        (30, 26, False),
        (365, 20, False),  # the 9 322 % case
        (12, 11, True),  # a monthly source: 11 of 12 charge days
        (12, 10, False),
        (5, 30, True),  # the current period is thinner: a fall is a real fall
        (0, 0, False),
        (30, 0, False),
    ],
)
def test_the_previous_period_needs_data_on_nine_tenths_of_the_current_periods_days(
    current_days, previous_days, expected
):
    assert comparison_meaningful(current_days=current_days, previous_days=previous_days) is expected


def test_period_history_counts_distinct_days_with_costs_in_each_period(w, almost_empty_previous_year):
    with schema_context(w.alpha.schema_name):
        history = period_history(start=date(2024, 7, 1), end=TODAY)
    assert (history.days, history.current_days, history.previous_days) == (365, 365, 20)
    assert history.comparable is False


# --- the explorer and its API ------------------------------------------------------------------------------------


def test_the_365_day_explorer_says_not_enough_history_instead_of_thousands_of_percent(
    w, client_for, almost_empty_previous_year
):
    html = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/costs/", {"period": "365d"}).content.decode()
    assert "data-cx-nocompare" in html and "data-cx-change" not in html
    assert "Недостаточно истории для сравнения с предыдущим периодом в 365 дней" in html
    assert "Расходы есть только за 20 из 365 дней предыдущего периода" in html
    assert f"36{NB}500,00{NB}₽" in html  # the year's total, with kopecks
    assert "%" not in html.split("data-cx-total", 1)[1].split("cx-chart-card", 1)[0]  # no percentage at all


def test_the_api_gives_no_delta_when_the_periods_cannot_be_compared(w, client_for, almost_empty_previous_year):
    body = (
        client_for(w.alice, "alpha").get("/api/v1/costs/timeseries/", {"period": "365d", "granularity": "month"}).json()
    )
    assert body["total"] == "36500.00"
    assert body["previous"] == {
        "start": "2023-07-02",
        "end": "2024-06-30",
        "total": "100.00",
        "delta": None,
        "delta_pct": None,
        "comparable": False,
        "days": 365,
        "days_with_data": 20,
        "current_days_with_data": 365,
    }
    (group,) = body["groups"]
    assert (group["previous"], group["delta"], group["delta_pct"]) == ("100.00", None, None)


def test_the_explorer_compares_full_periods_with_signed_amounts_and_percentages(w, client_for, two_full_months):
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    html = client.get(
        "/costs/", {"start": "2025-06-01", "end": "2025-06-30", "service": "Compute Cloud"}
    ).content.decode()
    assert "data-cx-change" in html and "data-cx-nocompare" not in html
    # 3 000 − 3 600 = −600; −600 / 3 600 = −16,67 %
    assert f'{MINUS}600,00{NB}₽ <span class="small">({MINUS}16,7{NB}%)</span>' in html
    assert f"3{NB}600,00{NB}₽" in html


def test_a_filter_to_a_new_service_is_not_compared_even_when_the_whole_ledger_is(w, client_for, two_full_months):
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    whole = client.get("/costs/", {"start": "2025-06-01", "end": "2025-06-30"}).content.decode()
    assert "data-cx-change" in whole
    new = client.get("/costs/", {"start": "2025-06-01", "end": "2025-06-30", "service": "Brand New"}).content.decode()
    assert "data-cx-nocompare" in new and "data-cx-change" not in new


# --- the dashboard, same data, same answer -----------------------------------------------------------------------


def test_the_dashboard_and_the_explorer_agree_on_an_almost_empty_previous_year(
    w, client_for, almost_empty_previous_year
):
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    card = _kpi(client.get("/", {"range": "365"}).content.decode(), "total")
    assert "data-kpi-nocompare" in card and "data-kpi-change" not in card
    assert "Расходы есть только за 20 из 365 дней предыдущего периода" in card
    explorer = client.get("/costs/", {"period": "365d"}).content.decode()
    assert "data-cx-nocompare" in explorer


def test_a_gap_in_the_previous_month_is_not_compared_even_with_old_history(w, client_for, gap_in_the_previous_month):
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    card = _kpi(client.get("/", {"range": "30"}).content.decode(), "total")
    assert "data-kpi-nocompare" in card and "data-kpi-change" not in card
    explorer = client.get("/costs/", {"period": "30d"}).content.decode()
    assert "data-cx-nocompare" in explorer and "data-cx-change" not in explorer


def test_the_dashboard_compares_two_full_months_like_the_explorer(w, client_for, two_full_months):
    client = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
    card = _kpi(client.get("/", {"range": "30"}).content.decode(), "total")
    # 3 000 + 50 (the new service) = 3 050 against 3 600: −15,3 %
    assert f"3{NB}050,00{NB}₽" in card
    assert f"▼ {MINUS}15,3{NB}%" in card
    explorer = client.get("/costs/", {"period": "30d"}).content.decode()
    assert f"({MINUS}15,3{NB}%)" in explorer


@pytest.fixture
def late_starter(w):
    """Compute Cloud at 100 ₽ a day for 60 days; "Late Starter" at 100 ₽ a day in June and 10 ₽ on the last two
    days of May only: as a row of its own, +14 900 % against 20 ₽ would mislead."""
    rows = [row(day, "100") for day in _days(date(2025, 5, 2), TODAY)]
    rows += [row(day, "100", service="Late Starter") for day in _days(date(2025, 6, 1), TODAY)]
    rows += [row(date(2025, 5, 30), "10", service="Late Starter"), row(date(2025, 5, 31), "10", service="Late Starter")]
    _load(w, rows)


def test_each_row_of_the_explorer_follows_the_same_rule(w, client_for, late_starter):
    body = (
        client_for(w.alice, "alpha")
        .get("/api/v1/costs/timeseries/", {"start": "2025-06-01", "end": "2025-06-30", "group_by": "service"})
        .json()
    )
    assert body["previous"]["comparable"] is True  # 30 of 30 days for the whole view
    groups = {g["key"]: g for g in body["groups"]}
    late, compute = groups["Late Starter"], groups["Compute Cloud"]
    assert (late["comparable"], late["previous"], late["delta"], late["delta_pct"]) == (False, "20.00", None, None)
    assert (compute["comparable"], compute["delta"], compute["delta_pct"]) == (True, "0.00", "0.00")
    html = (
        client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru")
        .get("/costs/", {"start": "2025-06-01", "end": "2025-06-30", "group_by": "service"})
        .content.decode()
    )
    row_html = html.split('data-group="Late Starter"', 1)[1].split("</tr>", 1)[0]
    assert "14\u00a0900" not in row_html and "—" in row_html


def test_the_dashboards_top_services_follow_the_same_rule(w, client_for, late_starter):
    html = client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru").get("/", {"range": "30"}).content.decode()
    assert "14\u00a0900" not in html
    with schema_context(w.alpha.schema_name):
        services = {
            s["name"]: s["change_percent"]
            for s in spend_top_services(period=Period(30, date(2025, 6, 1), TODAY), comparable=True)
        }
    assert services == {"Compute Cloud": 0, "Late Starter": None}


def test_tag_groupings_and_several_tag_filters_apply_the_rule_too(w, client_for):
    """Grouping by a tag reads the tag rollup, two tag conditions read the ledger: both count days the same way."""
    rows = [row(day, "100", tags={"env": "prod", "team": "core"}) for day in _days(date(2025, 5, 2), TODAY)]
    rows += [row(day, "7", tags={"env": "dev", "team": "core"}) for day in _days(date(2025, 6, 25), TODAY)]
    rows += [row(day, "1") for day in _days(date(2025, 5, 2), TODAY)]  # untagged
    _load(w, rows)
    client = client_for(w.alice, "alpha")
    period = {"start": "2025-06-01", "end": "2025-06-30"}
    by_env = client.get("/api/v1/costs/timeseries/", {**period, "group_by": "tag:env"}).json()
    assert by_env["previous"]["comparable"] is True
    groups = {g["key"]: g for g in by_env["groups"]}
    assert (groups["prod"]["comparable"], groups["prod"]["delta"]) == (True, "0.00")
    assert (groups["dev"]["comparable"], groups["dev"]["delta"]) == (False, None)
    assert groups[""]["comparable"] is True  # the untagged rows follow the whole view
    ledger_view = client.get(
        "/api/v1/costs/timeseries/", {**period, "group_by": "tag:team", "tag": ["env:dev", "team:core"]}
    ).json()
    assert ledger_view["previous"]["comparable"] is False  # dev has costs on 6 days, none before June
    assert ledger_view["groups"][0]["delta"] is None
