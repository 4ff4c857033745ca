"""Billing uploads kept in an S3-compatible bucket (BILLING_IMPORT_STORAGE=s3://...): the web side puts the file
there, the worker imports it from there and deletes it. Over real HTTP against the fake S3 store."""

from __future__ import annotations

import csv
import io
import logging
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django_tenants.utils import schema_context

from apps.common.tasks import run_in_tenant
from apps.costs.models import BillingImport, CostRecord
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.yandex_storage import FakeYandexStorage

pytestmark = pytest.mark.django_db

BUCKET = "infrazen-imports"
KEY_ID = "YCAJEimportuploader"
SECRET = "YCimport-uploader-secret-0001"
OTHER_KEY_ID = "YCAJEwritesotherbucket"
OTHER_SECRET = "YCother-bucket-secret-0002"

# Three FOCUS rows by hand: VMs 10.50 + 2.25 (effective 9.00 + 2.00), Storage 0.75 (effective 0.75).
HEADER = ["BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
          "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
          "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName",
          "ListCost", "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
          "ServiceCategory", "ServiceName", "Tags"]
ROWS = [("VMs", "Compute", "10.50", "9.00", 1), ("VMs", "Compute", "2.25", "2.00", 2),
        ("Storage", "Storage", "0.75", "0.75", 2)]


def _focus_csv() -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    for service, category, billed, effective, day in ROWS:
        writer.writerow({
            "BilledCost": billed, "BillingAccountId": "acc-1", "BillingAccountName": "Main", "BillingCurrency": "RUB",
            "BillingPeriodStart": "2026-03-01T00:00:00Z", "BillingPeriodEnd": "2026-04-01T00:00:00Z",
            "ChargeCategory": "Usage", "ChargeClass": "", "ChargeDescription": f"{service} usage",
            "ChargeFrequency": "Usage-Based", "ChargePeriodStart": f"2026-03-{day:02d}T00:00:00Z",
            "ChargePeriodEnd": f"2026-03-{day:02d}T01:00:00Z", "ContractedCost": billed, "EffectiveCost": effective,
            "InvoiceIssuerName": "Cloud", "ListCost": billed, "PricingCategory": "Standard", "PricingQuantity": "1",
            "PricingUnit": "Hours", "ProviderName": "Cloud", "PublisherName": "Cloud", "ServiceCategory": category,
            "ServiceName": service, "Tags": '{"env":"prod"}',
        })
    return out.getvalue().encode()


@pytest.fixture
def store(settings, tmp_path):
    fake = FakeYandexStorage(access_keys={KEY_ID: SECRET, OTHER_KEY_ID: OTHER_SECRET},
                             grants={OTHER_KEY_ID: {"other"}})
    fake.create_bucket(BUCKET)
    fake.create_bucket("other")
    with FakeCloudServer(fake) as server:
        settings.BILLING_IMPORT_DIR = tmp_path / "local"  # the worker's scratch copies
        settings.BILLING_IMPORT_STORAGE = f"s3://{BUCKET}/uploads/"
        settings.BILLING_IMPORT_S3_ENDPOINT = f"{server.url}/s3"  # the fake serves the S3 API under /s3
        settings.BILLING_IMPORT_S3_REGION = "ru-central1"
        settings.BILLING_IMPORT_S3_ACCESS_KEY_ID = KEY_ID
        settings.BILLING_IMPORT_S3_SECRET_ACCESS_KEY = SECRET
        yield server, fake


def _local_files(settings) -> list:
    return sorted(p for p in (settings.BILLING_IMPORT_DIR).rglob("*") if p.is_file()) \
        if settings.BILLING_IMPORT_DIR.exists() else []


def _upload(client, body: bytes, url: str = "/api/v1/costs/imports/"):
    return client.post(url, {"file": SimpleUploadedFile("focus.csv", body, content_type="text/csv")})


def test_an_upload_becomes_an_object_the_worker_imports_and_then_deletes(w, client_for, store, settings):
    _server, fake = store
    body = _focus_csv()
    response = _upload(client_for(w.fiona, "alpha"), body)
    assert response.status_code == 202, response.content
    pk = response.json()["id"]
    schema = w.alpha.schema_name
    with schema_context(schema):
        stored = BillingImport.objects.get(pk=pk)
    match = re.fullmatch(rf"s3://{BUCKET}/(uploads/{schema}/[0-9a-f]{{32}}\.upload)", stored.stored_path)
    assert match, stored.stored_path
    key = match.group(1)
    assert fake.puts == [key] and fake.buckets[BUCKET][key][0] == body
    assert stored.file_size == len(body) and stored.status == "queued"
    assert _local_files(settings) == []  # nothing on the web machine's disk

    run_in_tenant(schema, "apps.costs.tasks.billing_import_task", pk)  # what the worker does

    with schema_context(schema):
        done = BillingImport.objects.get(pk=pk)
        assert done.status == "success", (done.error, done.report[:3])
        assert (done.rows_imported, done.rows_skipped) == (3, 0)
        totals = dict(CostRecord.objects.values_list("service_name").annotate(total=Sum("billed_cost")))
        assert totals == {"VMs": Decimal("12.75"), "Storage": Decimal("0.75")}
        assert CostRecord.objects.aggregate(total=Sum("effective_cost"))["total"] == Decimal("11.75")
        assert CostRecord.objects.filter(billing_import_id=pk).count() == 3
    assert fake.gets == [key]
    assert fake.deletes == [key] and fake.buckets[BUCKET] == {}
    assert _local_files(settings) == []  # the scratch copy is gone too


def test_the_upload_page_stores_in_the_bucket_as_well(w, client_for, store):
    _server, fake = store
    response = _upload(client_for(w.alice, "alpha"), _focus_csv(), url="/costs/imports/")
    assert response.status_code == 302
    assert len(fake.puts) == 1 and list(fake.buckets[BUCKET]) == fake.puts


def test_a_failed_import_still_deletes_its_object(w, client_for, store, settings):
    _server, fake = store
    response = _upload(client_for(w.alice, "alpha"), b"this,is,not\na,focus,file\n")
    assert response.status_code == 202
    run_in_tenant(w.alpha.schema_name, "apps.costs.tasks.billing_import_task", response.json()["id"])
    with schema_context(w.alpha.schema_name):
        assert BillingImport.objects.get(pk=response.json()["id"]).status == "error"
        assert not CostRecord.objects.exists()
    assert len(fake.deletes) == 1 and fake.buckets[BUCKET] == {}
    assert _local_files(settings) == []


@pytest.mark.parametrize(("setting", "value", "s3_code"), [
    ("BILLING_IMPORT_S3_SECRET_ACCESS_KEY", "not-the-secret", "SignatureDoesNotMatch"),
    ("BILLING_IMPORT_S3_ACCESS_KEY_ID", "YCAJEunknownkey", "InvalidAccessKeyId"),
    ("BILLING_IMPORT_STORAGE", "s3://no-such-bucket/uploads", "NoSuchBucket"),
])
def test_a_store_that_refuses_the_upload_is_a_translated_error_and_nothing_is_kept(
        w, client_for, store, settings, caplog, setting, value, s3_code):
    _server, fake = store
    setattr(settings, setting, value)
    with caplog.at_level(logging.ERROR, logger="apps.costs"):
        response = _upload(client_for(w.alice, "alpha", HTTP_ACCEPT_LANGUAGE="ru"), _focus_csv())
    assert response.status_code == 503, response.content
    error = response.json()["error"]
    assert error["code"] == "storage_unavailable"
    assert "хранилище файлов" in error["message"] and "Ничего не импортировано" in error["message"]
    with schema_context(w.alpha.schema_name):
        assert not BillingImport.objects.exists()
    assert fake.buckets[BUCKET] == {} and fake.puts == []
    assert s3_code in caplog.text  # the log tells the operator why
    assert SECRET not in caplog.text and "not-the-secret" not in caplog.text and SECRET not in error["message"]


def test_a_key_without_rights_on_the_bucket_is_refused_the_same_way(w, client_for, store, settings):
    _server, fake = store
    settings.BILLING_IMPORT_S3_ACCESS_KEY_ID = OTHER_KEY_ID
    settings.BILLING_IMPORT_S3_SECRET_ACCESS_KEY = OTHER_SECRET
    response = _upload(client_for(w.alice, "alpha"), _focus_csv())
    assert response.status_code == 503 and response.json()["error"]["code"] == "storage_unavailable"
    assert "хранилище файлов" in response.json()["error"]["message"]  # the default language is Russian
    with schema_context(w.alpha.schema_name):
        assert not BillingImport.objects.exists()
    assert fake.buckets[BUCKET] == {}


def test_a_file_over_the_limit_never_reaches_the_bucket(w, client_for, store, settings):
    _server, fake = store
    settings.BILLING_IMPORT_MAX_MB = 1
    response = _upload(client_for(w.alice, "alpha"), _focus_csv() * 4000)  # ~2.4 MB
    assert response.status_code == 413 and response.json()["error"]["code"] == "file_too_large"
    assert fake.puts == [] and fake.buckets[BUCKET] == {}


def test_an_object_gone_before_the_worker_reads_it_fails_the_import_clearly(w, client_for, store, settings):
    _server, fake = store
    response = _upload(client_for(w.alice, "alpha"), _focus_csv())
    pk = response.json()["id"]
    fake.buckets[BUCKET].clear()  # e.g. a lifecycle rule removed it
    run_in_tenant(w.alpha.schema_name, "apps.costs.tasks.billing_import_task", pk)
    with schema_context(w.alpha.schema_name):
        failed = BillingImport.objects.get(pk=pk)
        assert failed.status == "error" and failed.error_code == "storage_unavailable"
        assert "загрузите его ещё раз" in failed.error and failed.finished_at is not None
        assert not CostRecord.objects.exists()
    assert _local_files(settings) == []


def test_local_mode_stays_the_default_and_never_calls_the_store(w, client_for, store, settings):
    server, fake = store
    settings.BILLING_IMPORT_STORAGE = ""
    response = _upload(client_for(w.alice, "alpha"), _focus_csv())
    assert response.status_code == 202
    with schema_context(w.alpha.schema_name):
        stored_path = BillingImport.objects.get(pk=response.json()["id"]).stored_path
    assert stored_path.startswith(str(settings.BILLING_IMPORT_DIR)) and stored_path.endswith(".upload")
    run_in_tenant(w.alpha.schema_name, "apps.costs.tasks.billing_import_task", response.json()["id"])
    with schema_context(w.alpha.schema_name):
        assert CostRecord.objects.aggregate(total=Sum("billed_cost"))["total"] == Decimal("13.50")
    assert server.calls == [] and fake.puts == []
    assert _local_files(settings) == []


@pytest.mark.parametrize(("changes", "ids"), [
    ({}, []),
    ({"BILLING_IMPORT_STORAGE": ""}, []),  # local: the S3 settings do not matter
    ({"BILLING_IMPORT_STORAGE": "gs://bucket"}, ["infrazen.E101"]),
    ({"BILLING_IMPORT_STORAGE": "s3:///prefix"}, ["infrazen.E101"]),
    ({"BILLING_IMPORT_S3_ENDPOINT": "storage.yandexcloud.net"}, ["infrazen.E102"]),
    ({"BILLING_IMPORT_S3_SECRET_ACCESS_KEY": ""}, ["infrazen.E103"]),
])
def test_the_storage_settings_are_checked_at_start(store, settings, changes, ids):
    from apps.costs.checks import check_billing_import_storage

    for name, value in changes.items():
        setattr(settings, name, value)
    assert [e.id for e in check_billing_import_storage()] == ids
