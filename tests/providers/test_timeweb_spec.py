"""The fake Timeweb Cloud answers what the official OpenAPI spec documents: every answer the plugin reads, and the
401/403/429 error envelopes, validate against the spec's own response schemas (the subset InfraZen calls, copied to
tests/providers/samples/timeweb/openapi_subset.json with its source), so the client and normalizers are tested on
the provider's shapes rather than on shapes tuned to our code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from tests.fakecloud import FakeCloudServer
from tests.fakecloud.timeweb import DEMO_TOKEN, FakeTimeweb

SUBSET = json.loads((Path(__file__).parent / "samples" / "timeweb" / "openapi_subset.json").read_text())


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema: ``nullable: true`` also admits null."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


COMPONENTS = _json_schema(SUBSET["components"])


def _validate(path: str, status: str, body: Any) -> None:
    schema = {"allOf": [_json_schema(SUBSET["paths"][path][status])], "components": COMPONENTS}
    jsonschema.Draft7Validator(schema).validate(body)


@pytest.fixture(scope="module")
def fake():
    with FakeCloudServer(FakeTimeweb(extra_servers=3)) as server:
        yield server


def _get(fake, path: str, token: str = DEMO_TOKEN, **params) -> requests.Response:
    return requests.get(f"{fake.url}{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=5)


@pytest.mark.parametrize(("template", "path", "params"), [
    ("/api/v1/account/finances", "/api/v1/account/finances", {}),
    ("/api/v1/account/status", "/api/v1/account/status", {}),
    ("/api/v1/account/services/cost", "/api/v1/account/services/cost", {}),
    ("/api/v1/servers", "/api/v1/servers", {"limit": 2, "offset": 1}),
    ("/api/v1/databases", "/api/v1/databases", {}),
    ("/api/v1/storages/buckets", "/api/v1/storages/buckets", {}),
    ("/api/v1/floating-ips", "/api/v1/floating-ips", {}),
    ("/api/v1/balancers", "/api/v1/balancers", {}),
    ("/api/v1/k8s/clusters", "/api/v1/k8s/clusters", {}),
    ("/api/v1/projects", "/api/v1/projects", {}),
    ("/api/v1/projects/{project_id}/resources", "/api/v1/projects/101/resources", {}),
    ("/api/v1/servers/{server_id}/statistics", "/api/v1/servers/3105521/statistics",
     {"date_from": "2026-12-09T10:00:00", "date_to": "2026-12-10T10:00:00"}),
])
def test_every_answer_the_plugin_reads_matches_the_spec(fake, template, path, params):
    response = _get(fake, path, **params)
    assert response.status_code == 200, response.text
    _validate(template, "200", response.json())


def test_the_error_envelopes_match_the_spec(fake):
    unauthorized = _get(fake, "/api/v1/account/finances", token="wrong")
    assert unauthorized.status_code == 401
    _validate("/api/v1/account/finances", "401", unauthorized.json())

    fake.providers[0].forbidden.add("/api/v1/account/status")
    try:
        forbidden = _get(fake, "/api/v1/account/status")
    finally:
        fake.providers[0].forbidden.clear()
    assert forbidden.status_code == 403
    _validate("/api/v1/account/status", "403", forbidden.json())

    fake.add_fault("/api/v1/account/finances", "limit", times=1)
    limited = _get(fake, "/api/v1/account/finances")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    _validate("/api/v1/account/finances", "429", limited.json())
