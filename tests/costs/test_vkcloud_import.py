"""VK Cloud's billing detail export (CSV and XLSX) imported into the FOCUS ledger, and its real figures replacing
the price-list estimates of the same connection for the same days."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.costs.importers import native, vkcloud
from apps.costs.models import CostDaily, CostRecord
from apps.costs.services.imports import focus_file_import
from apps.inventory.models import Resource
from apps.providers.models import ProviderConnection
from apps.providers.services import connection_create
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.vkcloud import DEMO_PROJECT_ID, DEMO_USER_PASSWORD, DEMO_USERNAME, KEYSTONE_PATH, FakeVKCloud
from tests.providers.sync_helpers import run_sync, schema_of

DATA = Path(__file__).parent / "data" / "vkcloud"
CSV = DATA / "detail_semicolon.csv"
# The file's own sums (SOURCE.txt): deductions only, the top-up is not a cost.
FILE_TOTAL = Decimal("1372.96")
FILE_DAYS = {date(2030, 6, 12): Decimal("133.60"), date(2030, 6, 13): Decimal("1239.36")}
ESTIMATE = Decimal("156.10")  # the fake estate's estimated day (tests/providers/test_vkcloud_sync.py)


@pytest.fixture(autouse=True)
def _noon(time_machine):
    time_machine.move_to(datetime(2030, 6, 14, 12, 0, tzinfo=UTC), tick=True)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    settings.CURRENCY_FETCH_MISSING = False
    settings.PROVIDER_COST_DAYS = 35


def _xlsx(path: Path) -> Path:
    """The same charges as the CSV, as a spreadsheet export: a title above the header, real dates and numbers,
    and a total line under the rows."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Детализация расходов за период 12.06.2030 — 13.06.2030"])
    sheet.append([])
    sheet.append(["Дата", "Проект", "Услуга", "Объект", "Тип операции", "Сумма, ₽"])
    for day, service, name, operation, amount in [
        (12, "Виртуальные машины", "srv-3-00000", "Списание", -33.6),
        (12, "Диски SSD", "disk-for-srv-3-00000-#1", "Списание", -20),
        (12, "Базы данных PostgreSQL", "pg-0", "Списание", -75.2),
        (12, "Плавающие IP-адреса", "203.0.113.1", "Списание", -4.8),
        (13, "Лицензии Windows Server", "srv-3-00000", "Списание", -1234.56),
        (13, "Плавающие IP-адреса", "203.0.113.1", "Списание", -4.8),
        (13, "Пополнение баланса", None, "Начисление", 5000),
    ]:
        sheet.append([datetime(2030, 6, day), "mcs1234567890", service, name, operation, amount])
    sheet.append(["Итого", None, None, None, None, -1372.96])
    book.save(path)
    return path


def test_the_detail_header_is_detected_tolerantly_and_never_taken_for_focus_or_yandex():
    columns = CSV.read_text(encoding="utf-8").splitlines()[0].split(";")
    assert native.detect(columns) is vkcloud
    assert native.detect(["\ufeffДАТА", "Сервис", "Стоимость (руб.)", "Ресурс"]) is vkcloud
    assert native.detect(["BilledCost", "Дата", "Услуга", "Сумма"]) is None
    assert native.detect(["billing_account_id", "service_name", "sku_id", "date", "cost", "currency"]) is not vkcloud
    assert not vkcloud.detect(["Дата", "Сумма"])  # no service: not a detail export
    assert vkcloud.parse_amount("-1 234,56 ₽") == Decimal("-1234.56")
    assert vkcloud.parse_amount("1\u00a0234.5") == Decimal("1234.5")
    assert vkcloud.parse_day("13.06.2030 23:15") == date(2030, 6, 13)
    assert vkcloud.service_category("Базы данных PostgreSQL") == "Databases"
    assert vkcloud.service_category("Плавающие IP-адреса") == "Networking"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_export_imports_with_totals_equal_to_the_files_own_sum(w, tmp_path, kind):
    path = shutil.copy(CSV, tmp_path / "detail.csv") if kind == "csv" else _xlsx(tmp_path / "detail.xlsx")
    with schema_context(w.alpha.schema_name):
        bi = focus_file_import(path=str(path))
        assert bi.status == "success", (bi.error, bi.report)
        assert bi.format == "vkcloud_detail" and bi.rows_imported == 6
        rows = CostRecord.objects.filter(billing_import=bi)
        assert rows.aggregate(total=Sum("billed_cost"))["total"] == FILE_TOTAL
        by_day = {r["charge_date"]: r["total"] for r in rows.values("charge_date").annotate(total=Sum("billed_cost"))}
        assert by_day == FILE_DAYS
        licence = rows.get(service_name="Лицензии Windows Server")
        assert licence.provider_name == "VK Cloud" and licence.billing_currency == "RUB"
        assert licence.resource_name == "srv-3-00000" and licence.charge_category == "Usage"
        assert rows.get(service_name="Базы данных PostgreSQL").service_category == "Databases"
        assert not rows.filter(service_name="Пополнение баланса").exists()
        assert CostDaily.objects.filter(charge_date__in=FILE_DAYS).aggregate(
            total=Sum("billed_cost"))["total"] == FILE_TOTAL


def test_a_vk_export_attached_to_another_providers_connection_is_refused(w, tmp_path):
    with schema_context(w.alpha.schema_name):
        beget = connection_create(provider="beget", name="Beget", credentials={"login": "a", "password": "b"})
        bi = focus_file_import(path=str(shutil.copy(CSV, tmp_path / "d.csv")), connection=beget)
        assert bi.status == "error" and bi.error_code == "wrong_provider"
        assert not CostRecord.objects.filter(billing_import=bi).exists()


def _day_totals(connection_id: int) -> dict[date, Decimal]:
    rows = CostDaily.objects.filter(connection_id=connection_id).values("charge_date").annotate(
        total=Sum("billed_cost"))
    return {row["charge_date"]: row["total"] for row in rows}


def test_imported_figures_replace_the_connections_estimates_for_the_days_they_cover(w, token_client, tmp_path):
    client = token_client(w.alice, "alpha")
    fake = FakeVKCloud(servers=2, seed=3, floating_ips=2, databases=1, clusters=1, snapshots=1, images=1,
                       stopped=(1,))
    fake.volumes[0].update(size=50, type="ceph-ssd")
    fake.volumes[1].update(size=20, type="high-iops")
    with FakeCloudServer(fake) as server:
        body = {"provider": "vkcloud", "name": "VK Cloud", "endpoint": server.url + KEYSTONE_PATH, "credentials": {
            "username": DEMO_USERNAME, "password": DEMO_USER_PASSWORD, "project_id": DEMO_PROJECT_ID}}
        response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
        connection_id = response.json()["id"]
        run_sync(client, connection_id)
        with schema_context(schema_of("alpha")):
            Resource.objects.filter(connection_id=connection_id).update(
                first_seen_at=timezone.now() - timedelta(days=3))
        run_sync(client, connection_id)
        today = date(2030, 6, 14)
        estimated = {today - timedelta(days=n): ESTIMATE for n in range(4)}
        with schema_context(schema_of("alpha")):
            assert _day_totals(connection_id) == estimated
            connection = ProviderConnection.objects.get(pk=connection_id)
            bi = focus_file_import(path=str(shutil.copy(CSV, tmp_path / "d.csv")), connection=connection)
            assert bi.status == "success", (bi.error, bi.report)
            expected = {**estimated, **FILE_DAYS}  # the file's days are real now, the others still estimated
            assert _day_totals(connection_id) == expected
            ledger = CostRecord.objects.filter(connection_id=connection_id)
            assert not ledger.filter(charge_date__in=FILE_DAYS, extras__contains={"x_estimated": True}).exists()
            assert ledger.filter(billing_import=bi).count() == 6
        run_sync(client, connection_id)  # the next sync's estimates step aside on the imported days
        with schema_context(schema_of("alpha")):
            assert _day_totals(connection_id) == expected
            # a second import of the same file replaces its own rows: still counted once
            again = focus_file_import(path=str(shutil.copy(CSV, tmp_path / "e.csv")), connection=connection)
            assert again.status == "success"
            assert _day_totals(connection_id) == expected
