"""CSV import of business metric values: the formats a Russian user's file comes in, the row-level report of bad
rows, all or nothing, gaps as warnings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from apps.allocation.models import BusinessMetric, BusinessMetricValue, Dimension
from apps.audit.models import AuditEvent
from apps.business.metrics import MetricRowsError, business_metric_csv_import
from tests.utils import russian

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(w):
    with schema_context(w.alpha.schema_name):
        yield BusinessMetric.objects.create(key="orders", name="Заказы", unit="заказ")


def _values(metric) -> dict:
    return {(v.date, v.dimension_value): v.value for v in BusinessMetricValue.objects.filter(metric=metric)}


def _import(metric, text: str, *, encoding="utf-8", actor=None):
    return business_metric_csv_import(metric=metric, actor=actor, content=text.encode(encoding), filename="m.csv")


def _problems(metric, text: str) -> dict[int, str]:
    with pytest.raises(MetricRowsError) as caught:
        _import(metric, text)
    return {row.line: row.message for row in caught.value.rows}


def test_a_russian_excel_file_with_bom_semicolons_decimal_commas_and_thousands_spaces_imports(w, orders):
    with schema_context(w.alpha.schema_name):
        result = _import(orders, "\ufeffдата;значение\r\n01.05.2025;1 234,5\r\n02.05.2025;12 заказов\r\n"
                                 "2025-05-03;7\r\n")
        assert result.imported == 3 and result.warnings == []
        assert _values(orders) == {(date(2025, 5, 1), ""): Decimal("1234.5"), (date(2025, 5, 2), ""): Decimal(12),
                                   (date(2025, 5, 3), ""): Decimal(7)}
        event = AuditEvent.objects.get(action="business_metric.values_imported")
        assert event.target == "business_metric:orders" and event.data["rows"] == 3


def test_a_comma_file_with_dimension_values_imports_and_a_second_import_replaces_values(w):
    with schema_context(w.alpha.schema_name):
        metric = BusinessMetric.objects.create(key="orders", name="Заказы", unit="заказ",
                                               dimension=Dimension.objects.get(key="product"))
        _import(metric, "date,value,dimension_value\n2025-05-01,10,shop\n2025-05-01,\"2,5\",crm\n")
        _import(metric, "date,value,dimension_value\n2025-05-01,11,shop\n")
        assert _values(metric) == {(date(2025, 5, 1), "shop"): Decimal(11), (date(2025, 5, 1), "crm"): Decimal("2.5")}


def test_missing_days_are_imported_and_listed_as_warnings(w, orders):
    with schema_context(w.alpha.schema_name):
        result = _import(orders, "date,value\n2025-05-01,1\n2025-05-02,1\n2025-05-05,1\n2025-05-07,1\n")
        assert result.imported == 4
        assert result.warnings == [russian("No values on %(span)s.", span="03.05.2025–04.05.2025"),
                                   russian("No values on %(span)s.", span="06.05.2025")]
        assert len(_values(orders)) == 4


def test_a_value_in_another_unit_is_refused_with_the_unit_named(w, orders):
    with schema_context(w.alpha.schema_name):
        problems = _problems(orders, "date,value\n2025-05-01,12 шт\n2025-05-02,3\n")
        assert problems == {2: russian("the unit «%(found)s» is not the metric's unit «%(unit)s»", found="шт",
                                       unit="заказ")}
        assert "единица" in problems[2]
        assert _values(orders) == {}


def test_duplicate_dates_bad_dates_bad_and_negative_numbers_are_each_reported_by_line(w, orders):
    with schema_context(w.alpha.schema_name):
        problems = _problems(orders, "date;value\n2025-05-01;1\n01.05.2025;2\n2025-13-01;3\nвчера;4\n"
                                     "2025-05-02;много\n2025-05-03;-5\n2025-05-04;\n2025-05-05;1.234,5\n")
        assert problems == {
            3: russian("the date %(date)s is already on line %(line)s", date="01.05.2025", line=2),
            4: russian("bad date «%(text)s» (expected YYYY-MM-DD or DD.MM.YYYY)", text="2025-13-01"),
            5: russian("bad date «%(text)s» (expected YYYY-MM-DD or DD.MM.YYYY)", text="вчера"),
            6: russian("«%(text)s» is not a number", text="много"),
            7: russian("the value is negative (%(text)s)", text="-5"),
            8: russian("no value"),
            9: russian("«%(text)s» is not a number", text="1.234,5"),
        }


def test_nothing_is_half_imported_when_one_row_of_many_is_bad(w, orders):
    with schema_context(w.alpha.schema_name):
        BusinessMetricValue.objects.create(metric=orders, date=date(2025, 5, 1), value=Decimal(99))
        lines = ["date,value"] + [f"2025-05-{day:02d},{day}" for day in range(1, 31)] + ["2025-05-31,abc"]
        problems = _problems(orders, "\n".join(lines))
        assert list(problems) == [32]
        assert _values(orders) == {(date(2025, 5, 1), ""): Decimal(99)}  # the old value is not replaced either
        assert not AuditEvent.objects.filter(action="business_metric.values_imported").exists()


def test_a_file_without_header_is_refused(w, orders):
    with schema_context(w.alpha.schema_name):
        with pytest.raises(MetricRowsError) as caught:
            _import(orders, "2025-05-01,1\n2025-05-02,2\n")
        assert caught.value.message == russian("The file has no header: the first line must name the columns date "
                                               "and value (and optionally dimension_value).")


def test_a_monthly_metric_refuses_a_date_that_is_not_the_first_of_the_month(w):
    with schema_context(w.alpha.schema_name):
        metric = BusinessMetric.objects.create(key="mau", name="MAU", unit="пользователь", granularity="month")
        problems = _problems(metric, "date,value\n2025-05-01,100\n2025-06-15,120\n")
        assert problems == {3: russian("a monthly metric's date must be the first day of its month (%(date)s)",
                                       date="01.06.2025")}
        result = _import(metric, "date,value\n2025-05-01,100\n2025-07-01,120\n")
        assert result.warnings == [russian("No values on %(span)s.", span="01.06.2025")]


def test_a_windows_1251_file_is_read(w, orders):
    with schema_context(w.alpha.schema_name):
        _import(orders, "дата;значение\n01.05.2025;5 заказов\n", encoding="cp1251")
        assert _values(orders) == {(date(2025, 5, 1), ""): Decimal(5)}


def test_the_upload_api_answers_the_row_report_and_imports_nothing(w, orders, client_for):
    client = client_for(w.fiona, "alpha")
    bad = SimpleUploadedFile("orders.csv", b"date,value\n2025-05-01,1\n2025-05-01,2\n")
    response = client.post("/api/v1/business-metrics/orders/upload/", {"file": bad})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"]["code"] == "metric_csv_invalid"
    assert body["rows"] == [{"line": 3, "message": russian("the date %(date)s is already on line %(line)s",
                                                           date="01.05.2025", line=2)}]
    good = SimpleUploadedFile("orders.csv", b"date,value\n2025-05-01,1\n2025-05-03,2\n")
    response = client.post("/api/v1/business-metrics/orders/upload/", {"file": good})
    assert response.status_code == 200, response.content
    assert response.json() == {"imported": 2, "warnings": [russian("No values on %(span)s.", span="02.05.2025")]}
