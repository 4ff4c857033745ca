"""A NUL character (which PostgreSQL text cannot hold) in any input answers 400, never 500.

Every query and path parameter of every operation ``/api/schema/`` documents is sent with a NUL in it; an
operation's parameter the walk does not exercise fails the test. JSON bodies (credentials included), the page
filters of the resources, cost explorer and billing imports pages, and the log line are checked too.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import quote

import pytest

from apps.costs.filters import BillingImportFilter
from apps.costs.selectors.explorer import DIMENSIONS
from apps.inventory.views import FILTER_KEYS
from tests.utils import api_error

SCHEMA_ACCEPT = "application/vnd.oai.openapi+json"
NUL_VALUE = "a\x00b"
# What the Russian UI answers (written out here, not read from the catalog the code uses).
RU_NUL_MESSAGE = "Нулевой символ (\\x00) недопустим."
RU_INVALID = "Некорректные данные."
METHODS = ("get", "post", "put", "patch", "delete")
# Harmless values for the path parameters that do not carry the NUL (the request never reaches a view).
PATH_SAMPLE = {"integer": "1", "string": "csv"}


def load_schema(client) -> dict[str, Any]:
    response = client.get("/api/schema/", HTTP_ACCEPT=SCHEMA_ACCEPT)
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content)


def _parameters(document: dict[str, Any], path: str, method: str) -> list[dict[str, Any]]:
    item = document["paths"][path]
    return [*item.get("parameters", []), *item[method].get("parameters", [])]


def _url(template: str, parameters: list[dict[str, Any]], nul_in: str | None = None) -> str:
    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name == nul_in:
            return quote(NUL_VALUE)
        parameter = next(p for p in parameters if p["in"] == "path" and p["name"] == name)
        return PATH_SAMPLE[parameter["schema"]["type"]]

    return re.sub(r"\{(\w+)\}", fill, template)


def _send(client, method: str, url: str):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data="{}", content_type="application/json")


def assert_refused(response, *names: str) -> None:
    error = api_error(response, 400, "invalid")
    assert error["message"] == RU_INVALID
    assert error["details"] == {name: [RU_NUL_MESSAGE] for name in names}


def test_every_documented_query_and_path_parameter_with_a_nul_answers_400_in_the_error_shape(w, token_client):
    client = token_client(w.alice, "alpha")
    document = load_schema(client)
    documented, exercised, failures = set(), set(), []
    for template, item in sorted(document["paths"].items()):
        for method in METHODS:
            if method not in item:
                continue
            parameters = _parameters(document, template, method)
            for parameter in parameters:
                key = (method.upper(), template, parameter["in"], parameter["name"])
                documented.add(key)
                if parameter["in"] == "query":
                    url = f"{_url(template, parameters)}?{quote(parameter['name'])}={quote(NUL_VALUE)}"
                    expected = {parameter["name"]: [RU_NUL_MESSAGE]}
                elif parameter["in"] == "path":
                    url, expected = _url(template, parameters, nul_in=parameter["name"]), {"path": [RU_NUL_MESSAGE]}
                else:
                    continue
                response = _send(client, method, url)
                exercised.add(key)
                body = response.json() if response["Content-Type"].startswith("application/json") else None
                if (response.status_code != 400 or body is None
                        or body.get("error", {}).get("details") != expected
                        or body["error"].get("code") != "invalid"):
                    failures.append(f"{method.upper()} {url}: {response.status_code} {response.content[:200]!r}")
    assert not failures, "\n".join(failures)
    assert documented - exercised == set(), "parameters the walk did not exercise"
    # The walk is not empty: the issue counted 83 API query parameters.
    assert len([key for key in exercised if key[2] == "query"]) >= 40


def test_the_same_api_requests_without_the_nul_answer_200(w, token_client):
    client = token_client(w.alice, "alpha")
    for url in ("/api/v1/resources/?q=ab", "/api/v1/costs/summary/?provider=ab",
                "/api/v1/costs/imports/?status=success"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])


def test_a_key_holding_a_nul_is_refused_too(w, token_client):
    response = token_client(w.alice, "alpha").get("/api/v1/resources/?" + quote("q\x00") + "=x")
    assert_refused(response, "q\\x00")


@pytest.mark.parametrize(("method", "url", "body", "field"), [
    ("post", "/api/v1/connections/",
     {"provider": "beget", "name": "Main", "credentials": {"login": "acme", "password": "pa\x00ss"}},
     "credentials.password"),
    ("post", "/api/v1/connections/", {"provider": "beget", "name": "Ma\x00in", "credentials": {"login": "acme"}},
     "name"),
    ("post", "/api/v1/connections/test/", {"provider": "beget", "credentials": {"login": "ac\x00me"}},
     "credentials.login"),
    ("patch", "/api/v1/connections/1/", {"credentials": {"api_password": "x\x00"}}, "credentials.api_password"),
    ("patch", "/api/v1/connections/1/", {"endpoint": "http://a\x00b"}, "endpoint"),
    ("post", "/api/v1/invitations/", {"email": "new\x00@alpha.test", "role": "viewer"}, "email"),
    ("patch", "/api/v1/members/1/", {"role": "vie\x00wer"}, "role"),
    ("post", "/api/v1/auth/token/", {"email": "alice@alpha.test", "password": "Correct\x00-Horse-42"}, "password"),
])
def test_a_json_body_field_with_a_nul_answers_400(w, token_client, method, url, body, field):
    client = token_client(w.alice, "alpha")
    response = getattr(client, method)(url, data=json.dumps(body), content_type="application/json")
    assert_refused(response, field)


def test_a_nul_inside_a_list_of_a_json_body_is_found(w, token_client):
    body = {"credentials": {"scopes": ["ok", "no\x00"]}}
    response = token_client(w.alice, "alpha").patch("/api/v1/connections/1/", data=json.dumps(body),
                                                    content_type="application/json")
    assert_refused(response, "credentials.scopes.1")


def test_the_token_endpoint_without_the_nul_still_hands_out_a_token(w, client_for):
    response = client_for(None, "alpha").post(
        "/api/v1/auth/token/", data=json.dumps({"email": "alice@alpha.test", "password": "Correct-Horse-42"}),
        content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["token"]


def _page_cases() -> list[tuple[str, str]]:
    cases = [("/resources/", name) for name in FILTER_KEYS]
    cases += [("/costs/", name) for name in [*DIMENSIONS, "tag", "group_by", "start", "end", "sort", "chart"]]
    cases += [("/costs/imports/", name) for name in BillingImportFilter.base_filters]
    return cases


@pytest.mark.parametrize(("page", "name"), _page_cases())
def test_a_page_filter_with_a_nul_answers_the_russian_400_page(w, client_for, page, name):
    response = client_for(w.alice, "alpha").get(f"{page}?{name}={quote(NUL_VALUE)}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "Некорректный запрос" in text
    assert RU_NUL_MESSAGE.replace("\\x00", "\\x00") in text
    assert name in text


@pytest.mark.parametrize("page", ["/resources/?q=ab", "/costs/?provider=ab", "/costs/imports/?status=success"])
def test_the_same_page_without_the_nul_answers_200(w, client_for, page):
    assert client_for(w.alice, "alpha").get(page).status_code == 200


def test_a_page_asked_for_json_gets_the_error_shape(w, client_for):
    response = client_for(w.alice, "alpha").get(f"/costs/?provider={quote(NUL_VALUE)}",
                                                HTTP_ACCEPT="application/json")
    assert_refused(response, "provider")


def test_a_form_post_with_a_nul_answers_400_and_keeps_the_user_signed_out(w, client_for):
    response = client_for(None, "alpha").post("/accounts/login/", {"login": "alice@alpha.test",
                                                                   "password": "Correct\x00-Horse-42"})
    assert response.status_code == 400
    assert "_auth_user_id" not in response.client.session


def test_a_multipart_upload_is_checked_by_its_text_fields_only(w, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bill.csv", b"a,b\n1,\x002\n", content_type="text/csv")
    response = client_for(w.alice, "alpha").post("/api/v1/costs/imports/", {"file": upload, "file_format": "f\x00"})
    assert_refused(response, "file_format")


def test_a_refusal_logs_one_warning_line_without_the_value_or_a_traceback(w, token_client, caplog):
    secret = "s3cr3t-value"
    with caplog.at_level(logging.INFO):
        token_client(w.alice, "alpha").post(
            "/api/v1/connections/test/", content_type="application/json",
            data=json.dumps({"provider": "beget", "credentials": {"login": "acme", "password": f"{secret}\x00"}}))
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1, [record.getMessage() for record in warnings]
    record = warnings[0]
    assert record.exc_info is None
    message = record.getMessage()
    assert "credentials.password" in message
    assert secret not in message and "\x00" not in message


def test_a_patch_sent_as_a_form_with_a_nul_answers_400(w, token_client):
    response = token_client(w.alice, "alpha").patch("/api/v1/connections/1/", data="name=a%00b",
                                                    content_type="application/x-www-form-urlencoded")
    assert_refused(response, "name")


def test_a_deeply_nested_json_body_is_walked_without_exhausting_the_stack(w, token_client):
    body = "[" * 900 + '"a\\u0000b"' + "]" * 900
    response = token_client(w.alice, "alpha").post("/api/v1/connections/test/", data=body,
                                                   content_type="application/json")
    assert_refused(response, ".".join(["0"] * 900))
