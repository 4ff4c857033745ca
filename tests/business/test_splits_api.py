"""Shared-cost splitting API: CRUD, validation in Russian (a fixed split that does not sum to 100 %, a metric
without the split's dimension, an invalid regex), the preview with hand-computed roubles, permissions and
isolation."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import BusinessMetric, Dimension, DimensionValue, SharedCost
from apps.audit.models import AuditEvent
from tests.costs.explorer_data import ledger, row

pytestmark = pytest.mark.django_db

URL = "/api/v1/allocation/shared-costs/"
NOW = datetime(2025, 5, 10, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
NETWORK = [{"field": "service", "op": "equals", "value": "VPC"}]


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _fixed(**extra):
    return {"name": "Сеть", "conditions": NETWORK, "dimension": "business_unit", "method": "fixed",
            "targets": [{"value": "shop", "percent": "70"}, {"value": "crm", "percent": "30"}], **extra}


def _message(response) -> str:
    return response.json()["error"]["message"]


def test_an_owner_creates_reads_changes_and_deletes_a_split(w, client_for):
    client = client_for(w.alice, "alpha")
    created = _post(client, URL, _fixed())
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "Сеть" and body["method"] == "fixed" and body["dimension"] == "business_unit"
    assert body["enabled"] is True and body["metric"] is None
    assert body["conditions"] == NETWORK
    assert body["targets"] == [{"value": "shop", "percent": "70.00"}, {"value": "crm", "percent": "30.00"}]
    pk = body["id"]
    with schema_context(w.alpha.schema_name):
        # new values join the dimension's list
        assert set(DimensionValue.objects.filter(dimension__key="business_unit").values_list("value", flat=True)) \
            >= {"shop", "crm"}

    assert [s["id"] for s in client.get(URL).json()] == [pk]
    assert client.get(f"{URL}{pk}/").json()["name"] == "Сеть"

    # even: the percents are dropped
    changed = client.patch(f"{URL}{pk}/", json.dumps({"method": "even", "name": "Сеть VPC"}),
                           content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["targets"] == [{"value": "shop", "percent": None}, {"value": "crm", "percent": None}]
    assert changed.json()["name"] == "Сеть VPC"

    switched = client.patch(f"{URL}{pk}/", json.dumps({"enabled": False}), content_type="application/json")
    assert switched.json()["enabled"] is False

    replaced = client.put(f"{URL}{pk}/", json.dumps(_fixed(name="Поддержка", targets=[
        {"value": "shop", "percent": "33.33"}, {"value": "crm", "percent": "33.33"},
        {"value": "lab", "percent": "33.34"}])), content_type="application/json")
    assert replaced.status_code == 200, replaced.content
    assert [t["percent"] for t in replaced.json()["targets"]] == ["33.33", "33.33", "33.34"]
    assert replaced.json()["enabled"] is True  # PUT: a full definition, the default back

    assert client.delete(f"{URL}{pk}/").status_code == 204
    assert client.get(f"{URL}{pk}/").status_code == 404
    with schema_context(w.alpha.schema_name):
        assert not SharedCost.objects.exists()
        actions = list(AuditEvent.objects.filter(action__startswith="allocation.").order_by("id")
                       .values_list("action", flat=True))
    assert actions == ["allocation.split_created", "allocation.split_updated", "allocation.split_updated",
                       "allocation.split_updated", "allocation.split_deleted"]


def test_a_fixed_split_that_does_not_sum_to_100_is_refused_with_the_sum(w, client_for):
    client = client_for(w.alice, "alpha")
    response = _post(client, URL, _fixed(targets=[{"value": "shop", "percent": "60"},
                                                  {"value": "crm", "percent": "30"}]))
    assert response.status_code == 400
    assert _message(response) == "Сумма долей 90 %, нужно 100 %."
    response = _post(client, URL, _fixed(targets=[{"value": "shop", "percent": "70.5"},
                                                  {"value": "crm", "percent": "30"}]))
    assert response.status_code == 400
    assert "100,5 %" in _message(response)
    with schema_context(w.alpha.schema_name):
        assert not SharedCost.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="allocation.").exists()


@pytest.mark.parametrize("targets, words", [
    ([{"value": "shop", "percent": "100"}], "двумя"),
    ([{"value": "shop", "percent": "50"}, {"value": "shop", "percent": "50"}], "дважды"),
    ([{"value": "shop", "percent": "50"}, {"value": " ", "percent": "50"}], "Заполните"),
    ([{"value": "shop", "percent": "50.005"}, {"value": "crm", "percent": "49.995"}], "двух знаков"),
    ([{"value": "shop", "percent": "0"}, {"value": "crm", "percent": "100"}], "больше 0"),
    ([{"value": "shop"}, {"value": "crm", "percent": "100"}], "«shop»"),
])
def test_bad_targets_are_refused_in_russian(w, client_for, targets, words):
    response = _post(client_for(w.alice, "alpha"), URL, _fixed(targets=targets))
    assert response.status_code == 400, response.content
    assert words in _message(response)


def test_name_dimension_and_conditions_are_checked(w, client_for):
    client = client_for(w.alice, "alpha")
    assert "Назовите" in _message(_post(client, URL, _fixed(name=" ")))
    assert "«nope»" in _message(_post(client, URL, _fixed(dimension="nope")))
    bad_regex = _post(client, URL, _fixed(conditions=[{"field": "name", "op": "regex", "value": "net-(prod"}]))
    assert bad_regex.status_code == 400
    assert "5 (net- ⟶ (prod)" in _message(bad_regex)  # the position of the unclosed parenthesis


def test_metric_split_needs_a_metric_with_the_splits_dimension(w, client_for):
    client = client_for(w.alice, "alpha")
    with schema_context(w.alpha.schema_name):
        BusinessMetric.objects.create(key="orders", name="Заказы", unit="шт.")  # no dimension
        BusinessMetric.objects.create(key="requests", name="Запросы", unit="шт.",
                                      dimension=Dimension.objects.get(key="business_unit"))
    body = {"name": "Кластер", "conditions": NETWORK, "dimension": "business_unit", "method": "metric",
            "targets": [{"value": "shop"}, {"value": "crm"}]}
    missing = _post(client, URL, body)
    assert missing.status_code == 400 and "метрику" in _message(missing)
    no_dimension = _post(client, URL, {**body, "metric": "orders"})
    assert no_dimension.status_code == 400
    assert "«Заказы»" in _message(no_dimension)
    ok = _post(client, URL, {**body, "metric": "requests"})
    assert ok.status_code == 201, ok.content
    assert ok.json()["metric"] == "requests"


def test_preview_shows_the_matched_cost_and_its_split_by_hand(w, client_for, time_machine):
    time_machine.move_to(NOW, tick=False)
    with schema_context(w.alpha.schema_name):
        ledger([row(date(2025, 5, 1), "90", service="VPC", resource="net-1"),
                row(date(2025, 5, 9), "30", service="VPC", resource="net-1"),
                row(date(2025, 5, 9), "50", service="VPC", resource="net-2"),
                row(date(2025, 4, 1), "1000", service="VPC", resource="net-1"),  # before the last 30 days
                row(date(2025, 5, 2), "400", resource="vm-1")])  # not matched
    response = _post(client_for(w.vera, "alpha"), f"{URL}preview/", _fixed())
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["start"], body["end"], body["currency"]) == ("2025-04-11", "2025-05-10", "RUB")
    assert body["matched_cost"] == "170.00"  # 90 + 30 + 50
    assert body["lines"] == [{"resource_id": "net-1", "name": "net-1", "service": "VPC", "cost": "120.00"},
                             {"resource_id": "net-2", "name": "net-2", "service": "VPC", "cost": "50.00"}]
    # 170 * 0.7 = 119, 170 * 0.3 = 51
    assert body["split"] == [{"value": "shop", "share": "0.7000", "cost": "119.00"},
                             {"value": "crm", "share": "0.3000", "cost": "51.00"}]
    even = _post(client_for(w.vera, "alpha"), f"{URL}preview/", _fixed(method="even", targets=[
        {"value": "a"}, {"value": "b"}, {"value": "c"}, {"value": "d"}])).json()
    assert [s["cost"] for s in even["split"]] == ["42.50", "42.50", "42.50", "42.50"]
    with schema_context(w.alpha.schema_name):
        assert not SharedCost.objects.exists()  # a preview saves nothing


def test_a_viewer_reads_but_cannot_change_splits(w, client_for):
    pk = _post(client_for(w.alice, "alpha"), URL, _fixed()).json()["id"]
    viewer = client_for(w.vera, "alpha")
    assert viewer.get(URL).status_code == 200
    assert viewer.get(f"{URL}{pk}/").status_code == 200
    assert _post(viewer, URL, _fixed()).status_code == 403
    assert viewer.patch(f"{URL}{pk}/", json.dumps({"name": "x"}), content_type="application/json").status_code == 403
    assert viewer.delete(f"{URL}{pk}/").status_code == 403
    assert _post(client_for(w.fiona, "alpha"), URL, _fixed(name="Поддержка")).status_code == 201
    assert _post(client_for(w.erin, "alpha"), URL, _fixed(name="Кластер")).status_code == 403


def test_another_organization_sees_nothing(w, client_for):
    pk = _post(client_for(w.alice, "alpha"), URL, _fixed()).json()["id"]
    beta = client_for(w.bob, "beta")
    assert beta.get(URL).json() == []
    assert beta.get(f"{URL}{pk}/").status_code == 404
    assert beta.delete(f"{URL}{pk}/").status_code == 404
    with schema_context(w.alpha.schema_name):
        assert SharedCost.objects.filter(pk=pk).exists()
    assert client_for(w.alice, "beta").get(URL).status_code in (302, 403, 404)


def test_a_split_gone_invalid_can_be_switched_off_but_not_on(w, client_for):
    client = client_for(w.alice, "alpha")
    with schema_context(w.alpha.schema_name):
        metric = BusinessMetric.objects.create(key="requests", name="Запросы", unit="шт.",
                                               dimension=Dimension.objects.get(key="business_unit"))
    pk = _post(client, URL, {"name": "Кластер", "conditions": NETWORK, "dimension": "business_unit",
                             "method": "metric", "metric": "requests",
                             "targets": [{"value": "shop"}, {"value": "crm"}]}).json()["id"]
    with schema_context(w.alpha.schema_name):
        BusinessMetric.objects.filter(pk=metric.pk).update(dimension=None)  # the metric lost its breakdown
    off = client.patch(f"{URL}{pk}/", json.dumps({"enabled": False}), content_type="application/json")
    assert off.status_code == 200 and off.json()["enabled"] is False
    on = client.patch(f"{URL}{pk}/", json.dumps({"enabled": True}), content_type="application/json")
    assert on.status_code == 400 and "«Запросы»" in _message(on)
