"""``/api/v1/business-metrics/`` and ``/api/v1/unit-costs/``: CRUD, values, permissions, tenant isolation."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import BusinessMetric, BusinessMetricValue
from apps.audit.models import AuditEvent
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row
from tests.utils import api_error, russian

pytestmark = pytest.mark.django_db

BASE = "/api/v1/business-metrics/"
ORDERS = {"key": "orders", "name": "Заказы", "unit": "заказ", "granularity": "day", "dimension": "product",
          "description": "Оплаченные заказы"}


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_finance_member_creates_reads_changes_and_deletes_a_metric(w, client_for):
    client = client_for(w.fiona, "alpha")
    response = _post(client, BASE, ORDERS)
    assert response.status_code == 201, response.content
    assert response.json() == ORDERS
    assert client.get(BASE).json() == [ORDERS]
    assert client.get(f"{BASE}orders/").json() == ORDERS

    response = client.patch(f"{BASE}orders/", json.dumps({"name": "Заказы в день", "dimension": None}),
                            content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {**ORDERS, "name": "Заказы в день", "dimension": None}

    error = api_error(client.put(f"{BASE}orders/", json.dumps({**ORDERS, "key": "sales"}),
                                 content_type="application/json"), 400)
    assert error["details"]["key"] == [russian("The key of a metric cannot change.")]
    response = client.put(f"{BASE}orders/", json.dumps({**ORDERS, "unit": "шт"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["unit"] == "шт"

    assert client.delete(f"{BASE}orders/").status_code == 204
    assert client.get(f"{BASE}orders/").status_code == 404
    with schema_context(w.alpha.schema_name):
        actions = list(AuditEvent.objects.filter(action__startswith="business_metric.")
                       .order_by("id").values_list("action", flat=True))
    assert actions == ["business_metric.created", "business_metric.updated", "business_metric.updated",
                       "business_metric.deleted"]


def test_bad_input_answers_clear_errors(w, client_for):
    client = client_for(w.alice, "alpha")
    assert _post(client, BASE, ORDERS).status_code == 201
    error = api_error(_post(client, BASE, ORDERS), 400, "metric_exists")
    assert error["message"] == russian("A metric with this key already exists.")
    error = api_error(_post(client, BASE, {**ORDERS, "key": "Bad Key"}), 400)
    assert "key" in error["details"]
    error = api_error(_post(client, BASE, {**ORDERS, "key": "users", "dimension": "nope"}), 400)
    assert error["details"]["dimension"] == [russian("No such allocation dimension.")]
    api_error(_post(client, BASE, {**ORDERS, "key": "users", "granularity": "year"}), 400)


def test_values_are_saved_all_or_nothing_and_listed(w, client_for):
    client = client_for(w.adam, "alpha")
    assert _post(client, BASE, ORDERS).status_code == 201
    response = _post(client, f"{BASE}orders/values/", [{"date": "2025-05-02", "value": "7", "dimension_value": ""},
                                                       {"date": "2025-05-01", "value": "-1"}])
    assert response.status_code == 400
    assert response.json()["rows"] == [{"line": 2, "message": russian("the value is negative (%(text)s)",
                                                                       text="-1")}]
    assert client.get(f"{BASE}orders/values/").json() == []

    response = _post(client, f"{BASE}orders/values/", [
        {"date": "2025-05-01", "value": "10", "dimension_value": "shop"}, {"date": "02.05.2025", "value": "12,5"}])
    assert response.status_code == 200, response.content
    assert response.json() == {"imported": 2, "warnings": []}
    assert client.get(f"{BASE}orders/values/").json() == [
        {"date": "2025-05-01", "value": "10.000000", "dimension_value": "shop"},
        {"date": "2025-05-02", "value": "12.500000", "dimension_value": ""}]
    assert client.get(f"{BASE}orders/values/", {"start": "2025-05-02"}).json() == [
        {"date": "2025-05-02", "value": "12.500000", "dimension_value": ""}]


def test_viewers_and_engineers_read_but_cannot_write(w, client_for):
    assert _post(client_for(w.alice, "alpha"), BASE, ORDERS).status_code == 201
    for user in (w.vera, w.erin):
        client = client_for(user, "alpha")
        assert client.get(BASE).status_code == 200
        assert client.get(f"{BASE}orders/values/").status_code == 200
        api_error(_post(client, BASE, {**ORDERS, "key": "users"}), 403)
        api_error(client.patch(f"{BASE}orders/", json.dumps({"name": "x"}), content_type="application/json"), 403)
        api_error(client.delete(f"{BASE}orders/"), 403)
        api_error(_post(client, f"{BASE}orders/values/", [{"date": "2025-05-01", "value": "1"}]), 403)
        api_error(client.post(f"{BASE}orders/upload/", {}), 403)
    api_error(client_for(None, "alpha").get(BASE), 401)


def test_another_organization_sees_nothing_of_alphas_metrics(w, client_for):
    assert _post(client_for(w.alice, "alpha"), BASE, ORDERS).status_code == 201
    bob = client_for(w.bob, "beta")
    assert bob.get(BASE).json() == []
    api_error(bob.get(f"{BASE}orders/"), 404)
    api_error(bob.get(f"{BASE}orders/values/"), 404)
    api_error(bob.get("/api/v1/unit-costs/", {"metric": "orders", "start": "2025-05-01", "end": "2025-05-01"}),
              400)
    # charlie, a member of beta only, is refused on alpha's host
    assert client_for(w.charlie, "alpha").get(BASE).status_code in (403, 404)


def test_unit_costs_api_answers_the_series_in_decimal_strings(w, client_for):
    with schema_context(w.alpha.schema_name):
        ledger([row(date(2025, 5, d), "100") for d in (1, 2, 3)])
        cost_rollups_refresh(start=date(2025, 5, 1), end=date(2025, 5, 3))
        metric = BusinessMetric.objects.create(key="orders", name="Заказы", unit="заказ")
        BusinessMetricValue.objects.bulk_create([
            BusinessMetricValue(metric=metric, date=date(2025, 5, d), value=Decimal(v))
            for d, v in ((1, 50), (2, 50), (3, 50))])
    client = client_for(w.vera, "alpha")
    response = client.get("/api/v1/unit-costs/", {"metric": "orders", "start": "2025-05-01", "end": "2025-05-03",
                                                  "granularity": "month"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["metric"] == {"key": "orders", "name": "Заказы", "unit": "заказ", "granularity": "day",
                              "dimension": None}
    assert (body["currency"], body["start"], body["end"], body["granularity"]) == (
        "RUB", "2025-05-01", "2025-05-03", "month")
    (series,) = body["series"]
    # 300 ₽ over 3 days / 150 orders = 2 ₽ per order
    assert series["points"] == [{"date": "2025-05-01", "cost": "300.00", "metric": "150.000000",
                                 "unit_cost": "2.000000"}]
    assert series["unit_cost"] == "2.000000"
    error = api_error(client.get("/api/v1/unit-costs/", {"metric": "orders", "start": "2025-05-01",
                                                         "end": "2025-05-03", "group_by": "nonsense"}), 400)
    assert "group_by" in error["details"]
    with schema_context(w.alpha.schema_name):
        BusinessMetric.objects.create(key="mau", name="MAU", unit="пользователь", granularity="month")
    error = api_error(client.get("/api/v1/unit-costs/", {"metric": "mau", "start": "2025-05-01",
                                                         "end": "2025-05-03", "granularity": "week"}), 400)
    assert error["details"]["granularity"] == [russian(
        "A monthly metric has unit costs by month only: choose the month granularity.")]


def test_a_malformed_values_body_answers_the_documented_400_with_rows(w, client_for):
    """Found by the schema fuzzer: a body the serializer refuses still answers ``{"error", "rows"}``."""
    client = client_for(w.adam, "alpha")
    assert _post(client, BASE, ORDERS).status_code == 201
    response = _post(client, f"{BASE}orders/values/", [{"date": "2025-05-02", "value": "7"}, {"value": "1"}])
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"error", "rows"} and body["error"]["code"] == "invalid"
    assert [row["line"] for row in body["rows"]] == [2]  # the item without a date
    assert "date" in body["rows"][0]["message"]
    response = _post(client, f"{BASE}orders/values/", {"date": "2025-05-02"})  # not a list
    assert response.status_code == 400 and response.json()["rows"] == []
    assert client.get(f"{BASE}orders/values/").json() == []


def test_a_nul_character_in_a_values_body_is_refused_in_the_documented_shape_and_saves_nothing(w, client_for):
    """Found by the schema fuzzer: the NUL guard answers before the view, with the offending key named, and the
    documented upload error allows that answer (``rows`` absent)."""
    from apps.business.api_metrics import UploadErrorSerializer

    client = client_for(w.adam, "alpha")
    assert _post(client, BASE, ORDERS).status_code == 201
    response = _post(client, f"{BASE}orders/values/", [{"date": "2025-05-02", "value": "7"},
                                                       {"date": "2025-05-03", "val\x00ue": "1"}])
    error = api_error(response, 400, "invalid")
    assert list(error["details"]) == ["1.val\\x00ue"]
    assert error["details"]["1.val\\x00ue"] == [russian("Null characters are not allowed.")]
    assert UploadErrorSerializer(data=response.json()).is_valid()
    assert client.get(f"{BASE}orders/values/").json() == []
