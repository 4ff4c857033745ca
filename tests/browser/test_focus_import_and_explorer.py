"""Real Chromium, a real web server and a real django-q2 worker: upload a FOCUS file from the explorer,
watch the import's progress bar, open the imported period in the explorer and read its chart and table."""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from tests.browser.support import in_own_thread
from tests.browser.support import server_and_worker as browser_server_and_worker
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NBSP = "\xa0"
# Set BROWSER_SCREENSHOTS=/some/dir to keep desktop and mobile pictures of each page (for people, not asserts).
SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS", "")
# Several services, one currency (USD), charges from 2026-05-01 to 2026-05-27.
FOCUS_FILE = Path(__file__).resolve().parent.parent / "costs" / "data" / "aws_1_2_cost_and_usage_rows100_seed42.csv"
# The worker must not reach the real Central Bank for USD rates: the explorer link shows billing currencies.
CHILD_ENV = {"Q_WORKERS": "1", "CURRENCY_FETCH_MISSING": "false"}
DESKTOP = {"width": 1366, "height": 850}
MOBILE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server_and_worker(world):
    with browser_server_and_worker(CHILD_ENV) as server:
        yield server


def _money(amount: Decimal, symbol: str) -> str:
    """The page's money format in Russian: grouped with NBSP, comma decimals, always two places."""
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, _dot, frac = f"{abs(amount):,.2f}".partition(".")
    text = ("\u2212" if amount < 0 else "") + whole.replace(",", NBSP) + "," + frac
    return f"{text}{NBSP}{symbol}"


def _file_totals(path: Path) -> tuple[dict[str, Decimal], Decimal, str, str, str]:
    """An independent sum of BilledCost per ServiceName over the file (csv + Decimal), and its date span."""
    per_service: dict[str, Decimal] = defaultdict(Decimal)
    currencies, days = set(), set()
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            per_service[row["ServiceName"]] += Decimal(row["BilledCost"])
            currencies.add(row["BillingCurrency"])
            days.add(row["ChargePeriodStart"][:10])
    (currency,) = currencies
    return dict(per_service), sum(per_service.values(), Decimal(0)), currency, min(days), max(days)


def _shots(page, name: str) -> None:
    """Desktop and mobile full-page pictures of the current page (reloaded at each size)."""
    if not SCREENSHOTS:
        return
    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("mobile", MOBILE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)
        page.screenshot(path=str(folder / f"focus-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def _cleanup(django_db_blocker, schema_name: str, file_name: str, user_id: int) -> None:
    """Remove the test's imports, their ledger rows and rollups (committed), so other tests keep their state."""

    def work():
        from django_q.models import Task

        from apps.costs.models import BillingImport, CostRecord
        from apps.costs.services.rollups import cost_rollups_refresh
        from apps.currency.models import ExchangeRate

        ExchangeRate.objects.filter(schema_name=schema_name, created_by_id=user_id).delete()  # the rate form's
        with schema_context(schema_name):
            for billing_import in BillingImport.objects.filter(file_name=file_name, created_by_id=user_id):
                CostRecord.objects.filter(billing_import_id=billing_import.pk).delete()
                if billing_import.period_start:
                    start, end = billing_import.period_start, billing_import.period_end or billing_import.period_start
                    # Deletes the CostDaily (and every other rollup) rows of the range and rebuilds them from
                    # what is left in the ledger: nothing of this test's.
                    cost_rollups_refresh(start=start, end=end, fetch_missing_rates=False)
                Task.objects.filter(name=f"billing-import-{billing_import.pk}").delete()
                billing_import.delete()

    in_own_thread(work, django_db_blocker)


def test_owner_uploads_a_focus_file_watches_it_import_and_reads_the_explorer(page, server_and_worker, world,
                                                                           django_db_blocker):
    url = server_and_worker["url"]
    per_service, grand_total, currency, first_day, last_day = _file_totals(FOCUS_FILE)
    assert len(per_service) >= 5 and currency == "USD"
    try:
        page.set_viewport_size(DESKTOP)
        page.goto(url("alpha", "/costs/"))
        page.fill("input[name=login]", world.alice.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form:has(input[name=login]) button[type=submit]").first.click()
        page.wait_for_url(url("alpha", "/costs/"))
        assert page.locator("html").get_attribute("lang") == "ru"

        # From the explorer's header to the import page.
        page.locator("[data-import-link]").click()
        page.wait_for_url(url("alpha", "/costs/imports/"))
        _shots(page, "01-imports")

        page.set_input_files("#import-form input[type=file]", str(FOCUS_FILE))
        page.locator("#import-form button[type=submit]").click()
        page.wait_for_url("**/costs/imports/*/")
        bar = page.locator("#import-status [role=progressbar]")
        bar.wait_for(state="visible")
        # The page polls the API and reloads when the worker is done.
        page.wait_for_function(
            "() => document.querySelector('#import-status [role=progressbar]')"
            ".getAttribute('aria-valuenow') === '100' && document.getElementById('import-summary')",
            timeout=90_000)
        assert page.locator("#import-percent").inner_text() == f"100{NBSP}%"
        assert page.locator("#import-status").get_attribute("data-status") == "success"
        assert page.locator("#import-summary .imp-kpi-value").first.inner_text() == "100"  # rows in the file
        _shots(page, "02-import-detail")

        page.locator("[data-explorer-link]").click()
        page.wait_for_url("**/costs/?*")
        assert f"start={first_day}" in page.url and f"end={last_day}" in page.url

        page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('cx-chart'))")
        assert page.evaluate("() => document.getElementById('cx-chart').width") > 0
        datasets = page.evaluate(
            "() => Chart.getChart(document.getElementById('cx-chart')).data.datasets"
            ".map(d => ({label: d.label, points: d.data.filter(v => v > 0).length}))")
        assert {d["label"] for d in datasets} == set(per_service)
        assert all(d["points"] > 0 for d in datasets)

        rows = {}
        for row in page.locator(".cx-table tbody tr").all():
            # The label is the cell's first text; a currency badge may follow it.
            label = row.locator("td").first.evaluate("td => td.firstChild.textContent").strip()
            rows[label] = row.locator("td").nth(1).inner_text().strip()
        assert rows == {service: _money(total, "$") for service, total in per_service.items()}
        assert page.locator(".cx-total-row th").nth(1).inner_text() == _money(grand_total, "$")
        assert page.locator("[data-cx-total]").inner_text() == _money(grand_total, "$")
        _shots(page, "03-explorer")

        # The organization's currency while no USD rate is known: the page stays, the amounts stay in dollars
        # under a banner (Russian dates), and the owner follows its link to the rate form and back.
        page.select_option("#cx-currency", "org")
        page.select_option("#cx-group", "region")
        page.locator("#cx-filters button[type=submit]").click()
        page.wait_for_url("**/costs/?*currency=org*")
        banner = page.locator("[data-rates-missing]")
        assert banner.is_visible()
        first_ru, last_ru = (".".join(reversed(day.split("-"))) for day in (first_day, last_day))
        assert "Нет курса USD за" in banner.inner_text() and f"с {first_ru} по {last_ru}" in banner.inner_text()
        assert page.locator("#cx-group").input_value() == "region"
        assert page.locator("[data-group-currency=USD]").count() >= 1
        assert page.locator("[data-cx-unconverted]").inner_text().endswith(_money(grand_total, "$"))
        _shots(page, "03b-explorer-without-rate")
        page.locator("[data-rate-form-link]").click()
        page.wait_for_url("**/costs/rates/?*")
        assert page.locator("input[name=currency]").input_value() == "USD"
        assert page.locator("input[name=date]").input_value() == first_day
        for size in (MOBILE, {"width": 1440, "height": 900}):  # the rate form fits both widths
            page.set_viewport_size(size)
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), size
        page.set_viewport_size(DESKTOP)
        _shots(page, "03c-rate-form")
        page.fill("input[name=rate]", "90,5")
        page.locator("[data-rate-form] button[type=submit]").click()
        page.wait_for_url("**/costs/?*group_by=region*")
        banner = page.locator("[data-rates-missing]")
        assert banner.count() == 0, banner.first.inner_text()
        assert page.locator("#cx-group").input_value() == "region"
        assert page.locator("[data-cx-total]").inner_text() == _money(grand_total * Decimal("90.5"), "₽")
        if SCREENSHOTS:
            page.goto(url("alpha", "/costs/imports/"))
            _shots(page, "04-imports-history")
    except Exception:
        web_log, worker_log = server_and_worker["logs"]
        print("web server:\n" + "".join(web_log)[-4000:])
        print("worker:\n" + "".join(worker_log)[-4000:])
        raise
    finally:
        _cleanup(django_db_blocker, world.alpha.schema_name, FOCUS_FILE.name, world.alice.pk)


def test_an_invalid_file_ends_in_a_readable_report_without_a_link_to_the_explorer(page, server_and_worker, world,
                                                                                 django_db_blocker):
    url = server_and_worker["url"]
    bad_file = FOCUS_FILE.parent / "billedCostTest.csv"  # the FOCUS validator's fixture: columns missing
    try:
        page.goto(url("alpha", "/costs/imports/"))
        page.fill("input[name=login]", world.alice.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form:has(input[name=login]) button[type=submit]").first.click()
        page.wait_for_url(url("alpha", "/costs/imports/"))

        page.set_input_files("#import-form input[type=file]", str(bad_file))
        assert bad_file.name in page.locator("[data-imp-drop-name]").inner_text()
        page.locator("#import-form button[type=submit]").click()
        page.wait_for_url("**/costs/imports/*/")
        page.wait_for_function("() => document.getElementById('import-status').dataset.status === 'error'"
                               " && document.getElementById('import-report')", timeout=90_000)
        assert page.locator("#import-error").is_visible()
        assert page.locator("#import-report tbody tr").count() >= 1
        assert page.locator("#import-summary").count() == 0
        assert page.locator("[data-explorer-link]").count() == 0
        _shots(page, "05-import-error")
    except Exception:
        web_log, worker_log = server_and_worker["logs"]
        print("web server:\n" + "".join(web_log)[-4000:])
        print("worker:\n" + "".join(worker_log)[-4000:])
        raise
    finally:
        _cleanup(django_db_blocker, world.alpha.schema_name, bad_file.name, world.alice.pk)
