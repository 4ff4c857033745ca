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
