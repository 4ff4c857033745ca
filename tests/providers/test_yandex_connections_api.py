from __future__ import annotations

import json

import pytest
from django_tenants.utils import schema_context

from apps.providers.models import ProviderConnection
from apps.providers.plugins.yandex import client as yc
from tests.fakecloud import FakeCloudServer
from tests.fakecloud.yandex import BILLING_ACCOUNT_ID, DEMO_OAUTH_TOKEN, FakeYandex, generate_authorized_key

URL = "/api/v1/connections/"


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True
    yc.TOKEN_CACHE.clear()


@pytest.fixture(scope="module")
def key_pair():
    return generate_authorized_key()


@pytest.fixture
def fake_yandex(key_pair):
    server = FakeCloudServer(FakeYandex(keys=(key_pair[1],)))
    server.start()
    yield server
    server.stop()


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_oauth_connection_is_created_tested_and_shows_the_billing_balance(w, token_client, fake_yandex):
    client = token_client(w.alice, "alpha")
    response = _post(client, URL, {"provider": "yandex", "name": "Yandex main", "endpoint": fake_yandex.url,
                                   "credentials": {"oauth_token": DEMO_OAUTH_TOKEN}})
    assert response.status_code == 201, response.content
    connection_id = response.json()["id"]
    assert response.json()["credential_fields_set"] == ["oauth_token"]
    tested = client.post(f"{URL}{connection_id}/test/")
    assert tested.status_code == 200, tested.content
    assert tested.json()["account_info"]["balance"] == "15234.56"
    assert tested.json()["account_info"]["account_id"] == BILLING_ACCOUNT_ID
    detail = client.get(f"{URL}{connection_id}/")
    assert detail.json()["status"] == "ok"
    for body in (response.content, tested.content, detail.content):
        assert DEMO_OAUTH_TOKEN not in body.decode()


def test_service_account_key_connection_passes_the_test_and_never_shows_the_key(w, token_client, fake_yandex,
                                                                                key_pair):
    client = token_client(w.alice, "alpha")
    key_file = json.dumps(key_pair[0])
    response = _post(client, URL, {"provider": "yandex", "name": "Yandex robot", "endpoint": fake_yandex.url,
                                   "credentials": {"authorized_key": key_file, "folder_id": ""}})
    assert response.status_code == 201, response.content
    tested = client.post(f"{URL}{response.json()['id']}/test/")
    assert tested.status_code == 200, tested.content
    listed = client.get(URL).content.decode()
    for body in (response.content.decode(), tested.content.decode(), listed):
        assert "PRIVATE KEY" not in body and key_pair[0]["private_key"][-60:-30] not in body
    with schema_context(w.alpha.schema_name):
        stored = ProviderConnection.objects.get(pk=response.json()["id"]).credentials
    assert json.loads(stored["authorized_key"])["id"] == key_pair[0]["id"]


def test_wrong_oauth_token_gives_a_clear_error_and_nothing_is_stored(w, token_client, fake_yandex):
    client = token_client(w.alice, "alpha")
    response = _post(client, f"{URL}test/", {"provider": "yandex", "endpoint": fake_yandex.url,
                                             "credentials": {"oauth_token": "y0_wrong-oauth-777"}})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "provider_auth" and error["details"]["permanent"] is True
    assert error["message"] == str(yc.MSG_REJECTED_OAUTH)
    assert "y0_wrong-oauth-777" not in response.content.decode()
    with schema_context(w.alpha.schema_name):
        assert ProviderConnection.objects.filter(provider="yandex").count() == 0


def test_a_key_signed_by_another_private_key_is_refused_before_saving(w, token_client, fake_yandex, key_pair):
    impostor, _public = generate_authorized_key(key_id=key_pair[0]["id"],
                                                service_account_id=key_pair[0]["service_account_id"])
    response = _post(token_client(w.alice, "alpha"), f"{URL}test/", {
        "provider": "yandex", "endpoint": fake_yandex.url, "credentials": {"authorized_key": json.dumps(impostor)}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "provider_auth"
    assert "PRIVATE KEY" not in response.content.decode()


def test_credentials_without_token_or_key_fail_the_test_with_a_clear_message(w, token_client, fake_yandex):
    response = _post(token_client(w.alice, "alpha"), f"{URL}test/", {
        "provider": "yandex", "endpoint": fake_yandex.url, "credentials": {"cloud_id": "b1gsomething"}})
    assert response.status_code == 400
    choice = "Укажите «OAuth-токен» или «Авторизованный ключ сервисного аккаунта»."
    assert response.json()["error"]["details"] == {"credentials.oauth_token": [choice],
                                                   "credentials.authorized_key": [choice]}
    assert fake_yandex.count("/iam/v1/tokens") == 0  # refused before reaching the provider


def test_providers_list_describes_the_yandex_form(w, token_client):
    providers = token_client(w.vera, "alpha").get("/api/v1/providers/").json()
    yandex = next(p for p in providers if p["key"] == "yandex")
    fields = {f["name"]: f for f in yandex["credential_fields"]}
    assert fields["oauth_token"]["secret"] and fields["authorized_key"]["secret"]
    assert fields["authorized_key"]["widget"] == "textarea"
    assert not any(f["required"] for f in fields.values())
    assert {"cloud_id", "folder_id", "billing_account_id"} <= set(fields)
    assert not fields["cloud_id"]["secret"]
