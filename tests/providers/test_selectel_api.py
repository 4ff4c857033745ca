"""A Selectel connection through the connections API, against the fake Selectel over real HTTP."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.providers.models import ProviderConnection
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.selectel import (
    DEMO_ACCOUNT_ID,
    DEMO_PROJECT_ID,
    DEMO_TOKEN,
    DEMO_USER_PASSWORD,
    DEMO_USERNAME,
    FINAL_SUM_KOPECKS,
    FakeSelectel,
)

URL = "/api/v1/connections/"


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True


@pytest.fixture
def fake_selectel():
    with FakeCloudServer(FakeSelectel(servers=2)) as server:
        yield server


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_selectel_connection_is_created_tested_and_never_shows_its_secrets(w, token_client, fake_selectel):
    client = token_client(w.alice, "alpha")
    created = _post(client, URL, {"provider": "selectel", "name": "Selectel prod", "endpoint": fake_selectel.url,
                                  "credentials": {"token": DEMO_TOKEN, "username": DEMO_USERNAME,
                                                  "password": DEMO_USER_PASSWORD, "project_id": DEMO_PROJECT_ID}})
    assert created.status_code == 201, created.content
    assert created.json()["credential_fields_set"] == ["password", "project_id", "token", "username"]
    connection_id = created.json()["id"]
    tested = client.post(f"{URL}{connection_id}/test/")
    assert tested.status_code == 200, tested.content
    info = tested.json()["account_info"]
    assert info["account_id"] == DEMO_ACCOUNT_ID
    assert Decimal(info["balance"]) == Decimal(FINAL_SUM_KOPECKS) / 100
    assert info["days_to_block"] > 30 and info["limits"]["compute_cores"]["limit"] == "40"
    detail = client.get(f"{URL}{connection_id}/")
    assert detail.json()["status"] == "ok"
    for body in (created.content, tested.content, detail.content, client.get(URL).content):
        assert DEMO_TOKEN not in body.decode() and DEMO_USER_PASSWORD not in body.decode()


def test_wrong_selectel_token_gives_a_clear_error_and_stores_nothing(w, token_client, fake_selectel):
    client = token_client(w.alice, "alpha")
    response = _post(client, f"{URL}test/", {"provider": "selectel", "endpoint": fake_selectel.url,
                                            "credentials": {"token": "not-the-token-789"}})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "provider_auth" and error["details"]["permanent"] is True
    assert "token" in error["message"].lower()
    assert "not-the-token-789" not in response.content.decode()
    with schema_context(w.alpha.schema_name):
        assert ProviderConnection.objects.filter(provider="selectel").count() == 0


def test_wrong_service_user_password_is_refused_before_saving(w, token_client, fake_selectel):
    client = token_client(w.alice, "alpha")
    response = _post(client, f"{URL}test/", {"provider": "selectel", "endpoint": fake_selectel.url, "credentials": {
        "token": DEMO_TOKEN, "username": DEMO_USERNAME, "password": "nope-nope-321", "project_id": DEMO_PROJECT_ID}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "provider_auth"
    assert "nope-nope-321" not in response.content.decode()
    with schema_context(w.alpha.schema_name):
        assert ProviderConnection.objects.filter(provider="selectel").count() == 0


def test_selectel_form_fields_mark_the_token_and_password_secret(w, token_client):
    providers = token_client(w.vera, "alpha").get("/api/v1/providers/").json()
    selectel = next(p for p in providers if p["key"] == "selectel")
    fields = {f["name"]: f for f in selectel["credential_fields"]}
    assert fields["token"]["secret"] and fields["token"]["required"]
    assert fields["password"]["secret"] and not fields["password"]["required"]
    assert not fields["account_id"]["secret"] and not fields["project_id"]["required"]
