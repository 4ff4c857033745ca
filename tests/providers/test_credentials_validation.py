"""Credentials are validated by the provider's spec in one place (the services): required fields and "one of"
groups, for the API (create, edit, credentials test) and the connection pages alike. Messages are Russian by
default and name the field; nothing is saved when they are refused."""

from __future__ import annotations

import json
import re

import pytest
from django_tenants.utils import schema_context

from apps.providers import registry
from apps.providers.models import ProviderConnection
from tests.utils import api_error

URL = "/api/v1/connections/"

# A complete, valid set of credentials per registered provider (the fields the spec needs, nothing more).
COMPLETE = {
    "beget": {"login": "acme", "password": "Beget-Secret-1"},
    "yandex": {"oauth_token": "y0_Oauth-Secret-2"},
    "selectel": {"token": "Selectel-Static-Token-3"},
    "aws": {"access_key_id": "AKIAEXAMPLE0000001", "secret_access_key": "Aws-Secret-Key-4"},
    "openstack": {"auth_url": "https://keystone.example.com/v3", "username": "ops", "password": "Os-Secret-5",
                  "project_id": "48643015916742d080f0ecdd519bada3"},
    "cloudru": {"key_id": "8c2d1f7e-0b4a-4e55-9d3c-5a1b2c3d4e5f", "key_secret": "Cloudru-Secret-6",
                "customer_id": "3f1b7a52-6c0e-4d2a-9b8f-1e2d3c4b5a69"},
    "vkcloud": {"username": "ops@example.com", "password": "Vk-Secret-6",
                "project_id": "b5b6a3a1c9e44f7c8a3a8b3f4f1c2d7e"},
    "timeweb": {"token": "Timeweb-Jwt-Token-6"},
}

# What an empty form is told, field by field (written by hand from the Russian catalog).
YANDEX_CHOICE = "Укажите «OAuth-токен» или «Авторизованный ключ сервисного аккаунта»."
OPENSTACK_CHOICE = ("Укажите «Имя пользователя», «Пароль», «ID проекта» или «ID учётных данных приложения», "
                    "«Секрет учётных данных приложения».")
VKCLOUD_CHOICE = ("Укажите «E-mail аккаунта», «Пароль», «ID проекта OpenStack» или «ID учётных данных приложения», "
                  "«Секрет учётных данных приложения».")
EMPTY_ERRORS = {
    "beget": {
        "credentials.login": ["Поле «Логин» обязательно."],
        "credentials.password": ["Поле «Пароль аккаунта» обязательно."],
    },
    "yandex": {
        "credentials.oauth_token": [YANDEX_CHOICE],
        "credentials.authorized_key": [YANDEX_CHOICE],
    },
    "selectel": {
        "credentials.token": ["Поле «API-ключ (статический токен)» обязательно."],
    },
    "aws": {
        "credentials.access_key_id": ["Поле «Access key ID» обязательно."],
        "credentials.secret_access_key": ["Поле «Secret access key» обязательно."],
    },
    "openstack": {
        "credentials.auth_url": ["Поле «Адрес Keystone» обязательно."],
        **{f"credentials.{name}": [OPENSTACK_CHOICE] for name in (
            "username", "password", "project_id", "application_credential_id", "application_credential_secret")},
    },
    "cloudru": {
        "credentials.key_id": ["Поле «Key ID (идентификатор ключа)» обязательно."],
        "credentials.key_secret": ["Поле «Key Secret (секрет ключа)» обязательно."],
        "credentials.customer_id": ["Поле «ID клиента (customer_id)» обязательно."],
    },
    "vkcloud": {f"credentials.{name}": [VKCLOUD_CHOICE] for name in (
        "username", "password", "project_id", "application_credential_id", "application_credential_secret")},
    "timeweb": {
        "credentials.token": ["Поле «API-токен» обязательно."],
    },
}

# Every required field of every provider, each missing alone, with its message.
REQUIRED_ALONE = [
    ("beget", "login", "Поле «Логин» обязательно."),
    ("beget", "password", "Поле «Пароль аккаунта» обязательно."),
    ("selectel", "token", "Поле «API-ключ (статический токен)» обязательно."),
    ("aws", "access_key_id", "Поле «Access key ID» обязательно."),
    ("aws", "secret_access_key", "Поле «Secret access key» обязательно."),
    ("openstack", "auth_url", "Поле «Адрес Keystone» обязательно."),
    ("cloudru", "key_id", "Поле «Key ID (идентификатор ключа)» обязательно."),
    ("cloudru", "key_secret", "Поле «Key Secret (секрет ключа)» обязательно."),
    ("cloudru", "customer_id", "Поле «ID клиента (customer_id)» обязательно."),
    ("timeweb", "token", "Поле «API-токен» обязательно."),
]


@pytest.fixture(autouse=True)
def _custom_endpoints(settings):
    settings.ALLOW_CUSTOM_PROVIDER_ENDPOINTS = True


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def _count(w, provider: str | None = None) -> int:
    with schema_context(w.alpha.schema_name):
        qs = ProviderConnection.objects.all()
        return (qs.filter(provider=provider) if provider else qs).count()


def _stored(w, pk) -> dict:
    with schema_context(w.alpha.schema_name):
        return dict(ProviderConnection.objects.get(pk=pk).credentials)


def _saved(w, provider: str, credentials: dict) -> ProviderConnection:
    with schema_context(w.alpha.schema_name):
        return ProviderConnection.objects.create(provider=provider, name=f"{provider} saved", credentials=credentials)


def _page_form(provider: str, credentials: dict, *, prefix: str | None = None, name: str = "Main") -> dict:
    prefix = prefix or f"add-{provider}"
    data = {f"{prefix}-name": name, f"{prefix}-sync_interval_minutes": "1440", f"{prefix}-auto_sync": "on"}
    for field in registry.get_spec(provider).credential_fields:
        data[f"{prefix}-cred_{field.name}"] = credentials.get(field.name, "")
    return data


def _add_form_errors(response, provider: str) -> dict[str, list[str]]:
    form = next(p["form"] for p in response.context["providers"] if p["spec"].key == provider)
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def test_every_registered_provider_has_its_cases_here():
    assert set(COMPLETE) == set(EMPTY_ERRORS) == set(registry.provider_keys())


@pytest.mark.parametrize("provider", sorted(COMPLETE))
def test_a_connection_without_credentials_is_refused_by_the_api_and_nothing_is_saved(w, token_client, provider):
    client = token_client(w.alice, "alpha")
    response = _post(client, URL, {"provider": provider, "name": "Main", "credentials": {}})
    error = api_error(response, 400, "invalid")
    assert error["message"] == "Некорректные данные."
    assert error["details"] == EMPTY_ERRORS[provider]
    assert _count(w) == 0


@pytest.mark.parametrize("provider", sorted(COMPLETE))
def test_a_connection_without_credentials_is_refused_by_the_page_form_next_to_the_fields(w, client_for, provider):
    response = client_for(w.alice, "alpha").post(f"/connections/add/{provider}/", _page_form(provider, {}))
    assert response.status_code == 400
    expected = {key.replace("credentials.", "cred_"): messages for key, messages in EMPTY_ERRORS[provider].items()}
    assert _add_form_errors(response, provider) == expected
    html = response.content.decode()
    for name, messages in expected.items():
        assert re.search(rf'class="field has-error"[^>]*>\s*<label for="id_add-{provider}-{name}"', html), name
        assert messages[0] in html
    assert _count(w) == 0


@pytest.mark.parametrize("provider", sorted(COMPLETE))
def test_the_credentials_test_without_credentials_is_refused_before_calling_the_provider(w, token_client,
                                                                                       client_for, provider):
    api = _post(token_client(w.alice, "alpha"), f"{URL}test/", {"provider": provider, "credentials": {}})
    assert api_error(api, 400, "invalid")["details"] == EMPTY_ERRORS[provider]
    page = client_for(w.alice, "alpha").post(f"/connections/test/{provider}/", _page_form(provider, {}),
                                             HTTP_ACCEPT="application/json")
    assert api_error(page, 400, "invalid")["details"] == EMPTY_ERRORS[provider]


@pytest.mark.parametrize(("provider", "field", "message"), REQUIRED_ALONE)
def test_each_required_field_missing_alone_is_refused_naming_that_field(w, token_client, client_for, provider,
                                                                       field, message):
    credentials = {k: v for k, v in COMPLETE[provider].items() if k != field}
    response = _post(token_client(w.alice, "alpha"), URL,
                     {"provider": provider, "name": "Main", "credentials": credentials})
    assert api_error(response, 400, "invalid")["details"] == {f"credentials.{field}": [message]}
    page = client_for(w.alice, "alpha").post(f"/connections/add/{provider}/", _page_form(provider, credentials))
    assert page.status_code == 400
    assert _add_form_errors(page, provider) == {f"cred_{field}": [message]}
    assert _count(w) == 0


@pytest.mark.parametrize("provider", sorted(COMPLETE))
def test_complete_credentials_are_accepted_by_the_api_and_the_page(w, token_client, client_for, provider):
    response = _post(token_client(w.alice, "alpha"), URL,
                     {"provider": provider, "name": "By API", "credentials": COMPLETE[provider]})
    assert response.status_code == 201, response.content
    assert response.json()["credential_fields_set"] == sorted(COMPLETE[provider])
    page = client_for(w.alice, "alpha").post(f"/connections/add/{provider}/",
                                             _page_form(provider, COMPLETE[provider], name="By page"))
    assert page.status_code == 302
    assert _count(w, provider) == 2


def test_a_yandex_service_account_key_alone_is_a_complete_alternative(w, token_client, client_for):
    key = json.dumps({"id": "ajekey", "service_account_id": "ajesa", "private_key": "-----BEGIN PRIVATE KEY-----"})
    response = _post(token_client(w.alice, "alpha"), URL,
                     {"provider": "yandex", "name": "Robot", "credentials": {"authorized_key": key}})
    assert response.status_code == 201, response.content
    assert response.json()["credential_fields_set"] == ["authorized_key"]
    page = client_for(w.alice, "alpha").post("/connections/add/yandex/",
                                             _page_form("yandex", {"authorized_key": key}, name="Robot 2"))
    assert page.status_code == 302
    assert _count(w, "yandex") == 2


def test_yandex_scope_fields_alone_do_not_make_a_connection(w, token_client):
    response = _post(token_client(w.alice, "alpha"), URL, {
        "provider": "yandex", "name": "Scope only", "credentials": {"cloud_id": "b1gcloud", "folder_id": "b1gfolder"}})
    assert api_error(response, 400, "invalid")["details"] == EMPTY_ERRORS["yandex"]
    assert _count(w) == 0


@pytest.mark.parametrize(("provider", "field", "message"), [
    *REQUIRED_ALONE,
    ("yandex", "oauth_token", YANDEX_CHOICE),
])
def test_a_whitespace_only_value_counts_as_missing(w, token_client, client_for, provider, field, message):
    credentials = {**COMPLETE[provider], field: "  \t "}
    response = _post(token_client(w.alice, "alpha"), URL,
                     {"provider": provider, "name": "Main", "credentials": credentials})
    assert api_error(response, 400, "invalid")["details"][f"credentials.{field}"] == [message]
    page = client_for(w.alice, "alpha").post(f"/connections/add/{provider}/", _page_form(provider, credentials))
    assert page.status_code == 400
    assert _add_form_errors(page, provider)[f"cred_{field}"] == [message]
    assert _count(w) == 0


def test_an_api_edit_with_blank_secrets_keeps_the_stored_ones(w, token_client):
    conn = _saved(w, "beget", {"login": "acme", "password": "Stored-Secret-9", "api_password": "Stored-Api-8"})
    response = _patch(token_client(w.alice, "alpha"), f"{URL}{conn.pk}/",
                      {"credentials": {"login": "acme2", "password": "", "api_password": "   "}})
    assert response.status_code == 200, response.content
    assert _stored(w, conn.pk) == {"login": "acme2", "password": "Stored-Secret-9", "api_password": "Stored-Api-8"}


def test_a_page_edit_with_blank_secrets_keeps_the_stored_ones(w, client_for):
    conn = _saved(w, "aws", {"access_key_id": "AKIAEXAMPLE0000001", "secret_access_key": "Stored-Aws-Secret"})
    data = _page_form("aws", {"access_key_id": "AKIAEXAMPLE0000002"}, prefix=f"edit-{conn.pk}", name="AWS")
    response = client_for(w.alice, "alpha").post(f"/connections/{conn.pk}/edit/", data)
    assert response.status_code == 302
    assert _stored(w, conn.pk) == {"access_key_id": "AKIAEXAMPLE0000002", "secret_access_key": "Stored-Aws-Secret"}


def test_an_edit_that_clears_a_required_field_is_refused_and_changes_nothing(w, token_client):
    stored = {"login": "acme", "password": "Stored-Secret-9"}
    conn = _saved(w, "beget", stored)
    response = _patch(token_client(w.alice, "alpha"), f"{URL}{conn.pk}/", {"credentials": {"login": " "}})
    assert api_error(response, 400, "invalid")["details"] == {"credentials.login": ["Поле «Логин» обязательно."]}
    assert _stored(w, conn.pk) == stored


def test_an_edit_of_a_yandex_connection_keeps_its_stored_alternative(w, token_client):
    conn = _saved(w, "yandex", {"oauth_token": "y0_Stored-Oauth"})
    response = _patch(token_client(w.alice, "alpha"), f"{URL}{conn.pk}/",
                      {"credentials": {"oauth_token": "", "authorized_key": "", "folder_id": "b1gfolder"}})
    assert response.status_code == 200, response.content
    assert _stored(w, conn.pk) == {"oauth_token": "y0_Stored-Oauth", "folder_id": "b1gfolder"}


def test_a_stored_connection_that_lacks_its_credentials_cannot_be_saved_again_without_them(w, token_client):
    conn = _saved(w, "yandex", {"cloud_id": "b1gcloud"})  # saved before credentials were validated
    response = _patch(token_client(w.alice, "alpha"), f"{URL}{conn.pk}/", {"credentials": {"cloud_id": "b1gcloud"}})
    assert api_error(response, 400, "invalid")["details"] == EMPTY_ERRORS["yandex"]
    assert _stored(w, conn.pk) == {"cloud_id": "b1gcloud"}


def test_the_providers_list_tells_which_credentials_are_alternatives(w, token_client):
    providers = {p["key"]: p for p in token_client(w.vera, "alpha").get("/api/v1/providers/").json()}
    assert providers["yandex"]["credential_groups"] == [["oauth_token"], ["authorized_key"]]
    assert providers["beget"]["credential_groups"] == []
    assert providers["yandex"]["credential_requires"] == {
        "billing_bucket": ["s3_access_key_id", "s3_secret_access_key"]}
    assert providers["beget"]["credential_requires"] == {}


def test_a_yandex_billing_bucket_needs_both_static_keys_and_says_so_in_russian(w, token_client, client_for):
    credentials = {**COMPLETE["yandex"], "billing_bucket": "acme-billing"}
    response = _post(token_client(w.alice, "alpha"), URL,
                     {"provider": "yandex", "name": "Main", "credentials": credentials})
    assert api_error(response, 400, "invalid")["details"] == {
        "credentials.s3_access_key_id": [
            "Поле «Идентификатор статического ключа доступа» обязательно, если заполнено поле «Бакет с детализацией»."],
        "credentials.s3_secret_access_key": [
            "Поле «Секретный ключ» обязательно, если заполнено поле «Бакет с детализацией»."],
    }
    page = client_for(w.alice, "alpha").post("/connections/add/yandex/", _page_form("yandex", credentials))
    assert page.status_code == 400
    assert set(_add_form_errors(page, "yandex")) == {"cred_s3_access_key_id", "cred_s3_secret_access_key"}
    assert _count(w) == 0


def test_clearing_the_yandex_bucket_keeps_the_stored_keys_unused_and_is_accepted(w, token_client):
    conn = _saved(w, "yandex", {"oauth_token": "y0_Stored-Oauth", "billing_bucket": "acme-billing",
                                "s3_access_key_id": "YCAJEkey", "s3_secret_access_key": "Stored-S3-Secret"})
    response = _patch(token_client(w.alice, "alpha"), f"{URL}{conn.pk}/", {"credentials": {"billing_bucket": ""}})
    assert response.status_code == 200, response.content
    assert _stored(w, conn.pk) == {"oauth_token": "y0_Stored-Oauth", "s3_access_key_id": "YCAJEkey",
                                   "s3_secret_access_key": "Stored-S3-Secret"}
