"""The API says what it returns: every GET operation of ``/api/schema/`` is called on an organization with real
data in it (connections, finished and partial syncs with resources and metrics, billing imports and the cost
ledger they fill, members, invitations) and each real body is validated against the documented response.

Validation is strict: every ``$ref`` is resolved, and an object that lists its properties may carry no others
(drf-spectacular leaves ``additionalProperties`` open; an undeclared key is exactly the drift this catches).
A GET operation the schema documents but this module does not call fails the test, so a new endpoint cannot
slip by untested. Error answers are checked against the one documented error shape (``4XX``).
"""

from __future__ import annotations

import copy
import csv
import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context
from jsonschema import FormatChecker
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

from apps.anomalies.models import Anomaly
from apps.common.tasks import run_in_tenant
from apps.currency.models import ExchangeRate, RateSource
from tests.costs.conftest import DATA
from tests.providers.conftest import fake_beget  # noqa: F401 -- the fake Beget server fixture
from tests.providers.sync_helpers import create_connection, run_sync, start_sync

SCHEMA_ACCEPT = "application/vnd.oai.openapi+json"
# OpenAPI's formats, with "uri" checked too (jsonschema needs an optional package for it): a blank URL field
# is documented as "a uri or an empty string", which only a checked "uri" tells apart.
FORMATS = FormatChecker()
FORMATS.checkers = dict(oas30_format_checker.checkers)


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme)

FOCUS_FILE = DATA / "aws_1_2_cost_and_usage_rows100_seed42.csv"
FOCUS_WITH_BAD_ROWS = DATA / "multiple_failure_examples.csv"


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True


# --- the schema, resolved and made strict ----------------------------------------------------------------

def load_schema(client) -> dict[str, Any]:
    response = client.get("/api/schema/", HTTP_ACCEPT=SCHEMA_ACCEPT)
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content)


def _strict(node: Any) -> Any:
    """Objects that list their properties accept no others (unless they say what others may be)."""
    if isinstance(node, dict):
        node = {key: _strict(value) for key, value in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_strict(item) for item in node]
    return node


def _inline(node: Any, components: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None:
            assert ref.startswith("#/components/schemas/"), ref
            name = ref.rsplit("/", 1)[1]
            assert name not in seen, f"recursive schema {' -> '.join((*seen, name))}"
            target = _inline(components[name], components, (*seen, name))
            siblings = {k: _inline(v, components, seen) for k, v in node.items() if k != "$ref"}
            return {**target, **siblings}
        return {key: _inline(value, components, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, components, seen) for item in node]
    return node


def documented_response(document: dict[str, Any], path: str, status: int) -> dict[str, Any] | None:
    """The response ``GET path`` documents for ``status`` (an exact code first, then its range, e.g. ``4XX``)."""
    responses = document["paths"][path]["get"]["responses"]
    return responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")


def _free_form(schema: dict[str, Any]) -> bool:
    """An object documented without its fields (any key, any value)."""
    shape_keys = {"properties", "items", "oneOf", "anyOf", "allOf", "enum"}
    return (schema.get("type") in (None, "object") and not shape_keys & set(schema)
            and schema.get("additionalProperties", True) in (True, {}))


def check(document: dict[str, Any], path: str, response) -> list[str]:
    """Problems of one real response against the operation ``GET path`` (empty when it matches)."""
    where = f"GET {path} answering {response.status_code}"
    documented = documented_response(document, path, response.status_code)
    if documented is None:
        return [f"{where}: status not documented"]
    media_type = response["Content-Type"].split(";")[0].strip()
    content = documented.get("content", {})
    if media_type not in content:
        return [f"{where}: {media_type} not documented (documented: {sorted(content)})"]
    if media_type != "application/json":
        return []
    components = _strict(copy.deepcopy(document.get("components", {}).get("schemas", {})))
    schema = _inline(_strict(copy.deepcopy(content[media_type].get("schema") or {})), components)
    if _free_form(schema):
        return [f"{where}: the body is documented as a free-form object, not by its fields"]
    validator = OAS30ReadValidator(schema, format_checker=FORMATS)
    return [f"{where} at {'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message[:300]}"
            for error in validator.iter_errors(response.json())]


def get_operations(document: dict[str, Any]) -> set[str]:
    return {path for path, operations in document["paths"].items() if "get" in operations}


def exercise(client, document: dict[str, Any], calls: dict[str, list[tuple[str, dict[str, Any]]]]) -> list[str]:
    """Call each (url, query) of ``calls`` (keyed by the schema's path template); every problem found."""
    problems = []
    for path, requests in sorted(calls.items()):
        if path not in get_operations(document):
            problems.append(f"GET {path} is not in the schema")
            continue
        assert requests, path
        for url, query in requests:
            response = client.get(url, query)
            if response.status_code != 200:
                problems.append(f"GET {url} {query}: {response.status_code} {response.content.decode()[:300]}")
                continue
            problems.extend(f"{message} (called as {url} {query})" for message in check(document, path, response))
    return problems


# --- the data ------------------------------------------------------------------------------------------

def _exchange_rates_for(path) -> None:
    """Central Bank rates for every charge day of a FOCUS file, so its costs convert to the organization's
    currency."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    days = sorted({row["ChargePeriodStart"][:10] for row in rows})
    day, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    for currency in sorted({row["BillingCurrency"] for row in rows} - {"RUB"}):
        while day <= last:
            ExchangeRate.objects.create(date=day, currency=currency, rate_rub=Decimal("90.1234"), source=RateSource.CBR)
            day += timedelta(days=1)


def _import(client, schema_name: str, path, **form) -> dict[str, Any]:
    """Upload a FOCUS file through the API and run the queued import as the worker would."""
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
    response = client.post("/api/v1/costs/imports/", {"file": upload, **form})
    assert response.status_code == 202, response.content
    import_id = response.json()["id"]
    run_in_tenant(schema_name, "apps.costs.tasks.billing_import_task", import_id)
    return client.get(f"/api/v1/costs/imports/{import_id}/").json()


@pytest.fixture
def organization_with_data(w, token_client, fake_beget):  # noqa: F811 -- the fixture imported above
    """alpha, as its owner sees it: a Beget connection tested and synced twice (the second sync partial), a
    second one with a sync queued, a third never checked and at the provider's own address (blank endpoint),
    billing imports (one clean, one with skipped rows), an invitation."""
    client = token_client(w.alice, "alpha")
    connection_id = create_connection(client, fake_beget.url)
    response = client.post(f"/api/v1/connections/{connection_id}/test/")
    assert response.status_code == 200, response.content
    first = run_sync(client, connection_id)
    assert first["status"] == "success" and first["metric_points"], first
    fake_beget.add_fault("/api/domain/getList", kind="forbid", times=None)
    second = run_sync(client, connection_id)
    assert second["status"] == "partial" and second["errors"], second
    fake_beget.clear()
    other = create_connection(client, fake_beget.url, name="Beget, second account")
    queued = start_sync(client, other)
    response = client.post("/api/v1/connections/", json.dumps({
        "provider": "beget", "name": "Beget at its own address", "credentials": {"login": "x", "password": "y"},
    }), content_type="application/json")
    assert response.status_code == 201 and response.json()["endpoint"] == "", response.content
    untested = response.json()["id"]

    _exchange_rates_for(FOCUS_FILE)
    clean = _import(client, w.alpha.schema_name, FOCUS_FILE)
    assert clean["status"] == "success" and clean["rows_imported"], clean
    skipped = _import(client, w.alpha.schema_name, FOCUS_WITH_BAD_ROWS, skip_invalid="true")
    assert skipped["report"], skipped

    response = client.post("/api/v1/invitations/", json.dumps({"email": "newcomer@alpha.test", "role": "viewer"}),
                           content_type="application/json")
    assert response.status_code == 201, response.content

    # Recommendations: a policy every Beget resource breaks (no #owner tag), an evaluation run by the worker's
    # task, one violation accepted.
    answer = client.post("/api/v1/policies/", json.dumps({
        "name": "Owner tag", "kind": "required_tags", "params": {"tags": ["owner"]},
        "scope": {"providers": ["beget"]}}), content_type="application/json")
    assert answer.status_code == 201, answer.content
    policy = answer.json()["id"]
    answer = client.post("/api/v1/recommendations/evaluate/")
    assert answer.status_code == 202, answer.content
    evaluation = answer.json()["id"]
    run_in_tenant(w.alpha.schema_name, "apps.recommendations.tasks.evaluation_execute_task", evaluation)
    listed = client.get("/api/v1/recommendations/").json()["results"]
    findings = [f["id"] for f in listed]
    assert findings, "the policy found no violation"
    # The Beget account's balance runway is an account-level finding: its resource is null in the answer.
    assert any(f["resource"] is None for f in listed), listed
    assert client.post(f"/api/v1/recommendations/{findings[0]}/accept/").status_code == 200

    # Anomalies: two as the daily detection stores them (one with its contributors), one confirmed through the API.
    with schema_context(w.alpha.schema_name):
        spike = Anomaly.objects.create(
            scope_type="service", scope_key="Compute Cloud", scope_label="Compute Cloud", first_date=date(2026, 5, 25),
            date=date(2026, 5, 25), kind="spike", expected=Decimal("10000.00"), actual=Decimal("16000.00"),
            impact=Decimal("6000.00"), currency="RUB",
            contributors=[{"key": "vm-b", "label": "web-2", "service": "Compute Cloud", "actual": "10000.00",
                           "expected": "4000.00", "increase": "6000.00"}])
        Anomaly.objects.create(
            scope_type="resource_group", scope_key="project=web", scope_label="project=web",
            first_date=date(2026, 5, 20), date=date(2026, 5, 22), kind="level_shift", expected=Decimal("3000.00"),
            actual=Decimal("4500.00"), impact=Decimal("1500.00"), currency="RUB")
    assert client.post(f"/api/v1/anomalies/{spike.pk}/confirm/").status_code == 200
    # Notifications: a Telegram and an email channel, and an alert queued for both.
    channels = [client.post("/api/v1/channels/", json.dumps(body), content_type="application/json").json()["id"]
                for body in ({"kind": "telegram", "chat_id": "-1001234", "name": "Ops", "quiet_start": "23:00",
                              "quiet_end": "08:00"}, {"kind": "email", "address": "ops@alpha.test"})]
    run_in_tenant(w.alpha.schema_name, "apps.notifications.services.alert_enqueue", kind="anomaly",
                  subject_type="anomaly", subject_id="1", dedup_key="anomaly:1", title="Аномалия", text="Рост",
                  link="http://alpha.infrazen.test/")
    # Budgets: the whole organization and a tag scope, one with a channel; the evaluation fires their thresholds.
    budgets = [client.post("/api/v1/budgets/", json.dumps(body), content_type="application/json").json()["id"]
               for body in ({"name": "Всё", "amount": "1000"},
                            {"name": "Прод", "amount": "500000.50", "period": "quarter",
                             "scope": {"tag": {"key": "env", "value": "prod"}, "provider": "Beget"},
                             "thresholds": [90], "channels": channels[:1]})]
    run_in_tenant(w.alpha.schema_name, "apps.budgets.services.budgets_evaluate", now=timezone.now())
    # Shared costs: a fixed split and an even one.
    shared_costs = [client.post("/api/v1/allocation/shared-costs/", json.dumps(body),
                                content_type="application/json").json()["id"]
                    for body in ({"name": "Сеть", "dimension": "business_unit", "method": "fixed",
                                  "conditions": [{"field": "service", "op": "equals", "value": "VPC"}],
                                  "targets": [{"value": "shop", "percent": "70"}, {"value": "crm", "percent": "30"}]},
                                 {"name": "Поддержка", "dimension": "environment", "method": "even",
                                  "targets": [{"value": "prod"}, {"value": "dev"}]})]
    # Report schedules: the monthly CFO brief to the Telegram channel.
    report_schedules = [client.post("/api/v1/report-schedules/", json.dumps(
        {"kind": "brief", "frequency": "monthly", "day": 1, "hour": 8, "output": "pdf", "channels": channels[:1]}),
        content_type="application/json").json()["id"]]

    resources = client.get("/api/v1/resources/", {"resource_type": "vps"}).json()["results"]
    with_metrics = next(r for r in resources if client.get(f"/api/v1/resources/{r['id']}/").json()["metric_summaries"])
    return {
        "client": client,
        "connections": [connection_id, other, untested],
        "runs": [first["id"], second["id"], queued],
        "resource": with_metrics["id"],
        "imports": [clean["id"], skipped["id"]],
        "period": {"start": clean["period_start"], "end": clean["period_end"]},
        "member": client.get("/api/v1/members/").json()["results"][0]["id"],
        "findings": findings[:2],
        "evaluation": evaluation,
        "policy": policy,
        "invitation": response.json()["id"],
        "channels": channels,
        "report_schedules": report_schedules,
        "budgets": budgets,
        "shared_costs": shared_costs,
        "schema": w.alpha.schema_name,
    }


# What each GET operation of an organization host is called with: path template -> data -> [(url, query)].
ORGANIZATION_CALLS: dict[str, Callable[[dict[str, Any]], list[tuple[str, dict[str, Any]]]]] = {
    "/api/v1/me/": lambda d: [("/api/v1/me/", {})],
    "/api/v1/members/": lambda d: [("/api/v1/members/", {})],
    "/api/v1/members/{id}/": lambda d: [(f"/api/v1/members/{d['member']}/", {})],
    "/api/v1/invitations/": lambda d: [("/api/v1/invitations/", {})],
    "/api/v1/invitations/{id}/": lambda d: [(f"/api/v1/invitations/{d['invitation']}/", {})],
    "/api/v1/providers/": lambda d: [("/api/v1/providers/", {})],
    "/api/v1/connections/": lambda d: [("/api/v1/connections/", {})],
    "/api/v1/connections/{id}/": lambda d: [(f"/api/v1/connections/{pk}/", {}) for pk in d["connections"]],
    "/api/v1/sync/runs/": lambda d: [("/api/v1/sync/runs/", {}),
                                     ("/api/v1/sync/runs/", {"connection": d["connections"][0], "status": "partial"})],
    "/api/v1/sync/runs/{id}/": lambda d: [(f"/api/v1/sync/runs/{run}/", {}) for run in d["runs"]],
    "/api/v1/resources/": lambda d: [("/api/v1/resources/", {}), ("/api/v1/resources/", {"deleted": "true"}),
                                     ("/api/v1/resources/", {"q": "runner", "connection": d["connections"][0]})],
    "/api/v1/resources/summary/": lambda d: [("/api/v1/resources/summary/", {}),
                                             ("/api/v1/resources/summary/", {"resource_type": "vps"})],
    "/api/v1/resources/{id}/": lambda d: [(f"/api/v1/resources/{d['resource']}/", {})],
    "/api/v1/resources/{id}/metrics/": lambda d: [(f"/api/v1/resources/{d['resource']}/metrics/", {}),
                                                  (f"/api/v1/resources/{d['resource']}/metrics/",
                                                   {"metric": "cpu_percent", "days": 7})],
    "/api/v1/costs/imports/": lambda d: [("/api/v1/costs/imports/", {})],
    "/api/v1/costs/imports/{id}/": lambda d: [(f"/api/v1/costs/imports/{pk}/", {}) for pk in d["imports"]],
    "/api/v1/costs/summary/": lambda d: [("/api/v1/costs/summary/", {**d["period"], "group_by": "service"}),
                                         ("/api/v1/costs/summary/", {**d["period"], "currency": "billing",
                                                                     "group_by": "region"})],
    "/api/v1/costs/timeseries/": lambda d: [("/api/v1/costs/timeseries/", {**d["period"], "group_by": "service"}),
                                            ("/api/v1/costs/timeseries/", {**d["period"], "currency": "billing",
                                                                           "granularity": "month"})],
    "/api/v1/costs/export/{fmt}/": lambda d: [("/api/v1/costs/export/csv/", d["period"]),
                                              ("/api/v1/costs/export/xlsx/", d["period"])],
    "/api/v1/costs/focus-export/": lambda d: [("/api/v1/costs/focus-export/", d["period"]),
                                              ("/api/v1/costs/focus-export/", {**d["period"], "output": "parquet"})],
    "/api/v1/rates/": lambda d: [("/api/v1/rates/", {}), ("/api/v1/rates/", {"date": d["period"]["end"]})],
    "/api/v1/recommendations/": lambda d: [("/api/v1/recommendations/", {}),
                                           ("/api/v1/recommendations/", {"status": "open,accepted", "page_size": 2,
                                                                         "category": "policy"})],
    "/api/v1/recommendations/{id}/": lambda d: [(f"/api/v1/recommendations/{pk}/", {}) for pk in d["findings"]],
    "/api/v1/recommendations/summary/": lambda d: [("/api/v1/recommendations/summary/", {})],
    "/api/v1/recommendations/evaluations/{id}/": lambda d: [
        (f"/api/v1/recommendations/evaluations/{d['evaluation']}/", {})],
    "/api/v1/recommendations/evaluations/latest/": lambda d: [("/api/v1/recommendations/evaluations/latest/", {})],
    "/api/v1/recommendations/settings/": lambda d: [("/api/v1/recommendations/settings/", {})],
    "/api/v1/policies/": lambda d: [("/api/v1/policies/", {})],
    "/api/v1/policies/{id}/": lambda d: [(f"/api/v1/policies/{d['policy']}/", {})],
    "/api/v1/policies/violations/": lambda d: [("/api/v1/policies/violations/", {}),
                                              ("/api/v1/policies/violations/", {"policy": d["policy"],
                                                                                "status": "accepted"})],
    "/api/v1/forecasts/": lambda d: [("/api/v1/forecasts/", {}),
                                     ("/api/v1/forecasts/", {"period": "quarter", "months": 2}),
                                     ("/api/v1/forecasts/", {"connection": d["connections"][0]}),
                                     ("/api/v1/forecasts/", {"service": "no such service"})],
    "/api/v1/runway/": lambda d: [("/api/v1/runway/", {})],
    "/api/v1/budgets/": lambda d: [("/api/v1/budgets/", {})],
    "/api/v1/budgets/{id}/": lambda d: [(f"/api/v1/budgets/{pk}/", {}) for pk in d["budgets"]],
    "/api/v1/allocation/shared-costs/": lambda d: [("/api/v1/allocation/shared-costs/", {})],
    "/api/v1/allocation/shared-costs/{id}/": lambda d: [(f"/api/v1/allocation/shared-costs/{pk}/", {})
                                                        for pk in d["shared_costs"]],
    "/api/v1/channels/": lambda d: [("/api/v1/channels/", {})],
    "/api/v1/channels/{id}/": lambda d: [(f"/api/v1/channels/{pk}/", {}) for pk in d["channels"]],
    "/api/v1/report-schedules/": lambda d: [("/api/v1/report-schedules/", {})],
    "/api/v1/report-schedules/{id}/": lambda d: [(f"/api/v1/report-schedules/{pk}/", {})
                                                 for pk in d["report_schedules"]],
    "/api/v1/alerts/": lambda d: [("/api/v1/alerts/", {}), ("/api/v1/alerts/", {"status": "queued",
                                                                                "kind": "anomaly,runway"})],
}
ORGANIZATION_CALLS["/api/v1/allocation/coverage/"] = lambda d: [
    ("/api/v1/allocation/coverage/", {}), ("/api/v1/allocation/coverage/", d["period"])]
ORGANIZATION_CALLS["/api/v1/allocation/unallocated/"] = lambda d: [
    ("/api/v1/allocation/unallocated/", d["period"]),
    ("/api/v1/allocation/unallocated/", {**d["period"], "key": "environment"})]
ORGANIZATION_CALLS["/api/v1/anomalies/"] = lambda d: [("/api/v1/anomalies/", {}),
                                                      ("/api/v1/anomalies/", {"status": "confirmed", "kind": "spike"})]


def _business_metric(d: dict[str, Any]) -> str:
    """A daily metric with values on the imported file's period (created once per fixture, through the API)."""
    client = d["client"]
    if client.get("/api/v1/business-metrics/orders/").status_code == 404:
        client.post("/api/v1/business-metrics/", json.dumps({"key": "orders", "name": "Заказы", "unit": "заказ",
                                                             "dimension": "product"}),
                    content_type="application/json")
        client.post("/api/v1/business-metrics/orders/values/", json.dumps([
            {"date": d["period"]["start"], "value": "10"}, {"date": d["period"]["end"], "value": "0"},
            {"date": d["period"]["start"], "value": "4", "dimension_value": "shop"}]),
            content_type="application/json")
    return "orders"


ORGANIZATION_CALLS["/api/v1/business-metrics/"] = lambda d: [("/api/v1/business-metrics/", {})]
ORGANIZATION_CALLS["/api/v1/business-metrics/{key}/"] = lambda d: [
    (f"/api/v1/business-metrics/{_business_metric(d)}/", {})]
ORGANIZATION_CALLS["/api/v1/business-metrics/{key}/values/"] = lambda d: [
    (f"/api/v1/business-metrics/{_business_metric(d)}/values/", {}),
    ("/api/v1/business-metrics/orders/values/", {"start": d["period"]["start"]})]
ORGANIZATION_CALLS["/api/v1/unit-costs/"] = lambda d: [
    ("/api/v1/unit-costs/", {"metric": _business_metric(d), **d["period"]}),
    ("/api/v1/unit-costs/", {"metric": "orders", **d["period"], "group_by": "alloc:product", "granularity": "month"}),
    ("/api/v1/unit-costs/", {"metric": "orders", **d["period"], "group_by": "service", "granularity": "week"})]
def _allocation(d: dict[str, Any]) -> dict[str, Any]:
    """Allocation data made once through the API itself: a custom dimension, two conflicting rules, an override."""
    if "allocation" not in d:
        client, post = d["client"], lambda url, body: d["client"].post(url, json.dumps(body),
                                                                         content_type="application/json").json()
        post("/api/v1/allocation/dimensions/", {"key": "team", "name": "Команда", "values": ["core"]})
        rules = [post("/api/v1/allocation/rules/", {"name": name, "conditions": conditions,
                                                    "actions": {"environment": value}})["id"]
                 for name, conditions, value in (("Все", [], "prod"), ("Web", [{"field": "name", "op": "regex",
                                                                                 "value": "web"}], "dev"))]
        override = post("/api/v1/allocation/overrides/", {"resource_id": "vm-b", "values": {"team": "core"},
                                                          "note": "вручную"})["id"]
        d["allocation"] = {"rules": rules, "override": override, "client": client}
    return d["allocation"]


ORGANIZATION_CALLS.update({
    "/api/v1/allocation/dimensions/": lambda d: _allocation(d) and [("/api/v1/allocation/dimensions/", {})],
    "/api/v1/allocation/dimensions/{key}/": lambda d: _allocation(d) and [
        ("/api/v1/allocation/dimensions/team/", {}), ("/api/v1/allocation/dimensions/environment/", {})],
    "/api/v1/allocation/rules/": lambda d: _allocation(d) and [("/api/v1/allocation/rules/", {})],
    "/api/v1/allocation/rules/{id}/": lambda d: [(f"/api/v1/allocation/rules/{pk}/", {})
                                                 for pk in _allocation(d)["rules"]],
    "/api/v1/allocation/state/": lambda d: [("/api/v1/allocation/state/", {})],
    "/api/v1/allocation/suggestions/": lambda d: [("/api/v1/allocation/suggestions/", {})],
    "/api/v1/allocation/overrides/": lambda d: _allocation(d) and [("/api/v1/allocation/overrides/", {})],
    "/api/v1/allocation/overrides/{id}/": lambda d: [
        (f"/api/v1/allocation/overrides/{_allocation(d)['override']}/", {})],
})
ORGANIZATION_CALLS["/api/v1/reports/brief/"] = lambda d: [("/api/v1/reports/brief/", {}),
                                                        ("/api/v1/reports/brief/", {"output": "xlsx"})]
def _reports(d: dict[str, Any]) -> dict[str, Any]:
    """A saved report over the imported period, run once as CSV and once as PDF by the worker's task."""
    if "reports" not in d:
        client = d["client"]
        report = client.post("/api/v1/reports/", json.dumps({
            "name": "Сервисы", "query": {**d["period"], "group_by": "service", "granularity": "day"}}),
            content_type="application/json").json()["id"]
        exports = []
        for output in ("csv", "pdf"):
            export = client.post(f"/api/v1/reports/{report}/run/", json.dumps({"output": output}),
                                 content_type="application/json").json()["export"]["id"]
            run_in_tenant(d["schema"], "apps.reports.tasks.export_generate_task", export)
            exports.append(export)
        d["reports"] = {"report": report, "exports": exports}
    return d["reports"]


ORGANIZATION_CALLS.update({
    "/api/v1/reports/": lambda d: _reports(d) and [("/api/v1/reports/", {})],
    "/api/v1/reports/{id}/": lambda d: [(f"/api/v1/reports/{_reports(d)['report']}/", {})],
    "/api/v1/reports/{id}/exports/": lambda d: [(f"/api/v1/reports/{_reports(d)['report']}/exports/", {})],
    "/api/v1/reports/exports/{id}/": lambda d: [(f"/api/v1/reports/exports/{pk}/", {})
                                                for pk in _reports(d)["exports"]],
    "/api/v1/reports/exports/{id}/download/": lambda d: [(f"/api/v1/reports/exports/{pk}/download/", {})
                                                         for pk in _reports(d)["exports"]],
})
PUBLIC_CALLS: dict[str, Callable[[dict[str, Any]], list[tuple[str, dict[str, Any]]]]] = {
    "/api/v1/partner/organizations/": lambda d: [("/api/v1/partner/organizations/", {})],
    "/api/v1/partner/profile/": lambda d: [("/api/v1/partner/profile/", {})],
    "/api/v1/partner/clients/": lambda d: [("/api/v1/partner/clients/", {}),
                                           ("/api/v1/partner/clients/", {"sort": "-margin", "partner": "msp"})],
}


def _partner_billing(d) -> dict[str, int]:
    """A billing rule and an issued statement of the MSP for alpha (the partner API's objects)."""
    if "billing" not in d:
        from apps.accounts.models import PartnerMembership
        from apps.partners import services_billing, services_statements
        from apps.partners.models import ClientMonthCost

        operator = PartnerMembership.objects.select_related("partner", "user").get(partner__slug="msp")
        partner, alpha = operator.partner, partner_client(operator.partner)
        ClientMonthCost.objects.create(organization=alpha, partner=partner, month=date(2026, 11, 1),
                                       provider="Yandex Cloud", service="Compute Cloud", cost=Decimal("1000.00"))
        rule = services_billing.billing_rule_create(partner=partner, actor=operator.user, organization=alpha,
                                                    provider="Yandex Cloud", markup_percent="10")
        statement, _created = services_statements.statement_draft(partner=partner, organization=alpha,
                                                                  month=date(2026, 11, 1), actor=operator.user)
        services_statements.statement_issue(statement=statement, actor=operator.user)
        d["billing"] = {"rule": rule.pk, "statement": statement.pk}
    return d["billing"]


def partner_client(partner):
    return partner.organizations.get(slug="alpha")


PUBLIC_CALLS.update({
    "/api/v1/partner/billing-rules/": lambda d: _partner_billing(d) and [("/api/v1/partner/billing-rules/", {})],
    "/api/v1/partner/billing-rules/{id}/": lambda d: [
        (f"/api/v1/partner/billing-rules/{_partner_billing(d)['rule']}/", {})],
    "/api/v1/partner/statements/": lambda d: _partner_billing(d) and [
        ("/api/v1/partner/statements/", {}), ("/api/v1/partner/statements/", {"status": "issued"})],
    "/api/v1/partner/statements/{id}/": lambda d: [
        (f"/api/v1/partner/statements/{_partner_billing(d)['statement']}/", {})],
    "/api/v1/partner/statements/{id}/pdf/": lambda d: [
        (f"/api/v1/partner/statements/{_partner_billing(d)['statement']}/pdf/", {})],
    "/api/v1/partner/statements/{id}/xlsx/": lambda d: [
        (f"/api/v1/partner/statements/{_partner_billing(d)['statement']}/xlsx/", {})],
})


def _costs(path: str) -> bool:
    return path.startswith("/api/v1/costs/")


@pytest.mark.parametrize("slug, calls", [("alpha", ORGANIZATION_CALLS), (None, PUBLIC_CALLS)],
                         ids=["organization host", "public host"])
def test_every_get_operation_in_the_schema_is_exercised_here(w, client_for, slug, calls):
    document = load_schema(client_for(None, slug))
    assert get_operations(document) - set(calls) == set(), "add the new GET operations to this module's calls"
    assert set(calls) - get_operations(document) == set(), "these calls are not GET operations of the schema"


@pytest.mark.parametrize("area", ["accounts, providers, inventory", "costs"])
def test_real_responses_of_the_organization_api_match_the_schema(organization_with_data, area):
    client = organization_with_data["client"]
    calls = {path: make(organization_with_data) for path, make in ORGANIZATION_CALLS.items()
             if _costs(path) == (area == "costs")}
    problems = exercise(client, load_schema(client), calls)
    assert not problems, "\n".join(problems)


def test_real_responses_of_the_partner_api_on_the_public_host_match_the_schema(w, token_client):
    client = token_client(w.oscar, None)
    data: dict[str, Any] = {}
    calls = {path: make(data) for path, make in PUBLIC_CALLS.items()}
    problems = exercise(client, load_schema(client), calls)
    assert not problems, "\n".join(problems)


def test_errors_answer_the_documented_error_shape(w, token_client, client_for):
    alice = token_client(w.alice, "alpha")
    document = load_schema(alice)
    cases = [
        (alice, "/api/v1/resources/", {"connection": "abc"}, 400),
        (alice, "/api/v1/resources/summary/", {"deleted": "maybe"}, 400),
        (alice, "/api/v1/sync/runs/", {"status": "bogus"}, 400),
        (alice, "/api/v1/rates/", {"date": "2026-13-01"}, 400),
        (alice, "/api/v1/allocation/coverage/", {"start": "2026-05-31", "end": "2026-05-01"}, 400),
        (alice, "/api/v1/allocation/unallocated/", {"key": "nope"}, 400),
        (alice, "/api/v1/costs/focus-export/", {"start": "2026-13-01", "end": "2026-05-01"}, 400),
        (alice, "/api/v1/resources/{id}/", {}, 404),
        (alice, "/api/v1/recommendations/", {"status": "bogus"}, 400),
        (alice, "/api/v1/anomalies/", {"status": "bogus"}, 400),
        (alice, "/api/v1/policies/violations/", {"policy": "abc"}, 400),
        (alice, "/api/v1/recommendations/{id}/", {}, 404),
        (alice, "/api/v1/recommendations/evaluations/latest/", {}, 404),
        (alice, "/api/v1/reports/brief/", {"month": "2026-13"}, 400),
        (alice, "/api/v1/reports/brief/", {"output": "docx"}, 400),
        (client_for(None, "alpha"), "/api/v1/me/", {}, 401),
        (token_client(w.charlie, "alpha"), "/api/v1/connections/", {}, 403),
    ]
    for client, path, query, status in cases:
        response = client.get(path.replace("{id}", "999999"), query)
        assert response.status_code == status, (path, query, response.content)
        assert check(document, path, response) == [], (path, query)
        assert set(response.json()["error"]) >= {"code", "message"}


def test_the_check_catches_an_undeclared_key_and_a_wrong_type(w, token_client):
    """The validation itself is not a rubber stamp."""
    client = token_client(w.alice, "alpha")
    document = load_schema(client)

    class Fake:
        status_code = 200

        def __init__(self, body):
            self.body = body

        def __getitem__(self, header):
            return "application/json"

        def json(self):
            return self.body

    me = client.get("/api/v1/me/").json()
    assert check(document, "/api/v1/me/", Fake(me)) == []
    assert check(document, "/api/v1/me/", Fake({**me, "surprise": 1}))
    assert check(document, "/api/v1/me/", Fake({**me, "role": 42}))
    assert check(document, "/api/v1/me/", Fake({k: v for k, v in me.items() if k != "user"}))


