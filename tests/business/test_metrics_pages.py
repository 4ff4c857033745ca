"""The «Бизнес-метрики» and «Стоимость единицы» pages: create, upload with the row report, preview, the unit cost
chart data and the products table, permissions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from apps.allocation.models import BusinessMetric, BusinessMetricValue
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row
from tests.utils import russian

pytestmark = pytest.mark.django_db


def test_a_finance_member_creates_a_metric_and_uploads_values(w, client_for):
    client = client_for(w.fiona, "alpha")
    response = client.post("/business/metrics/", {"key": "orders", "name": "Заказы", "unit": "заказ",
                                                  "granularity": "day", "dimension": "product"})
    assert response.status_code == 302, response.content[:500]
    bad = SimpleUploadedFile("o.csv", "date;value\n01.05.2025;12 шт\n02.05.2025;3\n".encode())
    response = client.post("/business/metrics/orders/upload/", {"file": bad})
    assert response.status_code == 400
    report = response.context["report"]
    assert report["rows"] == [{"line": 2, "message": russian(
        "the unit «%(found)s» is not the metric's unit «%(unit)s»", found="шт", unit="заказ")}]
    assert "единица «шт» не совпадает" in response.content.decode()

    good = SimpleUploadedFile("o.csv", b"date;value\n01.05.2025;1 200\n03.05.2025;7\n")
    response = client.post("/business/metrics/orders/upload/", {"file": good}, follow=True)
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert texts == [russian("Values imported: %(count)s.", count=2), russian("No values on %(span)s.",
                                                                               span="02.05.2025")]
    assert [(v.date, v.value) for v in response.context["preview"]] == [(date(2025, 5, 1), Decimal(1200)),
                                                                       (date(2025, 5, 3), Decimal(7))]
    assert "<td>1\u00a0200</td>" in response.content.decode()


def test_a_viewer_sees_the_pages_but_cannot_create_or_upload(w, client_for):
    with schema_context(w.alpha.schema_name):
        BusinessMetric.objects.create(key="orders", name="Заказы", unit="заказ")
    client = client_for(w.vera, "alpha")
    response = client.get("/business/metrics/")
    assert response.status_code == 200 and not response.context["can_manage"]
    assert client.post("/business/metrics/", {"key": "x", "name": "x", "unit": "x"}).status_code == 403
    upload = SimpleUploadedFile("o.csv", b"date,value\n2025-05-01,1\n")
    assert client.post("/business/metrics/orders/upload/", {"file": upload}).status_code == 403
    assert client.post("/business/metrics/orders/delete/").status_code == 403
    assert client_for(w.bob, "beta").get("/business/metrics/").context["items"] == []


def test_unit_cost_page_shows_the_chart_and_the_unit_cost_in_russian(w, client_for):
    with schema_context(w.alpha.schema_name):
        ledger([row(date(2025, 5, d), "100") for d in (1, 2, 3)])
        cost_rollups_refresh(start=date(2025, 5, 1), end=date(2025, 5, 3))
        metric = BusinessMetric.objects.create(key="orders", name="Заказы", unit="заказ")
        BusinessMetricValue.objects.bulk_create([BusinessMetricValue(metric=metric, date=date(2025, 5, d),
                                                                     value=Decimal(v)) for d, v in ((1, 40), (2, 50),
                                                                                                    (3, 0))])
    response = client_for(w.vera, "alpha").get("/business/unit-costs/", {
        "metric": "orders", "start": "2025-05-01", "end": "2025-05-03", "granularity": "day"})
    assert response.status_code == 200
    chart = response.context["chart"]
    # 100 ₽ / 40 = 2,50; 100 / 50 = 2; no orders on 3 May
    assert chart["periods"] == ["2025-05-01", "2025-05-02", "2025-05-03"]
    assert chart["series"][0]["values"] == ["2.5000", "2.0000", None]
    page = response.content.decode()
    assert "uc-chart-data" in page
    # the period: 300 ₽ / 90 orders = 3,33 ₽ per order
    assert "3,33\u00a0₽ за заказ" in page


def test_a_monthly_metric_by_day_is_refused_on_the_page_with_the_reason(w, client_for):
    with schema_context(w.alpha.schema_name):
        BusinessMetric.objects.create(key="mau", name="MAU", unit="пользователь", granularity="month")
    response = client_for(w.alice, "alpha").get("/business/unit-costs/", {"metric": "mau", "granularity": "day"})
    # the page itself switches a monthly metric to month buckets
    assert response.status_code == 200 and response.context["params"]["granularity"] == "month"


def test_unit_cost_page_narrows_to_a_scope(w, client_for):
    with schema_context(w.alpha.schema_name):
        ledger([row(date(2025, 5, 1), "100"), row(date(2025, 5, 1), "60", provider="Selectel", service="VPS")])
        cost_rollups_refresh(start=date(2025, 5, 1), end=date(2025, 5, 1))
        metric = BusinessMetric.objects.create(key="orders", name="Заказы", unit="заказ")
        BusinessMetricValue.objects.create(metric=metric, date=date(2025, 5, 1), value=Decimal(20))
    client = client_for(w.vera, "alpha")
    query = {"metric": "orders", "start": "2025-05-01", "end": "2025-05-01"}
    response = client.get("/business/unit-costs/", query)
    assert ("provider=Selectel", f"{russian('Provider')}: Selectel") in response.context["scopes"]
    # everything: 160 ₽ / 20 = 8; Selectel only: 60 ₽ / 20 = 3
    assert response.context["chart"]["series"][0]["values"] == ["8.0000"]
    response = client.get("/business/unit-costs/", {**query, "scope": "provider=Selectel"})
    assert response.context["chart"]["series"][0]["values"] == ["3.0000"]
