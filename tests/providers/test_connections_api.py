from __future__ import annotations

import json

import pytest
from django.db import connection as db
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.providers.models import ProviderConnection
from apps.tenants.support import MASK, organization_data_snapshot
from tests.fakecloud.beget import DEMO_LOGIN, DEMO_PASSWORD

URL = "/api/v1/connections/"
SECRET = "Sup3r-Secret-Value-42"


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True


def _create(client, endpoint="", password=SECRET, login=DEMO_LOGIN, name="Beget main"):
    body = {"provider": "beget", "name": name, "credentials": {"login": login, "password": password}}
    if endpoint:
        body["endpoint"] = endpoint
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_owner_creates_a_connection_and_credentials_are_never_returned(w, token_client):
    client = token_client(w.alice, "alpha")
    response = _create(client)
    assert response.status_code == 201, response.content
    data = response.json()
    assert "credentials" not in data
    assert data["credential_fields_set"] == ["login", "password"]
    assert data["provider"] == "beget" and data["status"] == "new"
    listed = client.get(URL).json()
    assert listed["count"] == 1 and "credentials" not in listed["results"][0]
    for url in (URL, f"{URL}{data['id']}/"):
        assert SECRET not in client.get(url).content.decode()


def test_credentials_are_encrypted_at_rest(w, token_client):
    connection_id = _create(token_client(w.alice, "alpha")).json()["id"]
    with schema_context(w.alpha.schema_name):
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_typeof(credentials)::text, credentials FROM providers_providerconnection "
                           "WHERE id = %s", [connection_id])
            column_type, raw = cursor.fetchone()
        assert column_type == "bytea"
        assert SECRET.encode() not in bytes(raw) and DEMO_LOGIN.encode() not in bytes(raw)
        assert ProviderConnection.objects.get(pk=connection_id).credentials["password"] == SECRET


def test_audit_rows_never_hold_the_secret(w, token_client):
    client = token_client(w.alice, "alpha")
    connection_id = _create(client).json()["id"]
    client.patch(f"{URL}{connection_id}/", json.dumps({"credentials": {"password": "Another-Secret-99"}}),
                 content_type="application/json")
    with schema_context(w.alpha.schema_name):
        rows = list(AuditEvent.objects.filter(target=f"connection:{connection_id}").values_list("action", "data"))
    assert [a for a, _d in rows].count("connection.created") == 1
    assert any(a == "connection.updated" for a, _d in rows)
    assert SECRET not in repr(rows) and "Another-Secret-99" not in repr(rows)


def test_update_keeps_secrets_unless_re_entered(w, token_client):
    client = token_client(w.alice, "alpha")
    connection_id = _create(client).json()["id"]
    response = client.patch(f"{URL}{connection_id}/", json.dumps({"name": "Renamed", "credentials": {
        "login": "other-login", "password": ""}}), content_type="application/json")
    assert response.status_code == 200, response.content
    with schema_context(w.alpha.schema_name):
        creds = ProviderConnection.objects.get(pk=connection_id).credentials
    assert creds == {"login": "other-login", "password": SECRET}
    client.patch(f"{URL}{connection_id}/", json.dumps({"credentials": {"password": "New-Pass-1"}}),
                 content_type="application/json")
    with schema_context(w.alpha.schema_name):
        assert ProviderConnection.objects.get(pk=connection_id).credentials["password"] == "New-Pass-1"


def test_viewer_can_list_but_cannot_create(w, token_client):
    response = _create(token_client(w.vera, "alpha"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert token_client(w.vera, "alpha").get(URL).status_code == 200


def test_member_of_beta_cannot_see_alphas_connections(w, token_client, client_for):
    connection_id = _create(token_client(w.alice, "alpha")).json()["id"]
    assert token_client(w.charlie, "alpha").get(URL).status_code in (403, 404)
    assert client_for(w.charlie, "alpha").get(f"{URL}{connection_id}/").status_code in (403, 404)
    beta = token_client(w.bob, "beta")
    assert beta.get(URL).json()["results"] == []
    assert beta.get(f"{URL}{connection_id}/").status_code == 404
    assert beta.delete(f"{URL}{connection_id}/").status_code == 404


def test_unknown_provider_and_missing_fields_are_rejected(w, token_client):
    client = token_client(w.alice, "alpha")
    bad = client.post(URL, json.dumps({"provider": "nope", "name": "x", "credentials": {}}),
                      content_type="application/json")
    assert bad.status_code == 400 and "provider" in bad.json()["error"]["details"]
    missing = client.post(URL, json.dumps({"provider": "beget", "name": "x", "credentials": {"login": "a"}}),
                          content_type="application/json")
    assert missing.status_code == 400
    assert missing.json()["error"]["details"] == {"credentials.password": ["Поле «Пароль аккаунта» обязательно."]}


def test_custom_endpoint_is_refused_when_not_allowed(w, token_client, settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = False
    response = _create(token_client(w.alice, "alpha"), endpoint="http://169.254.169.254/")
    assert response.status_code == 400
    assert "endpoint" in response.json()["error"]["details"]


def test_test_endpoint_succeeds_against_the_fake_and_stores_account_info(w, token_client, fake_beget):
    client = token_client(w.alice, "alpha")
    connection_id = _create(client, endpoint=fake_beget.url, password=DEMO_PASSWORD).json()["id"]
    response = client.post(f"{URL}{connection_id}/test/")
    assert response.status_code == 200, response.content
    assert response.json()["account_info"]["monthly_rate"] == "1847"
    detail = client.get(f"{URL}{connection_id}/").json()
    assert detail["status"] == "ok" and detail["account_info"]["days_to_block"] == 3
    assert DEMO_PASSWORD not in response.content.decode()


def test_wrong_credentials_give_a_clear_error_and_nothing_is_stored(w, token_client, fake_beget):
    client = token_client(w.alice, "alpha")
    response = client.post(f"{URL}test/", json.dumps({
        "provider": "beget", "endpoint": fake_beget.url,
        "credentials": {"login": DEMO_LOGIN, "password": "wrong-password-123"}}), content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "provider_auth"
    assert error["message"]
    assert error["details"]["permanent"] is True
    assert "wrong-password-123" not in response.content.decode()
    with schema_context(w.alpha.schema_name):
        assert ProviderConnection.objects.count() == 0


def test_saved_connection_with_wrong_credentials_records_the_error(w, token_client, fake_beget):
    client = token_client(w.alice, "alpha")
    connection_id = _create(client, endpoint=fake_beget.url, password="bad-pass").json()["id"]
    response = client.post(f"{URL}{connection_id}/test/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "provider_auth"
    detail = client.get(f"{URL}{connection_id}/").json()
    assert detail["status"] == "error" and detail["last_error_code"] == "provider_auth"
    assert "bad-pass" not in json.dumps(detail)


def test_viewer_cannot_run_a_test(w, token_client):
    connection_id = _create(token_client(w.alice, "alpha")).json()["id"]
    assert token_client(w.vera, "alpha").post(f"{URL}{connection_id}/test/").status_code == 403


def test_delete_connection(w, token_client):
    client = token_client(w.erin, "alpha")  # engineers manage connections
    connection_id = _create(client).json()["id"]
    assert client.delete(f"{URL}{connection_id}/").status_code == 204
    assert client.get(f"{URL}{connection_id}/").status_code == 404


def test_providers_list_describes_the_form(w, token_client):
    providers = token_client(w.vera, "alpha").get("/api/v1/providers/").json()
    beget = next(p for p in providers if p["key"] == "beget")
    fields = {f["name"]: f for f in beget["credential_fields"]}
    assert fields["password"]["secret"] and not fields["login"]["secret"]
    assert fields["api_password"]["required"] is False


def test_support_data_view_masks_credentials(w, token_client):
    _create(token_client(w.alice, "alpha"))
    tables = organization_data_snapshot(organization=w.alpha)
    table = next(t for t in tables if t.label == "providers.ProviderConnection")
    column = table.fields.index("credentials")
    assert table.rows[0][column] == MASK
    assert SECRET not in repr(table.rows)
