"""The anomalies API: the list's shape and filters, confirm / dismiss, the permission matrix and tenant isolation."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.anomalies import services
from apps.anomalies.models import Anomaly
from apps.audit.models import AuditEvent
from tests.utils import api_error

ITEM_KEYS = {"id", "date", "first_date", "scope", "expected", "actual", "impact", "currency", "kind", "status",
             "contributors", "feedback_at"}


@pytest.fixture
def detected(w, spike_ledger):
    with schema_context(w.alpha.schema_name):
        services.anomalies_detect()
        return {a.scope_type: a for a in Anomaly.objects.all()}


def test_the_list_shows_each_anomaly_with_its_scope_money_and_contributors(w, detected, spike_ledger, client_for):
    body = client_for(w.vera, "alpha").get("/api/v1/anomalies/").json()
    assert body["count"] == 4
    items = {item["scope"]["type"]: item for item in body["results"]}
    assert all(set(item) == ITEM_KEYS for item in body["results"])
    service = items["service"]
    assert service["scope"] == {"type": "service", "key": "Compute Cloud", "label": "Compute Cloud"}
    assert (service["date"], service["first_date"], service["kind"], service["status"]) == (
        "2026-05-25", "2026-05-25", "spike", "open")
    assert (service["expected"], service["actual"], service["impact"], service["currency"]) == (
        "10000.00", "16000.00", "6000.00", "RUB")
    assert service["contributors"] == [{"key": "vm-b", "label": "vm-b", "service": "Compute Cloud",
                                        "actual": "10000.00", "expected": "4000.00", "increase": "6000.00"}]
    connection = items["connection"]["scope"]
    assert connection == {"type": "connection", "key": str(spike_ledger.pk),
                          "label": "Яндекс прод"}


def test_the_list_filters_by_status_and_kind(w, detected, client_for):
    alice = client_for(w.alice, "alpha")
    with schema_context(w.alpha.schema_name):
        services.anomaly_dismiss(anomaly=detected["provider"], actor=w.alice)
    open_items = alice.get("/api/v1/anomalies/", {"status": "open"}).json()["results"]
    assert {item["scope"]["type"] for item in open_items} == {"service", "connection", "resource_group"}
    dismissed = alice.get("/api/v1/anomalies/?status=dismissed&status=confirmed").json()["results"]
    assert [item["scope"]["type"] for item in dismissed] == ["provider"]
    assert alice.get("/api/v1/anomalies/", {"kind": "drift"}).json()["count"] == 0
    api_error(alice.get("/api/v1/anomalies/", {"status": "bogus"}), 400)


def test_confirm_and_dismiss_return_the_anomaly_and_are_audited(w, detected, client_for):
    fiona = client_for(w.fiona, "alpha")  # finance may manage costs
    pk = detected["service"].pk
    answer = fiona.post(f"/api/v1/anomalies/{pk}/confirm/")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["id"], answer.json()["status"]) == (pk, "confirmed")
    assert answer.json()["feedback_at"] is not None
    answer = fiona.post(f"/api/v1/anomalies/{pk}/dismiss/")
    assert answer.json()["status"] == "dismissed"
    with schema_context(w.alpha.schema_name):
        assert list(AuditEvent.objects.filter(action__startswith="anomaly.").order_by("id")
                    .values_list("action", "actor_email")) == [("anomaly.confirmed", "fiona@alpha.test"),
                                                               ("anomaly.dismissed", "fiona@alpha.test")]
    api_error(fiona.post("/api/v1/anomalies/999999/confirm/"), 404, "not_found")


@pytest.mark.parametrize("person", ["vera", "erin"])
def test_viewers_and_engineers_read_but_cannot_judge(w, detected, client_for, person):
    client = client_for(getattr(w, person), "alpha")
    assert client.get("/api/v1/anomalies/").status_code == 200
    pk = detected["service"].pk
    api_error(client.post(f"/api/v1/anomalies/{pk}/confirm/"), 403, "permission_denied")
    api_error(client.post(f"/api/v1/anomalies/{pk}/dismiss/"), 403, "permission_denied")
    with schema_context(w.alpha.schema_name):
        assert Anomaly.objects.get(pk=pk).status == "open"


def test_anonymous_requests_are_refused(w, detected, client_for):
    api_error(client_for(None, "alpha").get("/api/v1/anomalies/"), 401)


def test_another_organizations_user_sees_nothing(w, detected, client_for):
    pk = detected["service"].pk
    charlie = client_for(w.charlie, "alpha")  # a member of beta only, on alpha's host
    api_error(charlie.get("/api/v1/anomalies/"), 403)
    api_error(charlie.post(f"/api/v1/anomalies/{pk}/dismiss/"), 403)
    bob = client_for(w.bob, "beta")
    assert bob.get("/api/v1/anomalies/").json()["count"] == 0
    api_error(bob.post(f"/api/v1/anomalies/{pk}/dismiss/"), 404)
    with schema_context(w.alpha.schema_name):
        assert Anomaly.objects.get(pk=pk).status == "open"
