"""The API describes itself: a valid OpenAPI 3 document on every host."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate


def schema_of(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_organization_host_serves_a_valid_openapi_3_document(w, client_for):
    document = schema_of(client_for(None, "alpha"))
    assert str(document["openapi"]).startswith("3")
    for path in (
        "/api/v1/me/",
        "/api/v1/members/",
        "/api/v1/members/{id}/",
        "/api/v1/invitations/",
        "/api/v1/auth/token/",
    ):
        assert path in document["paths"], sorted(document["paths"])
    assert "/api/v1/partner/organizations/" not in document["paths"]
    validate(document)


def test_public_host_documents_the_partner_api(w, client_for):
    document = schema_of(client_for(None, None))
    assert str(document["openapi"]).startswith("3")
    assert "/api/v1/partner/organizations/" in document["paths"]
    assert "/api/v1/me/" not in document["paths"]
    validate(document)


@pytest.mark.parametrize("slug", [None, "alpha"])
def test_api_docs_page_answers(w, client_for, slug):
    assert client_for(None, slug).get("/api/docs/").status_code == 200


def test_list_filters_are_documented_as_typed_query_parameters(w, client_for):
    document = schema_of(client_for(None, "alpha"))

    def parameters(path: str) -> dict[str, dict]:
        return {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"] if p["in"] == "query"}

    resource_filters = {"q", "provider", "connection", "resource_type", "status", "region", "tag", "deleted"}
    for path in ("/api/v1/resources/", "/api/v1/resources/summary/"):
        documented = parameters(path)
        assert resource_filters <= set(documented), (path, sorted(documented))
        assert documented["connection"]["type"] == "integer" and documented["deleted"]["type"] == "boolean"
    runs = parameters("/api/v1/sync/runs/")
    assert runs["connection"]["type"] == "integer"
    assert set(runs["status"]["enum"]) == {"queued", "running", "success", "partial", "error"}
    assert set(runs["trigger"]["enum"]) == {"manual", "scheduled", "api"}


def test_every_operation_documents_the_one_error_shape(w, client_for):
    document = schema_of(client_for(None, "alpha"))
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"]["4XX"]["content"]["application/json"]["schema"] == error, (method, path)
    assert document["components"]["schemas"]["ErrorDetail"]["required"] == ["code", "message"]


def test_the_export_format_is_documented_as_the_formats_the_api_serves(w, client_for):
    """A free string would leave a client (or a fuzzer) to guess ``csv``/``xlsx``: every other value is a 404."""
    document = schema_of(client_for(None, "alpha"))
    operation = document["paths"]["/api/v1/costs/export/{fmt}/"]["get"]
    (fmt,) = [p for p in operation["parameters"] if p["in"] == "path"]
    assert fmt["schema"] == {"type": "string", "enum": ["csv", "xlsx"]}
    assert set(operation["responses"]["200"]["content"]) == {
        "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def test_the_provider_of_a_connection_is_documented_as_the_registry_keys(w, client_for):
    """Any other string is refused (400 «Unknown provider.»), so the schema names the keys a client may send."""
    from apps.providers.registry import provider_keys

    components = schema_of(client_for(None, "alpha"))["components"]["schemas"]
    for name in ("ConnectionCreateRequest", "CredentialsTestRequest"):
        provider = components[name]["properties"]["provider"]
        if "allOf" in provider:
            (ref,) = provider["allOf"]
            provider = components[ref["$ref"].rsplit("/", 1)[1]]
        assert provider["enum"] == provider_keys(), name


def test_the_checks_that_reach_a_provider_document_its_failure_as_a_502(w, client_for):
    """A provider that cannot be reached is a 502 in the one error shape, not an undocumented server error."""
    paths = schema_of(client_for(None, "alpha"))["paths"]
    for path in ("/api/v1/connections/{id}/test/", "/api/v1/connections/test/"):
        documented = paths[path]["post"]["responses"]["502"]["content"]["application/json"]["schema"]
        assert documented == {"$ref": "#/components/schemas/ErrorResponse"}, path
