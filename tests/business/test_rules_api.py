"""/api/v1/allocation/ dimensions, rules, overrides, apply and state: the contract, validation in Russian (a regex
error points at its position), the permission matrix (read: business.view, write: business.manage), the audit
trail, tenant isolation, and apply changing the explorer's groups."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.allocation.models import Dimension, ResourceOverride, Rule
from apps.audit.models import AuditEvent
from apps.costs.selectors.explorer import cost_summary
from apps.costs.services.allocation_apply import allocation_history_apply
from apps.costs.services.rollups import cost_rollups_refresh
from tests.costs.explorer_data import ledger, row
from tests.utils import api_error

pytestmark = pytest.mark.django_db

D1 = date(2026, 6, 10)
RULES = "/api/v1/allocation/rules/"
DIMENSIONS = "/api/v1/allocation/dimensions/"
OVERRIDES = "/api/v1/allocation/overrides/"
PROD = {"name": "Прод", "conditions": [{"field": "name", "op": "regex", "value": "-prod-"}],
        "actions": {"environment": "prod"}}


def _named(day, billed, name, **kw):
    record = row(day, billed, resource=name, **kw)
    record.resource_name = name
    return record


@pytest.fixture
def estate(w, time_machine):
    time_machine.move_to("2026-06-20 12:00:00+03:00", tick=False)
    with schema_context(w.alpha.schema_name):
        ledger([_named(D1, "100", "shop-prod-web"), _named(D1, "60", "shop-dev-web")])
        cost_rollups_refresh(start=D1, end=D1)
    return w


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_rules_are_created_listed_changed_and_deleted_with_an_audit_trail(estate, client_for):
    fiona = client_for(estate.fiona, "alpha")  # finance manages allocation
    answer = _post(fiona, RULES, PROD)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert set(body) == {"id", "name", "order", "enabled", "conditions", "actions", "source"}
    assert (body["name"], body["enabled"], body["conditions"], body["actions"]) == (
        "Прод", True, [{"field": "name", "op": "regex", "value": "-prod-"}], {"environment": "prod"})
    listed = client_for(estate.vera, "alpha").get(RULES).json()
    assert [r["id"] for r in listed["results"]] == [body["id"]] and listed["conflicts"] == []
    changed = fiona.patch(f"{RULES}{body['id']}/", {"enabled": False, "actions": {"environment": "production"}},
                          content_type="application/json")
    assert changed.status_code == 200
    assert (changed.json()["enabled"], changed.json()["actions"]) == (False, {"environment": "production"})
    put = fiona.put(f"{RULES}{body['id']}/", {"name": "Все", "actions": {"business_unit": "shop"}},
                    content_type="application/json")
    assert put.status_code == 200 and put.json()["conditions"] == []
    assert fiona.delete(f"{RULES}{body['id']}/").status_code == 204
    with schema_context(estate.alpha.schema_name):
        assert not Rule.objects.exists()
        # a value used by a rule joins its dimension's list
        assert set(Dimension.objects.get(key="environment").values.values_list("value", flat=True)) == {
            "prod", "production"}
        assert list(AuditEvent.objects.filter(action__startswith="allocation.").order_by("id").values_list(
            "action", flat=True)) == ["allocation.rule_created", "allocation.rule_updated",
                                      "allocation.rule_updated", "allocation.rule_deleted"]


def test_an_invalid_regex_is_a_400_that_points_at_the_position(estate, client_for):
    body = {**PROD, "conditions": [{"field": "name", "op": "equals", "value": "x"},
                                   {"field": "name", "op": "regex", "value": "shop-(prod"}]}
    error = api_error(_post(client_for(estate.alice, "alpha"), RULES, body), 400)
    assert error["message"].startswith("Условие 2: ")
    assert "позиции 6" in error["message"]  # the unclosed parenthesis, the 6th character
    assert "shop- ⟶ (prod" in error["message"]
    with schema_context(estate.alpha.schema_name):
        assert not Rule.objects.exists()


@pytest.mark.parametrize(("body", "fragment"), [
    ({"name": "x", "actions": {}}, "хотя бы одно"),
    ({"name": "x", "actions": {"team": "a"}}, "«team»"),
    ({"name": "x", "actions": {"environment": "  "}}, "«environment»"),
    ({"name": "x", "actions": {"environment": "prod"}, "conditions": [{"field": "colour", "op": "equals",
                                                                        "value": "red"}]}, "«colour»"),
])
def test_bad_actions_and_fields_are_explained(estate, client_for, body, fragment):
    error = api_error(_post(client_for(estate.alice, "alpha"), RULES, body), 400)
    assert fragment in error["message"]


def test_viewer_reads_but_cannot_write(estate, client_for):
    vera = client_for(estate.vera, "alpha")
    assert vera.get(RULES).status_code == 200
    assert vera.get(DIMENSIONS).status_code == 200
    assert vera.get("/api/v1/allocation/state/").status_code == 200
    api_error(_post(vera, RULES, PROD), 403)
    api_error(_post(vera, DIMENSIONS, {"key": "team", "name": "Команда"}), 403)
    api_error(_post(vera, OVERRIDES, {"resource_id": "x", "values": {"environment": "prod"}}), 403)
    api_error(_post(vera, "/api/v1/allocation/rules/apply/", {}), 403)
    api_error(_post(vera, "/api/v1/allocation/rules/preview/", PROD), 403)


def test_another_organization_sees_none_of_the_rules(estate, client_for):
    alpha_rule = _post(client_for(estate.alice, "alpha"), RULES, PROD).json()
    bob = client_for(estate.bob, "beta")
    assert bob.get(RULES).json()["results"] == []
    api_error(bob.get(f"{RULES}{alpha_rule['id']}/"), 404)
    api_error(bob.delete(f"{RULES}{alpha_rule['id']}/"), 404)
    api_error(client_for(estate.bob, "alpha").get(RULES), 403)  # not a member of alpha


def test_dimensions_builtin_and_custom(estate, client_for):
    alice = client_for(estate.alice, "alpha")
    listed = alice.get(DIMENSIONS).json()
    assert [d["key"] for d in listed] == ["business_unit", "project", "environment", "cost_center", "product",
                                          "owner"]
    assert listed[0] == {"key": "business_unit", "name": "Бизнес-направление", "values": [], "required": True,
                         "builtin": True}
    created = _post(alice, DIMENSIONS, {"key": "team", "name": "Команда", "values": ["core", "data", "core"]})
    assert created.status_code == 201, created.content
    assert created.json() == {"key": "team", "name": "Команда", "values": ["core", "data"], "required": False,
                              "builtin": False}
    patched = alice.patch(f"{DIMENSIONS}team/", {"values": ["data", "ml"], "required": True},
                          content_type="application/json").json()
    assert (patched["values"], patched["required"]) == (["data", "ml"], True)
    for body, fragment in (({"key": "Team-1", "name": "x"}, "латинских"),
                           ({"key": "allocation_method", "name": "x"}, "зарезервирован"),
                           ({"key": "team", "name": "x"}, "уже есть")):
        assert fragment in api_error(_post(alice, DIMENSIONS, body), 400)["message"]
    api_error(alice.delete(f"{DIMENSIONS}environment/"), 409)
    assert "нельзя" in api_error(alice.patch(f"{DIMENSIONS}environment/", {"key": "env"},
                                             content_type="application/json"), 400)["message"]
    assert alice.delete(f"{DIMENSIONS}team/").status_code == 204
    api_error(alice.get(f"{DIMENSIONS}team/"), 404)


def test_overrides_crud(estate, client_for):
    alice = client_for(estate.alice, "alpha")
    created = _post(alice, OVERRIDES, {"resource_id": "shop-dev-web", "values": {"business_unit": "lab"},
                                       "note": "R&D платит"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body == {"id": body["id"], "connection": None, "resource_id": "shop-dev-web",
                    "values": {"business_unit": "lab"}, "note": "R&D платит"}
    patched = alice.patch(f"{OVERRIDES}{body['id']}/", {"values": {"environment": "dev"}},
                          content_type="application/json").json()
    assert (patched["values"], patched["note"]) == ({"environment": "dev"}, "R&D платит")
    assert alice.get(OVERRIDES).json() == [patched]
    assert "«colour»" in api_error(_post(alice, OVERRIDES, {"resource_id": "x", "values": {"colour": "red"}}),
                                   400)["message"]
    assert alice.delete(f"{OVERRIDES}{body['id']}/").status_code == 204
    with schema_context(estate.alpha.schema_name):
        assert not ResourceOverride.objects.exists()


def test_apply_is_202_and_the_history_then_groups_by_the_new_rules(estate, client_for):
    alice = client_for(estate.alice, "alpha")
    _post(alice, RULES, PROD)
    answer = _post(alice, "/api/v1/allocation/rules/apply/", {})
    assert answer.status_code == 202
    assert set(answer.json()) >= {"status", "version", "days_total", "days_done"}
    assert answer.json()["status"] == "queued"
    with schema_context(estate.alpha.schema_name):
        before = {g["key"]: g["total"] for g in cost_summary(start=D1, end=D1, group_by="alloc:environment")["groups"]}
        assert before == {"": Decimal("160")}  # rollups not rebuilt yet
        assert allocation_history_apply() == 1
        after = {g["key"]: g["total"] for g in cost_summary(start=D1, end=D1, group_by="alloc:environment")["groups"]}
        assert after == {"prod": Decimal("100"), "": Decimal("60")}
    state = alice.get("/api/v1/allocation/state/").json()
    assert (state["status"], state["days_total"], state["days_done"]) == ("idle", 1, 1)


def test_at_most_twenty_dimensions(estate, client_for):
    alice = client_for(estate.alice, "alpha")
    for number in range(14):  # 6 built in + 14 = 20
        assert _post(alice, DIMENSIONS, {"key": f"d{number}", "name": f"Измерение {number}"}).status_code == 201
    error = api_error(_post(alice, DIMENSIONS, {"key": "one_more", "name": "Лишнее"}), 400)
    assert "не больше 20 измерений" in error["message"]
