"""/api/v1/budgets/: the contract (live actual, percent_used and forecast with its band), validation in Russian,
overlap warnings, the permission matrix (read: costs.view, write: costs.manage) and tenant isolation."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.budgets import services
from apps.budgets.models import Budget
from tests.utils import api_error

KEYS = {"id", "name", "amount", "currency", "period", "scope", "thresholds", "forecast_thresholds", "channels",
        "period_start", "period_end", "actual", "percent_used", "forecast", "forecast_lower", "forecast_upper",
        "forecast_method", "created"}


@pytest.fixture
def budget(spend, june, w):
    return services.budget_create(actor=w.alice, name="Облако", amount="100000")


def test_create_then_read_with_live_figures(spend, june, channels, w, client_for):
    fiona = client_for(w.fiona, "alpha")  # finance may manage budgets
    answer = fiona.post("/api/v1/budgets/", {"name": "Яндекс", "amount": "75000.00", "scope": {
        "provider": "Yandex Cloud"}, "thresholds": [80, 50], "channels": [channels["finance"].pk]},
        content_type="application/json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert set(body) == KEYS | {"warnings"}
    assert body["warnings"] == []
    assert (body["name"], body["amount"], body["currency"], body["period"]) == ("Яндекс", "75000.00", "RUB", "month")
    assert (body["scope"], body["thresholds"], body["forecast_thresholds"], body["channels"]) == (
        {"provider": "Yandex Cloud"}, [50, 80], [100], [channels["finance"].pk])
    # 57 000 of 75 000 = 76 %; the forecast at 3 000 a day: 90 000 (a constant history: no band around it).
    assert (body["period_start"], body["period_end"]) == ("2026-06-01", "2026-06-30")
    assert (body["actual"], body["percent_used"]) == ("57000.00", "76.0")
    assert (body["forecast"], body["forecast_lower"], body["forecast_upper"]) == ("90000.00", "90000.00", "90000.00")
    listed = client_for(w.vera, "alpha").get("/api/v1/budgets/").json()
    assert [set(item) for item in listed] == [KEYS]
    assert listed[0]["id"] == body["id"] and listed[0]["percent_used"] == "76.0"
    one = client_for(w.vera, "alpha").get(f"/api/v1/budgets/{body['id']}/").json()
    assert one == listed[0]


def test_whole_organization_by_default_and_an_overlap_is_a_warning(budget, w, client_for):
    alice = client_for(w.alice, "alpha")
    answer = alice.post("/api/v1/budgets/", {"name": "Яндекс", "amount": "50000", "scope": {
        "provider": "Yandex Cloud"}}, content_type="application/json")
    assert answer.status_code == 201
    assert answer.json()["warnings"] == [
        "Область пересекается с другими бюджетами того же периода: «Облако». Общие расходы учитываются в каждом "
        "из них."]
    read = alice.get(f"/api/v1/budgets/{budget.pk}/").json()
    assert (read["scope"], read["thresholds"], read["forecast_thresholds"]) == ({}, [50, 80, 100], [100])


@pytest.mark.parametrize(("payload", "message"), [
    ({"name": "Ноль", "amount": "0"}, "Сумма бюджета должна быть больше нуля."),
    ({"name": "Минус", "amount": "-10"}, "Сумма бюджета должна быть больше нуля."),
    ({"name": "Область", "amount": "10", "scope": {"project": "x"}},
     "Неизвестные ключи области: project. Допустимы: provider, connection, service, region, tag, "
     "alloc:allocation_method, alloc:allocated_resource."),
])
def test_bad_input_is_a_400_in_russian(in_alpha, w, client_for, payload, message):
    error = api_error(client_for(w.alice, "alpha").post("/api/v1/budgets/", payload,
                                                         content_type="application/json"), 400, "invalid")
    assert error["message"] == message
    with schema_context(w.alpha.schema_name):
        assert not Budget.objects.exists()


def test_patch_put_delete(budget, w, client_for):
    adam = client_for(w.adam, "alpha")
    patched = adam.patch(f"/api/v1/budgets/{budget.pk}/", {"amount": "60000"}, content_type="application/json")
    assert patched.status_code == 200, patched.content
    assert (patched.json()["amount"], patched.json()["percent_used"], patched.json()["name"]) == (
        "60000.00", "95.0", "Облако")
    api_error(adam.patch(f"/api/v1/budgets/{budget.pk}/", {"amount": "0"}, content_type="application/json"), 400)
    put = adam.put(f"/api/v1/budgets/{budget.pk}/", {"name": "Квартал", "amount": "300000", "period": "quarter"},
                   content_type="application/json")
    assert put.status_code == 200, put.content
    # Q2 so far: (30 + 31 + 19) days × 3 000 = 240 000 of 300 000 = 80 %.
    assert (put.json()["period"], put.json()["period_start"], put.json()["actual"], put.json()["percent_used"]) == (
        "quarter", "2026-04-01", "240000.00", "80.0")
    assert adam.delete(f"/api/v1/budgets/{budget.pk}/").status_code == 204
    api_error(adam.get(f"/api/v1/budgets/{budget.pk}/"), 404)
    with schema_context(w.alpha.schema_name):
        assert list(AuditEvent.objects.filter(action__startswith="budget.").order_by("id")
                    .values_list("action", flat=True)) == ["budget.created", "budget.updated", "budget.updated",
                                                           "budget.deleted"]


@pytest.mark.parametrize(("person", "read", "write"), [
    ("alice", 200, 201), ("adam", 200, 201), ("fiona", 200, 201), ("erin", 200, 403), ("vera", 200, 403),
    ("bob", 403, 403), ("charlie", 403, 403),
])
def test_permissions(budget, w, client_for, person, read, write):
    client = client_for(getattr(w, person), "alpha")
    assert client.get("/api/v1/budgets/").status_code == read
    assert client.get(f"/api/v1/budgets/{budget.pk}/").status_code == read
    created = client.post("/api/v1/budgets/", {"name": "Новый", "amount": "10"}, content_type="application/json")
    assert created.status_code == write
    changed = client.patch(f"/api/v1/budgets/{budget.pk}/", {"amount": "20"}, content_type="application/json")
    assert changed.status_code == (200 if write == 201 else write)
    if write != 201:
        assert client.delete(f"/api/v1/budgets/{budget.pk}/").status_code == write


def test_anonymous_is_refused(in_alpha, client_for):
    api_error(client_for(None, "alpha").get("/api/v1/budgets/"), 401)


def test_tenant_isolation(budget, w, client_for):
    bob = client_for(w.bob, "beta")
    assert bob.get("/api/v1/budgets/").json() == []
    api_error(bob.get(f"/api/v1/budgets/{budget.pk}/"), 404)
    api_error(bob.delete(f"/api/v1/budgets/{budget.pk}/"), 404)
    with schema_context(w.alpha.schema_name):
        assert Budget.objects.filter(pk=budget.pk).exists()
