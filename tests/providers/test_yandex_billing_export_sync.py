"""End to end through the API: a Yandex Cloud connection with a billing export bucket gets its daily costs on
each sync, from the fake cloud and the fake Object Storage served together.

The export files are written here by hand in the documented columns; the expected ledger figures are their
``cost + credit`` summed by hand.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django_tenants.utils import schema_context

from apps.costs.models import BillingImport, CostRecord
from apps.costs.services.imports import billing_import_run
from apps.providers.plugins.yandex import client as yc
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.yandex import BILLING_ACCOUNT_ID, CLOUD_ID, DEMO_OAUTH_TOKEN, PROD_FOLDER_ID, FakeYandex, yc_id
from tests.fakecloud.yandex_storage import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY, FakeYandexStorage

from .sync_helpers import run_sync, schema_of

BUCKET, PREFIX = "acme-billing", "yc-billing-export/"
WEB_1 = yc_id("fhm", "vm:web-1")  # the fake cloud's VM web-1
HEADER = ("billing_account_id,billing_account_name,cloud_id,cloud_name,folder_id,folder_name,resource_id,"
          "service_id,service_name,sku_id,sku_name,date,currency,pricing_quantity,pricing_unit,cost,credit,"
          "monetary_grant_credit,volume_incentive_credit,cud_credit,misc_credit,label.user_labels.env,locale,"
          "updated_at,exported_at\n")
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def _row(day: str, resource_id: str, service: str, sku: str, cost: str, credit: str) -> str:
    return (f"{BILLING_ACCOUNT_ID},InfraZen demo,{CLOUD_ID},infrazen-demo,{PROD_FOLDER_ID},prod,{resource_id},"
            f"dn2svc,{service},dn2sku,{sku},{day},RUB,24,unit,{cost},{credit},{credit},0,0,0,prod,en,"
            f"1765000000,{day}T21:00:00Z\n")


DAY_4 = HEADER + _row("2026-12-04", WEB_1, "Compute Cloud", "Intel Ice Lake. 100% vCPU", "150.50", "-20.25") + \
    _row("2026-12-04", "", "Object Storage", "Standard storage", "3.10", "0")  # 130.25 + 3.10 = 133.35
DAY_5 = HEADER + _row("2026-12-05", WEB_1, "Compute Cloud", "Intel Ice Lake. 100% vCPU", "151.00", "-10.00") + \
    _row("2026-12-05", "fhmdisk000000000001", "Compute Cloud", "Fast network drive (SSD)", "12.40", "0")  # 153.40
DAY_5_REWRITTEN = HEADER + \
    _row("2026-12-05", WEB_1, "Compute Cloud", "Intel Ice Lake. 100% vCPU", "200.00", "0") + \
    _row("2026-12-05", "fhmdisk000000000001", "Compute Cloud", "Fast network drive (SSD)", "12.40", "-0.40") + \
    _row("2026-12-05", "", "Object Storage", "Standard storage", "3.10", "0")  # 200 + 12.00 + 3.10 = 215.10


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    yc.TOKEN_CACHE.clear()


@pytest.fixture
def cloud(time_machine):
    time_machine.move_to(NOW - timedelta(hours=2), tick=False)
    storage = FakeYandexStorage()
    storage.put(BUCKET, f"{PREFIX}20261004.csv", (HEADER + _row("2026-10-04", WEB_1, "Compute Cloud", "vCPU",
                                                                 "999.00", "0")).encode())  # before the window
    storage.put(BUCKET, f"{PREFIX}20261204.csv", DAY_4.encode())
    storage.put(BUCKET, f"{PREFIX}2026-12-05.csv.gz", gzip.compress(DAY_5.encode()))
    storage.put(BUCKET, f"{PREFIX}manifest.json", b"{}")
    with FakeCloudServer(FakeYandex(), storage) as server:
        time_machine.move_to(NOW, tick=False)
        yield server, storage


def _connect(client, url: str, **extra: str) -> int:
    credentials = {"oauth_token": DEMO_OAUTH_TOKEN, "billing_bucket": BUCKET, "billing_prefix": PREFIX,
                   "s3_access_key_id": DEMO_ACCESS_KEY_ID, "s3_secret_access_key": DEMO_SECRET_ACCESS_KEY, **extra}
    body = {"provider": "yandex", "name": "Yandex Cloud", "endpoint": url, "credentials": credentials}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert DEMO_SECRET_ACCESS_KEY not in response.content.decode()
    return response.json()["id"]


def _by_day(connection_id: int) -> dict[date, Decimal]:
    with schema_context(schema_of("alpha")):
        rows = (CostRecord.objects.filter(connection_id=connection_id).values("charge_date")
                .annotate(total=Sum("billed_cost")).order_by("charge_date"))
        return {row["charge_date"]: row["total"] for row in rows}


def test_a_sync_imports_the_daily_export_files_of_the_window_into_the_ledger(w, token_client, cloud):
    server, storage = cloud
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, server.url)
    run = run_sync(client, connection_id)
    assert run["status"] == "success", run["errors"]
    assert run["cost_records"] == 4
    assert _by_day(connection_id) == {date(2026, 12, 4): Decimal("133.35"), date(2026, 12, 5): Decimal("141.00")
                                      + Decimal("12.40")}
    assert sorted(storage.gets) == [f"{PREFIX}2026-12-05.csv.gz", f"{PREFIX}20261204.csv"]
    with schema_context(schema_of("alpha")):
        vm_rows = CostRecord.objects.filter(connection_id=connection_id, resource_id=WEB_1)
        assert vm_rows.count() == 2 and all(r.inventory_resource_id for r in vm_rows)  # the VM gets its cost
        assert {r.source_key for r in vm_rows} == {f"yandex:{BILLING_ACCOUNT_ID}:2026-12-04",
                                                   f"yandex:{BILLING_ACCOUNT_ID}:2026-12-05"}
        imports = BillingImport.objects.filter(connection_id=connection_id).order_by("file_name")
        assert [(b.file_name, b.status, b.format) for b in imports] == [
            (f"{PREFIX}2026-12-05.csv.gz", "success", "yandex_csv"), (f"{PREFIX}20261204.csv", "success", "yandex_csv")]


def test_a_rewritten_day_replaces_that_day_and_unchanged_files_are_not_read_again(w, token_client, cloud,
                                                                                  time_machine):
    server, storage = cloud
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, server.url)
    assert run_sync(client, connection_id)["status"] == "success"
    storage.gets.clear()
    time_machine.move_to(NOW + timedelta(hours=1), tick=False)  # the export rewrites today's file hourly
    storage.put(BUCKET, f"{PREFIX}2026-12-05.csv.gz", gzip.compress(DAY_5_REWRITTEN.encode()))
    time_machine.move_to(NOW + timedelta(hours=2), tick=False)
    run = run_sync(client, connection_id)
    assert run["status"] == "success", run["errors"]
    assert storage.gets == [f"{PREFIX}2026-12-05.csv.gz"]
    assert run["cost_records"] == 3
    assert _by_day(connection_id) == {date(2026, 12, 4): Decimal("133.35"), date(2026, 12, 5): Decimal("215.10")}


def test_a_broken_file_is_a_run_error_and_keeps_the_last_good_ledger_of_its_day(w, token_client, cloud,
                                                                               time_machine):
    server, storage = cloud
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, server.url)
    assert run_sync(client, connection_id)["status"] == "success"
    before = _by_day(connection_id)
    time_machine.move_to(NOW + timedelta(hours=1), tick=False)
    storage.put(BUCKET, f"{PREFIX}2026-12-05.csv.gz",
                gzip.compress((HEADER + _row("2026-12-05", WEB_1, "Compute Cloud", "vCPU", "abc", "0")).encode()))
    time_machine.move_to(NOW + timedelta(hours=2), tick=False)
    run = run_sync(client, connection_id)
    assert run["status"] == "partial"
    assert [(e["endpoint"], e["code"]) for e in run["errors"]] == [("billing_export", "invalid")]
    assert f"{PREFIX}2026-12-05.csv.gz" in run["errors"][0]["message"]
    assert _by_day(connection_id) == before


def test_a_wrong_static_key_makes_the_run_partial_and_the_ledger_stays(w, token_client, cloud):
    server, _storage = cloud
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, server.url)
    assert run_sync(client, connection_id)["status"] == "success"
    before = _by_day(connection_id)
    response = client.patch(f"/api/v1/connections/{connection_id}/",
                            json.dumps({"credentials": {"s3_secret_access_key": "a-wrong-secret"}}),
                            content_type="application/json")
    assert response.status_code == 200, response.content
    run = run_sync(client, connection_id)
    assert run["status"] == "partial"
    assert [(e["endpoint"], e["code"]) for e in run["errors"]] == [("storage/ListObjectsV2", "provider_auth")]
    assert "a-wrong-secret" not in json.dumps(run)
    assert run["resources_found"] > 0  # the inventory synced regardless
    assert _by_day(connection_id) == before


def test_the_connection_test_checks_the_bucket_with_the_static_key(w, token_client, cloud):
    server, _storage = cloud
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, server.url, billing_bucket="no-such-bucket")
    tested = client.post(f"/api/v1/connections/{connection_id}/test/", HTTP_ACCEPT_LANGUAGE="ru")
    assert tested.status_code == 400, tested.content
    assert "no-such-bucket" in tested.json()["error"]["message"]
    assert "не существует" in tested.json()["error"]["message"]


def test_a_bucket_without_both_keys_is_refused_naming_the_missing_fields(w, token_client, cloud):
    server, _storage = cloud
    client = token_client(w.alice, "alpha")
    body = {"provider": "yandex", "name": "Yandex Cloud", "endpoint": server.url,
            "credentials": {"oauth_token": DEMO_OAUTH_TOKEN, "billing_bucket": BUCKET,
                            "s3_access_key_id": DEMO_ACCESS_KEY_ID}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert list(details) == ["credentials.s3_secret_access_key"]


def test_without_a_bucket_the_sync_has_no_cost_step_and_no_costs(w, token_client, cloud):
    server, storage = cloud
    client = token_client(w.alice, "alpha")
    body = {"provider": "yandex", "name": "Yandex Cloud", "endpoint": server.url,
            "credentials": {"oauth_token": DEMO_OAUTH_TOKEN}}
    response = client.post("/api/v1/connections/", json.dumps(body), content_type="application/json")
    connection_id = response.json()["id"]
    run = run_sync(client, connection_id)
    assert run["status"] == "success" and run["errors"] == [] and run["cost_records"] == 0
    assert _by_day(connection_id) == {} and server.count("/s3/") == 0


def test_a_manual_upload_to_the_connection_still_works_beside_the_bucket(w, token_client, cloud):
    server, _storage = cloud
    client = token_client(w.alice, "alpha")
    connection_id = _connect(client, server.url)
    assert run_sync(client, connection_id)["status"] == "success"
    history = HEADER + _row("2026-11-20", WEB_1, "Compute Cloud", "vCPU", "80.00", "-5.00")
    response = client.post("/api/v1/costs/imports/", {
        "file": SimpleUploadedFile("november.csv", history.encode()), "connection": connection_id})
    assert response.status_code in (201, 202), response.content
    with schema_context(schema_of("alpha")):
        billing_import_run(import_id=response.json()["id"])
    assert _by_day(connection_id) == {date(2026, 11, 20): Decimal("75.00"), date(2026, 12, 4): Decimal("133.35"),
                                      date(2026, 12, 5): Decimal("153.40")}


def test_the_fake_clouds_seeded_bucket_imports_the_days_of_the_cost_window_whole(w, token_client, time_machine,
                                                                                 settings):
    """What ``python -m tests.fakecloud`` serves: daily files of 5 rows each (4 VMs and the bucket)."""
    from tests.fakecloud.yandex_storage import DEMO_BUCKET, DEMO_PREFIX

    settings.PROVIDER_COST_DAYS = 7  # the window: today and the 6 days before it
    time_machine.move_to(NOW - timedelta(hours=2), tick=False)
    yandex, storage = FakeYandex(), FakeYandexStorage()
    storage.seed_demo(days=[NOW.date() - timedelta(days=n) for n in range(8)], billing_account_id=BILLING_ACCOUNT_ID,
                      cloud_id=CLOUD_ID, folder_id=PROD_FOLDER_ID,
                      resources=[(vm["id"], "Compute Cloud", "vCPU", "core*hour") for vm in yandex.all_instances()]
                      + [("", "Object Storage", "Standard storage", "gbyte*day")])
    with FakeCloudServer(yandex, storage) as server:
        time_machine.move_to(NOW, tick=False)
        client = token_client(w.alice, "alpha")
        connection_id = _connect(client, server.url, billing_bucket=DEMO_BUCKET, billing_prefix=DEMO_PREFIX)
        run = run_sync(client, connection_id)
    assert run["status"] == "success", run["errors"]
    assert run["cost_records"] == 7 * 5
    assert len(_by_day(connection_id)) == 7 and len(storage.gets) == 7
